import { watch, type FSWatcher } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../../clock/index.js';
import { ErrorCode, RuntimeError } from '../../errors/index.js';
import type { NatsServerPorts } from './renderNatsServerConfig.js';
import type { ServerProcess } from './spawnNatsServer.js';

/** How long the server has to report its port before start fails. */
const START_DEADLINE_MS = 10_000;

/**
 * @internal Waits for the ports file nats-server writes into `dir` (`<binary name>_<pid>.ports`, JSON with
 * `nats: ["nats://127.0.0.1:PORT"]`). fs.watch reports every create and write in the directory and
 * each event triggers a fresh read, so a read that catches the file half-written is followed by
 * another one; the directory is also read once after the watch starts, for a file that appeared
 * before it.
 */
export function waitForPorts(
  server: ServerProcess,
  dir: string,
  cluster: boolean,
): Promise<NatsServerPorts> {
  return new Promise<NatsServerPorts>((resolve, reject) => {
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

    const finish = (outcome: { ports: NatsServerPorts } | { error: RuntimeError }): void => {
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
function parsePortsFile(text: string, cluster: boolean): NatsServerPorts | undefined {
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
