// `npm run test:llama`: the OpenAI client's tests against a real llama.cpp `llama-server`
// (issue 10 item 10). Opt-in, never part of `npm test`: building the server takes ~6 min on two
// cores the first time (later runs reuse the cache).
//
// 1. The server: LLAMA_SERVER_BIN when set; else llama-server built from the llama.cpp sources
//    that ship inside the node-llama-cpp npm tarball (`npm pack`, `package/llama/gitRelease.bundle`
//    is a git bundle of the sources; `package/llama/llama.cpp` in older releases), with cmake,
//    into the cache dir. No network beyond `npm pack`: the web UI download is switched off.
// 2. The model: a tiny llama-architecture GGUF with random weights, made at test time by
//    scripts/llama/make_tiny_model.py with the `gguf` package of the sources' gguf-py folder
//    (PyPI is not needed; numpy is).
// 3. The server is started on a free port, and test/integration/models/llamaServer.int.test.ts
//    runs against it through LLAMA_SERVER_URL. The server is stopped and the model deleted after.
//
// Environment: LLAMA_SERVER_BIN (a built llama-server), LLAMA_CACHE_DIR (default
// ~/.cache/agentvisor/llama), NODE_LLAMA_CPP_VERSION (default below), LLAMA_BUILD_JOBS (default:
// the number of CPUs), LLAMA_GGUF_PY (a gguf-py folder, to skip fetching the sources when
// LLAMA_SERVER_BIN is set), PYTHON (default python3), LLAMA_RECORD=1 (record each exchange as a
// fixture under test/integration/models/fixtures/llama, or LLAMA_FIXTURES_DIR).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';
import console from 'node:console';
import process from 'node:process';

/** The node-llama-cpp release whose sources were checked (llama.cpp tag in llama.cpp.info.json). */
const DEFAULT_VERSION = '3.22.1';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const env = process.env;
const version = env['NODE_LLAMA_CPP_VERSION'] || DEFAULT_VERSION;
const cacheDir = env['LLAMA_CACHE_DIR'] || join(homedir(), '.cache', 'agentvisor', 'llama');
const python = env['PYTHON'] || 'python3';
const READY_TIMEOUT_MS = 120_000;

/** Runs a command to completion, inheriting stdio; throws when it fails. */
function run(/** @type {string} */ command, /** @type {string[]} */ args, options = {}) {
  console.error(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) throw new Error(`${command} exited with ${result.status}`);
}

