/**
 * The package as a user gets it (issue 10 items 4, 5, 9): `npm pack` (its prepack builds), the
 * tarball installed into a fresh app with its peers, then
 * - an ESM app and a CommonJS app that import every entry point type-check with
 *   `skipLibCheck: false`, with our TypeScript (6.0) and the newest published one, and run;
 * - the ESM app's schemas come from a second copy of zod, installed at another path;
 * - the installed `agentvisor` bin runs a node whose agents module is TypeScript (`agents.ts`),
 *   with tsx installed beside it and not preloaded, against a real nats-server.
 *
 * Installs use `--prefer-offline`: tarballs come from the npm cache that `npm ci` filled; the
 * registry is asked only for what the cache lacks (the newest TypeScript, package metadata).
 * publint and are-the-types-wrong run on the tarball in `npm run check:package` (`.ci/run`).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterStatus } from 'agentvisor/node';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { waitFor } from '../cluster/fixtures/waitFor.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const ourTsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

interface Manifest {
  version: string;
  peerDependencies?: Record<string, string>;
}
const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as Manifest;

/** The version of a package in our node_modules: the one the npm cache holds. */
async function installed(name: string): Promise<string> {
  const path = join(root, 'node_modules', name, 'package.json');
  return (JSON.parse(await readFile(path, 'utf8')) as { version: string }).version;
}

const npmInstall = (cwd: string, specs: string[]) =>
  run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', ...specs],
    {
      cwd,
    },
  );

