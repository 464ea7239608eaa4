import { spawn, type ChildProcess } from 'node:child_process';
import { systemClock } from '../../clock/index.js';

/** How long `kill()` waits after SIGTERM before sending SIGKILL. */
const STOP_GRACE_MS = 5_000;
/** How much of the server's output is kept for error details. */
const OUTPUT_TAIL_CHARS = 8_192;
const OUTPUT_TAIL_LINES = 30;

/** @internal How a server process ended. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** @internal A spawned server process with its exit and the tail of its output tracked. */
export interface ServerProcess {
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

/** @internal Spawns `bin` with `args`, draining its output and tracking its exit. */
export function spawnNatsServer(bin: string, args: string[]): ServerProcess {
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
