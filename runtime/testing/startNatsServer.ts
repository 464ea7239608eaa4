import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, rmSync, statSync, watch, type FSWatcher } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { z } from 'zod';
import { systemClock } from '../clock/index.js';
import { ErrorCode, RuntimeError, parseOptions } from '../errors/index.js';
import { generateTestCertificates, type TestCertificates } from './generateTestCertificates.js';

/** How long the server has to report its port before start fails. */
const START_DEADLINE_MS = 10_000;
/** How long `stop()` waits after SIGTERM before sending SIGKILL. */
const STOP_GRACE_MS = 5_000;
/** How much of the server's output is kept for error details. */
const OUTPUT_TAIL_CHARS = 8_192;
const OUTPUT_TAIL_LINES = 30;

/** Directories searched after PATH: Debian installs the binary in /usr/sbin, Homebrew in /usr/local/bin. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/bin'];

const INSTALL_HINT =
  'install it with "sudo apt-get install -y nats-server" (Debian/Ubuntu) or "brew install nats-server" (macOS), or set NATS_SERVER_BIN';

/** Options of {@link startNatsServer}. */
export interface StartNatsServerOptions {
  /** Enable JetStream, with its store in the server's temporary directory. @default true */
  jetstream?: boolean;
  /** Extra command-line arguments, appended after the generated ones. @default [] */
  args?: string[];
  /** Extra configuration text, appended to the generated config file. @default '' */
  config?: string;
  /** Client authentication the server requires (an `authorization` block). @default none */
  auth?: NatsServerAuth;
  /**
   * Require TLS: a throwaway CA and a certificate for 127.0.0.1 are generated into the server's
   * directory with `openssl` (see {@link NatsServerHandle.tls}); `verifyClients` also requires a
   * client certificate signed by that CA. @default false
   */
  tls?: boolean | { verifyClients?: boolean };
  /**
   * Join a cluster: listen for routes on a random loopback port (see
   * {@link NatsServerHandle.clusterUrl}) and dial `routes` (other servers' `clusterUrl`).
   * {@link startNatsCluster} builds a whole cluster. @default none
   */
  cluster?: { name?: string; routes?: string[] };
}

/** What a server started by {@link startNatsServer} asks of its clients (nats-server 2.9 syntax). */
export type NatsServerAuth =
  | { user: string; password: string }
  | { token: string }
  /** An nkey user, by its public key (`U…`); the client signs with the seed. */
  | { nkey: string }
  /** Several users, each limited to the subjects it may publish and subscribe to. */
  | { users: NatsServerUser[] };

/**
 * A user of a server started by {@link startNatsServer}, with its permissions: subject patterns
 * it may publish and subscribe to (all when absent). E.g. `['av.shop.>', '_INBOX.av.>']` keeps a
 * node to namespace `shop` and the reply inboxes.
 */
export interface NatsServerUser {
  user: string;
  password: string;
  publish?: string[];
  subscribe?: string[];
}