let dir: string;
let app: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agentvisor-package-'));
  app = join(dir, 'app');
  await Promise.all([
    mkdir(join(app, 'esm'), { recursive: true }),
    mkdir(join(app, 'cjs'), { recursive: true }),
    mkdir(join(dir, 'zod2')),
  ]);
  const packed = await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root });
  const tarball = join(dir, packed.stdout.trim().split('\n').at(-1) ?? '');
  // An ESM app (the agents module is imported as ESM); cjs/ is a CommonJS package inside it.
  await writeFile(
    join(app, 'package.json'),
    JSON.stringify({ name: 'app', private: true, type: 'module' }),
  );
  await writeFile(
    join(dir, 'zod2', 'package.json'),
    JSON.stringify({ name: 'zod2', private: true }),
  );
  await writeApps();
  const [xstate, zod, typesNode, tsx] = await Promise.all(
    ['xstate', 'zod', '@types/node', 'tsx'].map(installed),
  );
  await Promise.all([
    npmInstall(app, [
      tarball,
      `xstate@${xstate}`,
      `zod@${zod}`,
      `@types/node@${typesNode}`,
      `tsx@${tsx}`,
      'typescript@latest',
    ]),
    // The second copy of zod: same version, another path, another module instance.
    npmInstall(join(dir, 'zod2'), [`zod@${zod}`]),
  ]);
}, 240_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the packed agentvisor', () => {
  it('ships xstate and zod as peers: the installed package holds no copy of them', async () => {
    const pkg = join(app, 'node_modules', 'agentvisor');
    const shipped = JSON.parse(await readFile(join(pkg, 'package.json'), 'utf8')) as Manifest;
    expect(Object.keys(shipped.peerDependencies ?? {})).toEqual(
      expect.arrayContaining(['xstate', 'zod']),
    );
    expect(existsSync(join(pkg, 'node_modules', 'xstate'))).toBe(false);
    expect(existsSync(join(pkg, 'node_modules', 'zod'))).toBe(false);
    expect(existsSync(join(pkg, 'LICENSE'))).toBe(true);
  });

  it('type-checks an ESM and a CommonJS app with skipLibCheck false (TypeScript 6.0), and runs them', async () => {
    await run(process.execPath, [ourTsc, '-p', app]).catch(rethrowOutput);
    const [esm, cjs] = await Promise.all([
      run(process.execPath, [join(app, 'esm', 'app.js')]),
      run(process.execPath, [join(app, 'cjs', 'app.js')]),
    ]);
    const expected = { answer: 'hello Ada', refused: 'ERR_INVALID_MESSAGE', entryPoints: 5 };
    expect(JSON.parse(esm.stdout)).toEqual({ ...expected, zodCopies: 2 });
    expect(JSON.parse(cjs.stdout)).toEqual(expected);
  }, 120_000);

  it('type-checks both apps with the newest TypeScript published on npm', async () => {
    const newest = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
    const { stdout } = await run(process.execPath, [newest, '--version']);
    expect(stdout).toMatch(/^Version \d+\./);
    await run(process.execPath, [newest, '-p', app, '--noEmit']).catch(rethrowOutput);
  }, 120_000);

  it('prints its version from the installed bin', async () => {
    const bin = join(app, 'node_modules', 'agentvisor', 'dist', 'ops', 'cli.js');
    const { stdout } = await run(process.execPath, [bin, '--version']);
    expect(stdout.trim()).toBe(manifest.version);
  }, 60_000);

  describe('with a nats-server', () => {
    let server: NatsServerHandle;
    beforeAll(async () => {
      server = await startNatsServer();
    });
    afterAll(async () => {
      await server.stop();
    });

    it('runs `agentvisor node` with a TypeScript agents module from the installed bin', async () => {
      const bin = join(app, 'node_modules', 'agentvisor', 'dist', 'ops', 'cli.js');
      const config = join(app, 'cluster.yaml');
      await writeFile(
        config,
        [
          'namespace: pkg',
          'agents: ./agents.ts',
          'units:',
          '  - { name: u1, agent: tally }',
          '',
        ].join('\n'),
      );
      // Plain node: no --import tsx. The CLI registers tsx itself for a .ts module.
      const node = spawn(
        process.execPath,
        [bin, 'node', '--config', config, '--node', 'n1', '--server', server.url],
        {
          cwd: app,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let output = '';
      node.stdout.on('data', (d: Buffer) => (output += d.toString()));
      node.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => node.on('exit', resolve));
      try {
        // The node ending (e.g. its agents module did not load) ends the wait at once.
        const ended = exited.then((code) => {
          throw new Error(`the node exited ${String(code)}`);
        });
        ended.catch(() => undefined); // handled here; it also rejects when SIGTERM ends the node
        const placed = waitFor(
          'n1 running u1',
          async () => {
            const r = await run(process.execPath, [
              bin,
              'status',
              '--server',
              server.url,
              '--namespace',
              'pkg',
              '--json',
            ]);
            const parsed = JSON.parse(r.stdout) as ClusterStatus;
            return (
              parsed.placements.some((p) => p.unit === 'u1' && p.record?.node === 'n1') && parsed
            );
          },
          30_000,
        );
        const status = await Promise.race([placed, ended]).catch((err: unknown) => {
          process.stderr.write(`--- node n1\n${output}\n`);
          throw err;
        });
        expect(status.nodes.map((n) => n.record.node)).toEqual(['n1']);
      } finally {
        node.kill('SIGTERM');
        await exited;
      }
      expect(output).not.toContain('ERR_INVALID_OPTIONS');
    }, 120_000);

    it('without tsx installed, refuses a TypeScript agents module with ERR_INVALID_OPTIONS and the cause', async () => {
      const bin = join(app, 'node_modules', 'agentvisor', 'dist', 'ops', 'cli.js');
      const tsx = join(app, 'node_modules', 'tsx');
      await rename(tsx, `${tsx}.off`);
      try {
        const config = join(app, 'no-tsx.yaml');
        await writeFile(config, 'namespace: pkg2\nagents: ./agents.ts\nunits: []\n');
        const args = ['node', '--config', config, '--node', 'n2', '--server', server.url];
        const failed = await run(process.execPath, [bin, ...args], { cwd: app }).then(
          () => undefined,
          (err: unknown) => err as { code?: unknown; stderr?: string },
        );
        expect(failed?.code).toBe(1);
        expect(failed?.stderr).toContain('[ERR_INVALID_OPTIONS]');
        expect(failed?.stderr).toContain('ERR_MODULE_NOT_FOUND');
      } finally {
        await rename(`${tsx}.off`, tsx);
      }
    }, 60_000);
  });
});

