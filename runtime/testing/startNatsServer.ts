import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, RuntimeError, parseOptions } from '../errors/index.js';
import { findNatsServer, natsServerSearchDirs } from './findNatsServer.js';
import { generateTestCertificates, type TestCertificates } from './generateTestCertificates.js';
import { createNatsServerHandle } from './internal/createNatsServerHandle.js';
import { renderNatsServerConfig, type NatsServerPorts } from './internal/renderNatsServerConfig.js';
import { spawnNatsServer, type ServerProcess } from './internal/spawnNatsServer.js';
import { waitForPorts } from './internal/waitForPorts.js';
import {
  StartNatsServerOptionsSchema,
  type StartNatsServerOptions,
} from './StartNatsServerOptions.js';

const INSTALL_HINT =
  'install it with "sudo apt-get install -y nats-server" (Debian/Ubuntu) or "brew install nats-server" (macOS), or set NATS_SERVER_BIN';

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
  const opts = parseOptions(StartNatsServerOptionsSchema, options, 'startNatsServer');
  const bin = findNatsServer();
  if (bin === undefined) {
    const fromEnv = process.env['NATS_SERVER_BIN'];
    const where =
      fromEnv !== undefined && fromEnv !== ''
        ? `NATS_SERVER_BIN=${fromEnv} is not an executable file`
        : 'nats-server not found on PATH, in /usr/sbin or in /usr/local/bin';
    throw new RuntimeError(ErrorCode.NatsServerMissing, `${where}: ${INSTALL_HINT}`, {
      details: { natsServerBin: fromEnv, searched: natsServerSearchDirs() },
    });
  }

  const dir = await mkdtemp(join(tmpdir(), 'agentvisor-nats-'));
  try {
    const certs = opts.tls === false ? undefined : await generateTestCertificates(join(dir, 'tls'));
    const confPath = join(dir, 'nats-server.conf');
    await writeFile(
      confPath,
      renderNatsServerConfig(dir, { port: -1, clusterPort: -1 }, opts, certs),
    );
    const launch = async (): Promise<{ server: ServerProcess; ports: NatsServerPorts }> => {
      const server = spawnNatsServer(bin, ['-c', confPath, '--ports_file_dir', dir, ...opts.args]);
      try {
        return { server, ports: await waitForPorts(server, dir, opts.cluster !== undefined) };
      } catch (e) {
        await server.kill();
        throw e;
      }
    };
    const { server, ports } = await launch();
    // A restart keeps the ports the first process chose: clients (and routes) reconnect to the
    // same URLs.
    const relaunch = async (): Promise<ServerProcess> => {
      await writeFile(confPath, renderNatsServerConfig(dir, ports, opts, certs));
      return (await launch()).server;
    };
    return createNatsServerHandle(server, dir, ports, relaunch, certs);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