const subjectPattern = z.string().regex(/^[^\s"]+$/, 'must be a subject without spaces or quotes');

const optionsSchema = z.strictObject({
  jetstream: z.boolean().default(true),
  args: z.array(z.string()).default([]),
  config: z.string().default(''),
  auth: z
    .union([
      z.strictObject({ user: z.string().min(1), password: z.string().min(1) }),
      z.strictObject({ token: z.string().min(1) }),
      z.strictObject({
        nkey: z.string().regex(/^U[A-Z2-7]{55}$/, 'must be an nkey user public key'),
      }),
      z.strictObject({
        users: z
          .array(
            z.strictObject({
              user: z.string().min(1),
              password: z.string().min(1),
              publish: z.array(subjectPattern).optional(),
              subscribe: z.array(subjectPattern).optional(),
            }),
          )
          .min(1),
      }),
    ])
    .optional(),
  tls: z
    .union([z.boolean(), z.strictObject({ verifyClients: z.boolean().default(false) })])
    .default(false),
  cluster: z
    .strictObject({
      name: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/)
        .default('agentvisor-test'),
      routes: z.array(z.string().regex(/^nats(-route)?:\/\/[^\s"]+$/)).default([]),
    })
    .optional(),
});
type ServerConfig = z.output<typeof optionsSchema>;

/** A running `nats-server` started by {@link startNatsServer}. */
export interface NatsServerHandle {
  /** The client URL, `nats://127.0.0.1:<port>`. */
  readonly url: string;
  /** The address the server listens on; always the loopback interface. */
  readonly host: '127.0.0.1';
  /** The port the server chose (the config asks for a random free one). */
  readonly port: number;
  /** The server's private temporary directory (config, ports file, JetStream store). */
  readonly storeDir: string;
  /** The server's process id (a new one after {@link NatsServerHandle.restart}). */
  readonly pid: number;
  /**
   * With `tls`: the generated PEM files. Clients trust `caFile`
   * (`NatsTransport.connect(…, { tls: { caFile } })`); with `verifyClients` they also present
   * `clientCertFile` / `clientKeyFile`.
   */
  readonly tls: TestCertificates | undefined;
  /** With `cluster`: the route URL other servers dial, `nats-route://127.0.0.1:<port>`. */
  readonly clusterUrl: string | undefined;
  /**
   * Stops the server process (SIGTERM, then SIGKILL after 5 s) and starts a new one on the same
   * port, with the same configuration and JetStream store: what clients see as a server restart
   * (they reconnect on their own). Resolves once the new process listens.
   *
   * @throws {RuntimeError} ERR_NATS_SERVER_START when the new process does not start (the port
   *   was taken meanwhile, for instance) or when the server is stopped.
   */
  restart(): Promise<void>;
  /**
   * Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its temporary directory.
   * Idempotent: later calls return the same promise.
   */
  stop(): Promise<void>;
  /** Same as {@link NatsServerHandle.stop}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Finds the `nats-server` binary: `NATS_SERVER_BIN` when set (and nothing else then), otherwise
 * the first executable `nats-server` on PATH, in /usr/sbin or in /usr/local/bin.
 *
 * @returns the binary's path, or `undefined` when there is none.
 */
export function findNatsServer(): string | undefined {
  const fromEnv = process.env['NATS_SERVER_BIN'];
  if (fromEnv !== undefined && fromEnv !== '') {
    return isExecutableFile(fromEnv) ? fromEnv : undefined;
  }
  const names = process.platform === 'win32' ? ['nats-server.exe', 'nats-server'] : ['nats-server'];
  for (const dir of searchDirs()) {
    for (const name of names) {
      const candidate = join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * Starts a private `nats-server` on a random loopback port, with JetStream by default, for
 * integration tests. Each server gets its own temporary directory, removed by `stop()`.
 *
 * @example
 * await using server = await startNatsServer();
 * const nc = await connect({ servers: server.url });
 *
 * @throws {RuntimeError} ERR_NATS_SERVER_MISSING when no binary is found (see {@link findNatsServer}).
 * @throws {RuntimeError} ERR_NATS_SERVER_START when the server exits or does not report its port
 *   within 10 s; `details.output` holds the tail of its output.
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when the options are malformed.
 */
export async function startNatsServer(
  options: StartNatsServerOptions = {},
): Promise<NatsServerHandle> {
  const opts = parseOptions(optionsSchema, options, 'startNatsServer');
  const bin = findNatsServer();
  if (bin === undefined) {
    const fromEnv = process.env['NATS_SERVER_BIN'];
    const where =
      fromEnv !== undefined && fromEnv !== ''
        ? `NATS_SERVER_BIN=${fromEnv} is not an executable file`
        : 'nats-server not found on PATH, in /usr/sbin or in /usr/local/bin';
    throw new RuntimeError(ErrorCode.NatsServerMissing, `${where}: ${INSTALL_HINT}`, {
      details: { natsServerBin: fromEnv, searched: searchDirs() },
    });
  }

  const dir = await mkdtemp(join(tmpdir(), 'agentvisor-nats-'));
  try {
    const certs = opts.tls === false ? undefined : await generateTestCertificates(join(dir, 'tls'));
    const confPath = join(dir, 'nats-server.conf');
    await writeFile(confPath, renderConfig(dir, { port: -1, clusterPort: -1 }, opts, certs));
    const launch = async (): Promise<{ server: ServerProcess; ports: Ports }> => {
      const server = spawnServer(bin, ['-c', confPath, '--ports_file_dir', dir, ...opts.args]);
      try {
        return { server, ports: await waitForPort(server, dir, opts.cluster !== undefined) };
      } catch (e) {
        await server.kill();
        throw e;
      }
    };
    const { server, ports } = await launch();
    // A restart keeps the ports the first process chose: clients (and routes) reconnect to the
    // same URLs.
    const relaunch = async (): Promise<ServerProcess> => {
      await writeFile(confPath, renderConfig(dir, ports, opts, certs));
      return (await launch()).server;
    };
    return makeHandle(server, dir, ports, relaunch, certs);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

/** The ports a server listens on (-1: let it choose). */
interface Ports {
  readonly port: number;
  /** The route port; -1 or a port, ignored without `cluster`. */
  readonly clusterPort: number;
}

/** nats-server config text; strings are quoted as JSON, which its parser reads. */
function renderConfig(
  dir: string,
  ports: Ports,
  opts: ServerConfig,
  certs: TestCertificates | undefined,
): string {
  const q = (text: string): string => JSON.stringify(text);
  const lines = ['host: 127.0.0.1', `port: ${ports.port}`];
  if (opts.jetstream) lines.push(`jetstream { store_dir: ${q(join(dir, 'js'))} }`);
  const auth = opts.auth;
  if (auth !== undefined) {
    if ('users' in auth) {
      const users = auth.users.map((u) => {
        const perms: string[] = [];
        if (u.publish !== undefined) perms.push(`publish: [ ${u.publish.map(q).join(', ')} ]`);
        if (u.subscribe !== undefined)
          perms.push(`subscribe: [ ${u.subscribe.map(q).join(', ')} ]`);
        const permissions = perms.length === 0 ? '' : `, permissions: { ${perms.join(', ')} }`;
        return `{ user: ${q(u.user)}, password: ${q(u.password)}${permissions} }`;
      });
      lines.push(`authorization { users: [ ${users.join(', ')} ] }`);
    } else if ('token' in auth) lines.push(`authorization { token: ${q(auth.token)} }`);
    else if ('nkey' in auth) lines.push(`authorization { users: [ { nkey: ${q(auth.nkey)} } ] }`);
    else lines.push(`authorization { user: ${q(auth.user)}, password: ${q(auth.password)} }`);
  }
  if (certs !== undefined) {
    const verify = typeof opts.tls === 'object' && opts.tls.verifyClients;
    lines.push(
      `tls { cert_file: ${q(certs.serverCertFile)}, key_file: ${q(certs.serverKeyFile)}, ` +
        `ca_file: ${q(certs.caFile)}, verify: ${String(verify)}, timeout: 2 }`,
    );
  }
  if (opts.cluster !== undefined) {
    const routes = opts.cluster.routes.map(q).join(', ');
    lines.push(
      `cluster { name: ${q(opts.cluster.name)}, host: 127.0.0.1, port: ${ports.clusterPort}, ` +
        `routes: [ ${routes} ] }`,
    );
  }
  if (opts.config !== '') lines.push(opts.config);
  return `${lines.join('\n')}\n`;
}

interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A spawned server process with its exit and the tail of its output tracked. */
interface ServerProcess {
  readonly child: ChildProcess;
  /** Settles when the process has exited and its output pipes are closed (or it never spawned). */
  readonly closed: Promise<ExitInfo>;
  /** Set when the process could not be spawned (or signalled). */
  spawnError: Error | undefined;
  /** True once `closed` has settled. */
  isClosed: boolean;
  /** The last lines of stdout and stderr, interleaved. */
  outputTail(): string;
  /** SIGTERM, SIGKILL after the grace period; resolves once the process has exited. */
  kill(): Promise<void>;
}

function spawnServer(bin: string, args: string[]): ServerProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const append = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  // Keep draining both pipes for the whole life of the server, or it blocks once a pipe is full.
  child.stdout.on('data', append);
  child.stderr.on('data', append);

  const proc: ServerProcess = {
    child,
    closed: new Promise<ExitInfo>((resolve) => {
      child.once('close', (code, signal) => {
        proc.isClosed = true;
        resolve({ code, signal });
      });
    }),
    spawnError: undefined,
    isClosed: false,
    outputTail: () => tail.split('\n').slice(-OUTPUT_TAIL_LINES).join('\n').trimEnd(),
    kill: async () => {
      // No pid: it never spawned, so there is nothing to stop (and 'close' may never come).
      if (proc.isClosed || child.pid === undefined) return;
      child.kill('SIGTERM');
      const timer = systemClock.setTimeout(() => {
        if (!proc.isClosed) child.kill('SIGKILL');
      }, STOP_GRACE_MS);
      try {
        await proc.closed;
      } finally {
        systemClock.clearTimeout(timer);
      }
    },
  };
  // A permanent listener: an unhandled 'error' event would crash the test process.
  child.on('error', (e) => {
    proc.spawnError ??= e;
  });
  return proc;
}

/**
 * Waits for the ports file nats-server writes into `dir` (`<binary name>_<pid>.ports`, JSON with
 * `nats: ["nats://127.0.0.1:PORT"]`). fs.watch reports every create and write in the directory and
 * each event triggers a fresh read, so a read that catches the file half-written is followed by
 * another one; the directory is also read once after the watch starts, for a file that appeared
 * before it.
 */
function waitForPort(server: ServerProcess, dir: string, cluster: boolean): Promise<Ports> {
  return new Promise<Ports>((resolve, reject) => {
    let settled = false;
    let watcher: FSWatcher | undefined;
    const pid = server.child.pid;
    const timer = systemClock.setTimeout(() => {
      fail(`nats-server did not report its port within ${START_DEADLINE_MS} ms`, {
        dir,
        pid,
        timeoutMs: START_DEADLINE_MS,
      });
    }, START_DEADLINE_MS);

    const finish = (outcome: { ports: Ports } | { error: RuntimeError }): void => {
      if (settled) return;
      settled = true;
      watcher?.close();
      systemClock.clearTimeout(timer);
      server.child.off('error', onError);
      if ('ports' in outcome) resolve(outcome.ports);
      else reject(outcome.error);
    };
    const fail = (message: string, details: Record<string, unknown>, cause?: unknown): void => {
      finish({
        error: new RuntimeError(ErrorCode.NatsServerStart, message, {
          details: { ...details, output: server.outputTail() },
          ...(cause === undefined ? {} : { cause }),
        }),
      });
    };
    const onError = (e: Error): void => {
      fail(`nats-server could not be started: ${e.message}`, { dir }, e);
    };

    if (pid === undefined) {
      // The spawn failed; 'error' follows (or has already fired).
      if (server.spawnError !== undefined) onError(server.spawnError);
      else server.child.once('error', onError);
      return;
    }
    server.child.once('error', onError);
    void server.closed.then(({ code, signal }) => {
      fail(
        `nats-server exited before reporting its port (code ${String(code)}, signal ${String(signal)})`,
        { dir, pid, exitCode: code, signal },
      );
    });

    const suffix = `_${pid}.ports`;
    const tryRead = (name: string): void => {
      if (settled || !name.endsWith(suffix)) return;
      readFile(join(dir, name), 'utf8').then(
        (text) => {
          const ports = parsePortsFile(text, cluster);
          if (ports !== undefined) finish({ ports });
        },
        () => {
          // Not there yet or already gone: a later event will tell.
        },
      );
    };

    try {
      watcher = watch(dir, (_event, filename) => {
        if (filename !== null) tryRead(filename);
        else {
          readdir(dir).then(
            (names) => {
              names.forEach(tryRead);
            },
            () => undefined,
          );
        }
      });
      watcher.on('error', (e) => {
        fail(`watching ${dir} for the ports file failed: ${e.message}`, { dir, pid }, e);
      });
    } catch (e) {
      fail(`watching ${dir} for the ports file failed`, { dir, pid }, e);
      return;
    }
    readdir(dir).then(
      (names) => {
        names.forEach(tryRead);
      },
      (e: unknown) => {
        fail(`reading ${dir} failed`, { dir, pid }, e);
      },
    );
  });
}

/**
 * The ports of the first `nats` (and, for a cluster member, `cluster`) URL in a ports file, or
 * `undefined` when it is incomplete.
 */
function parsePortsFile(text: string, cluster: boolean): Ports | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const port = firstPort((parsed as { nats?: unknown }).nats);
  if (port === undefined) return undefined;
  if (!cluster) return { port, clusterPort: -1 };
  const clusterPort = firstPort((parsed as { cluster?: unknown }).cluster);
  return clusterPort === undefined ? undefined : { port, clusterPort };
}

function firstPort(urls: unknown): number | undefined {
  if (!Array.isArray(urls) || typeof urls[0] !== 'string') return undefined;
  try {
    const port = Number(new URL(urls[0]).port);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined;
  }
}

function makeHandle(
  first: ServerProcess,
  dir: string,
  ports: Ports,
  relaunch: () => Promise<ServerProcess>,
  certs: TestCertificates | undefined,
): NatsServerHandle {
  const { port, clusterPort } = ports;
  const entry = { server: first, dir };
  live.add(entry);
  ensureExitHook();
  let stopping: Promise<void> | undefined;
  let restarting: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      try {
        // A restart in progress ends first, so the process it starts is the one stopped.
        await restarting?.catch(() => undefined);
        await entry.server.kill();
      } finally {
        live.delete(entry);
        await rm(dir, { recursive: true, force: true });
      }
    })());
  const restart = (): Promise<void> => {
    const run = async (): Promise<void> => {
      await restarting?.catch(() => undefined);
      if (stopping !== undefined) {
        throw new RuntimeError(ErrorCode.NatsServerStart, 'Cannot restart a stopped nats-server', {
          details: { dir, port },
        });
      }
      await entry.server.kill();
      entry.server = await relaunch();
    };
    const current = run();
    restarting = current;
    return current;
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    storeDir: dir,
    get pid() {
      return entry.server.child.pid ?? -1;
    },
    tls: certs,
    clusterUrl: clusterPort > 0 ? `nats-route://127.0.0.1:${clusterPort}` : undefined,
    restart,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Servers not yet stopped, killed if the process exits without stopping them. */
const live = new Set<{ server: ServerProcess; readonly dir: string }>();
let exitHookInstalled = false;

function ensureExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const { server, dir } of live) {
      server.child.kill('SIGKILL');
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // Best effort: the process is going away.
      }
    }
  });
}

function searchDirs(): string[] {
  const fromPath = (process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  return [...new Set([...fromPath, ...EXTRA_DIRS])];
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
