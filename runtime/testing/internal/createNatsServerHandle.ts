import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { ErrorCode, RuntimeError } from '../../errors/index.js';
import type { TestCertificates } from '../generateTestCertificates.js';
import type { NatsServerHandle } from '../startNatsServer.js';
import type { NatsServerPorts } from './renderNatsServerConfig.js';
import type { ServerProcess } from './spawnNatsServer.js';

/**
 * @internal The handle of a started server: `stop` (idempotent, removes `dir`), `restart` (a new
 * process by `relaunch`, same ports), and a kill of every server not stopped when the process
 * exits.
 */
export function createNatsServerHandle(
  first: ServerProcess,
  dir: string,
  ports: NatsServerPorts,
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