/** A failed tsc run: its diagnostics (on stdout) into the test failure. */
function rethrowOutput(err: unknown): never {
  const { stdout, stderr } = err as { stdout?: string; stderr?: string };
  throw new Error(`${stdout ?? ''}${stderr ?? ''}`, { cause: err });
}

// --- the apps ---

/**
 * One program for both apps (the libraries' declarations are checked once): with module node16
 * each file's format follows its package.json, `type: module` for esm/ and `commonjs` for cjs/.
 * Output lands beside the sources, under those package.json files.
 */
async function writeApps(): Promise<void> {
  await writeFile(
    join(app, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        skipLibCheck: false,
        target: 'ES2023',
        lib: ['ES2023', 'ESNext.Disposable'],
        types: ['node'],
        module: 'node16',
        moduleResolution: 'node16',
      },
      files: ['esm/app.ts', 'cjs/app.ts', 'agents.ts'],
    }),
  );
  await writeFile(join(app, 'esm', 'package.json'), JSON.stringify({ type: 'module' }));
  await writeFile(join(app, 'esm', 'app.ts'), ESM_APP);
  // CommonJS: agentvisor is ESM only, so a CommonJS app loads it with `import()` (Node 20's
  // `require` of ESM is not for every case); module node16 keeps `import()` in the output.
  await writeFile(join(app, 'cjs', 'package.json'), JSON.stringify({ type: 'commonjs' }));
  await writeFile(join(app, 'cjs', 'app.ts'), CJS_APP);
  await writeFile(join(app, 'agents.ts'), AGENTS_MODULE);
}

const ESM_APP = `import { setup } from 'xstate';
import { z } from 'zod';
import { createActorSystem, isRuntimeError, respond, type ActorSystem } from 'agentvisor';
import { defineAgent, type AgentEvents, type ToolDefinition } from 'agentvisor/actors';
import { createSupervisionTree, type Directive } from 'agentvisor/supervisors';
import { ClusterNode } from 'agentvisor/node';
import { TestClock } from 'agentvisor/testing';

// A typed tool, assignable to \`tools\` without a cast.
const search: ToolDefinition<{ q: string }, string> = {
  input: z.object({ q: z.string() }),
  run: ({ q }) => Promise.resolve(\`found \${q}\`),
};
// Schemas from a second copy of zod (same version, another path: the duplicate a pnpm-style or
// nested install can give at run time; its types are the app's zod's, hence the assertion).
const copyUrl = new URL('../../zod2/node_modules/zod/index.js', import.meta.url).href;
const { z: zodCopy } = (await import(copyUrl)) as typeof import('zod');
const accepts = { 'greet.say': zodCopy.object({ name: zodCopy.string().min(1) }) } as const;
const greeter = defineAgent({
  name: 'greeter',
  version: 1,
  accepts,
  tools: { search },
  machine: setup({ types: { events: {} as AgentEvents<typeof accepts> } }).createMachine({
    on: { 'greet.say': { actions: respond(({ event }) => \`hello \${event.payload.name}\`) } },
  }),
});

const system: ActorSystem = createActorSystem({}, { clock: new TestClock() });
system.spawn('greeter', greeter);
const answer: unknown = await system.ask('greeter', 'greet.say', { name: 'Ada' });
const refused: unknown = await system.ask('greeter', 'greet.say', { name: '' }).catch((e: unknown) => e);
await system.shutdown();
const directive: Directive = 'restart';
const entryPoints = [createActorSystem, defineAgent, createSupervisionTree, ClusterNode, TestClock].filter(
  (f) => typeof f === 'function',
).length;
console.log(
  JSON.stringify({
    answer,
    refused: isRuntimeError(refused) ? refused.code : String(refused),
    entryPoints: directive === 'restart' ? entryPoints : 0,
    zodCopies: new Set([z.ZodType, zodCopy.ZodType]).size,
  }),
);
`;