/** The llama.cpp source tree of the tarball, fetched and unpacked once into the cache. */
function sources() {
  const src = join(cacheDir, `llama.cpp-node-llama-cpp-${version}`);
  if (existsSync(join(src, 'CMakeLists.txt'))) return src;
  const pkgDir = join(cacheDir, `node-llama-cpp-${version}`);
  mkdirSync(pkgDir, { recursive: true });
  run('npm', ['pack', `node-llama-cpp@${version}`, '--pack-destination', pkgDir, '--silent']);
  const tarball = readdirSync(pkgDir).find((f) => f.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack left no tarball in ${pkgDir}`);
  run('tar', ['xzf', join(pkgDir, tarball), '-C', pkgDir, 'package/llama']);
  const bundle = join(pkgDir, 'package', 'llama', 'gitRelease.bundle');
  const tree = join(pkgDir, 'package', 'llama', 'llama.cpp');
  if (existsSync(bundle)) {
    run('git', ['-c', 'advice.detachedHead=false', 'clone', '--quiet', bundle, src]);
  } else if (existsSync(join(tree, 'CMakeLists.txt'))) {
    run('cp', ['-R', tree, src]);
  } else {
    throw new Error(`node-llama-cpp ${version} ships neither gitRelease.bundle nor llama.cpp/`);
  }
  return src;
}

/** A llama-server binary: LLAMA_SERVER_BIN, or one built (once) from the tarball's sources. */
function serverBinary() {
  const fromEnv = env['LLAMA_SERVER_BIN'];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`LLAMA_SERVER_BIN=${fromEnv} does not exist`);
    return fromEnv;
  }
  const src = sources();
  const build = join(src, 'build');
  const binary = join(build, 'bin', 'llama-server');
  if (existsSync(binary)) return binary;
  const jobs = env['LLAMA_BUILD_JOBS'] || String(availableParallelism());
  console.error(`building llama-server with ${jobs} jobs (~6 min on 2 cores, once)`);
  run('cmake', [
    '-S',
    src,
    '-B',
    build,
    '-DCMAKE_BUILD_TYPE=Release',
    '-DLLAMA_BUILD_TOOLS=ON',
    '-DLLAMA_BUILD_SERVER=ON',
    '-DLLAMA_BUILD_TESTS=OFF',
    '-DLLAMA_BUILD_EXAMPLES=OFF',
    '-DLLAMA_BUILD_APP=OFF',
    // The server's web UI would be downloaded from a Hugging Face bucket: not needed, not wanted.
    '-DLLAMA_BUILD_UI=OFF',
    '-DLLAMA_USE_PREBUILT_UI=OFF',
    // Plain HTTP on 127.0.0.1 only; no OpenSSL development files needed.
    '-DLLAMA_OPENSSL=OFF',
  ]);
  run('cmake', ['--build', build, '--target', 'llama-server', '--config', 'Release', '-j', jobs]);
  if (!existsSync(binary)) throw new Error(`the build left no ${binary}`);
  return binary;
}

/** The gguf-py folder: LLAMA_GGUF_PY, or the one in the tarball's sources. */
function ggufPy() {
  const fromEnv = env['LLAMA_GGUF_PY'];
  if (fromEnv) return fromEnv;
  return join(sources(), 'gguf-py');
}

/** A TCP port that was free a moment ago. */
async function freePort() {
  const probe = createServer();
  await new Promise((resolve) => {
    probe.listen(0, '127.0.0.1', () => {
      resolve(undefined);
    });
  });
  const address = probe.address();
  await new Promise((resolve) => {
    probe.close(() => {
      resolve(undefined);
    });
  });
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** Waits until GET /health answers 200 (the model is loaded), or the server exits. */
async function waitReady(
  /** @type {string} */ origin,
  /** @type {import('node:child_process').ChildProcess} */ server,
) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error('llama-server exited before it was ready');
    try {
      const res = await globalThis.fetch(`${origin}/health`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await sleep(250);
  }
  throw new Error(`llama-server not ready within ${READY_TIMEOUT_MS} ms`);
}

async function main() {
  const binary = serverBinary();
  const work = mkdtempSync(join(tmpdir(), 'agentvisor-llama-'));
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let server;
  try {
    const model = join(work, 'tiny-random.gguf');
    run(python, [join(root, 'scripts', 'llama', 'make_tiny_model.py'), model, '1'], {
      env: { ...env, PYTHONPATH: [ggufPy(), env['PYTHONPATH']].filter(Boolean).join(':') },
    });
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    // Two slots: the abort and timeout tests leave a request running while the next one starts.
    const args = ['-m', model, '--host', '127.0.0.1', '--port', String(port), '-c', '2048'];
    args.push('-np', '2', '--jinja', '--threads', '1');
    console.error(`$ ${binary} ${args.join(' ')}`);
    server = spawn(binary, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    await waitReady(origin, server);
    const vitest = spawnSync(
      'npx',
      [
        'vitest',
        'run',
        '--project',
        'integration',
        'test/integration/models/llamaServer.int.test.ts',
      ],
      {
        cwd: root,
        stdio: 'inherit',
        env: {
          ...env,
          LLAMA_SERVER_URL: `${origin}/v1`,
          // LLAMA_RECORD=1: the test records each exchange as a fixture.
          ...(env['LLAMA_RECORD'] === '1' && !env['LLAMA_FIXTURES_DIR']
            ? {
                LLAMA_FIXTURES_DIR: join(
                  root,
                  'test',
                  'integration',
                  'models',
                  'fixtures',
                  'llama',
                ),
              }
            : {}),
        },
      },
    );
    return vitest.status ?? 1;
  } finally {
    const child = server;
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => {
        child.once('exit', resolve);
      });
      child.kill('SIGTERM');
      const killer = setTimeout(() => {
        child.kill('SIGKILL');
      }, 5_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (/** @type {unknown} */ err) => {
    console.error(`test:llama: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