const CJS_APP = `// Types of an ESM package in a CommonJS file: \`resolution-mode: import\` (else TS1541).
import type { ActorSystem, RuntimeError } from 'agentvisor' with { 'resolution-mode': 'import' };
import type { AgentEvents, ToolDefinition } from 'agentvisor/actors' with { 'resolution-mode': 'import' };
import type { Directive } from 'agentvisor/supervisors' with { 'resolution-mode': 'import' };
import type { ClusterNodeOptions } from 'agentvisor/node' with { 'resolution-mode': 'import' };
import type { TestClock as Clock } from 'agentvisor/testing' with { 'resolution-mode': 'import' };

async function main(): Promise<void> {
  const [{ setup }, { z }, runtime, actors, supervisors, node, testing] = await Promise.all([
    import('xstate'),
    import('zod'),
    import('agentvisor'),
    import('agentvisor/actors'),
    import('agentvisor/supervisors'),
    import('agentvisor/node'),
    import('agentvisor/testing'),
  ]);
  const search: ToolDefinition<{ q: string }, string> = {
    input: z.object({ q: z.string() }),
    run: ({ q }) => Promise.resolve(\`found \${q}\`),
  };
  const accepts = { 'greet.say': z.object({ name: z.string().min(1) }) } as const;
  const greeter = actors.defineAgent({
    name: 'greeter',
    version: 1,
    accepts,
    tools: { search },
    machine: setup({ types: { events: {} as AgentEvents<typeof accepts> } }).createMachine({
      on: {
        'greet.say': { actions: runtime.respond(({ event }) => \`hello \${event.payload.name}\`) },
      },
    }),
  });
  const clock: Clock = new testing.TestClock();
  const system: ActorSystem = runtime.createActorSystem({}, { clock });
  system.spawn('greeter', greeter);
  const answer: unknown = await system.ask('greeter', 'greet.say', { name: 'Ada' });
  const refused = (await system
    .ask('greeter', 'greet.say', { name: '' })
    .catch((e: unknown) => e)) as RuntimeError;
  await system.shutdown();
  const directive: Directive = 'restart';
  const nodeOptions: ClusterNodeOptions = { node: 'n1' };
  const entryPoints = [
    runtime.createActorSystem,
    actors.defineAgent,
    supervisors.createSupervisionTree,
    node.ClusterNode,
    testing.TestClock,
  ].filter((f) => typeof f === 'function').length;
  console.log(
    JSON.stringify({
      answer,
      refused: runtime.isRuntimeError(refused) ? refused.code : String(refused),
      entryPoints: directive === 'restart' && nodeOptions.node === 'n1' ? entryPoints : 0,
    }),
  );
}

void main();
`;

const AGENTS_MODULE = `import { assign, setup } from 'xstate';
import { respond, type MessageEvent } from 'agentvisor';
import type { ClusterAgent } from 'agentvisor/node';

type TallyEvent = MessageEvent<'add', { id: string }> | MessageEvent<'get'>;

const tally = setup({
  types: { context: {} as { count: number }, events: {} as TallyEvent },
}).createMachine({
  id: 'tally',
  context: { count: 0 },
  on: {
    add: { actions: [assign({ count: ({ context }) => context.count + 1 }), respond(({ context }) => context.count)] },
    get: { actions: respond(({ context }) => context.count) },
  },
});

export const agents: Record<string, ClusterAgent> = { tally: { logic: tally, machineVersion: 1 } };
`;
