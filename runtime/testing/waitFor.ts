import type { Clock } from '../clock/index.js';
import { systemClock } from '../clock/index.js';

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** How long to wait before failing; default 15 000 ms. */
  readonly timeoutMs?: number;
  /** Pause between two polls; default 20 ms. */
  readonly intervalMs?: number;
  /** The clock that measures the deadline and the pauses; default the system clock. */
  readonly clock?: Clock;
}

/** Thrown by {@link waitFor} when the deadline passes: names what was awaited. */
export class WaitForTimeoutError extends Error {
  override readonly name = 'WaitForTimeoutError';
  constructor(
    /** What the test was waiting for, as given to {@link waitFor}. */
    readonly what: string,
    /** The deadline that passed, in ms. */
    readonly timeoutMs: number,
    cause: unknown,
  ) {
    super(`timed out after ${String(timeoutMs)} ms waiting for ${what}`, { cause });
  }
}

/**
 * Waits until `check` returns a value other than `undefined`/`false`, and returns that value.
 * `check` is polled every `intervalMs`; a throw counts as "not yet" (the last error becomes the
 * timeout's `cause`). After `timeoutMs` it fails with a {@link WaitForTimeoutError} naming
 * `what`. `check` may also be a promise (an awaited event): it is raced against the deadline.
 *
 * @example
 * const node = await waitFor('a leader', () => nodes.find((n) => n.isLeader()));
 * await waitFor('the reply', replyPromise, { timeoutMs: 2_000 });
 */
export async function waitFor<T>(
  what: string,
  check: (() => T | undefined | false | PromiseLike<T | undefined | false>) | PromiseLike<T>,
  options: WaitForOptions = {},
): Promise<T> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 20;
  if (typeof check !== 'function') return raceDeadline(what, check, clock, timeoutMs);
  const deadline = clock.monotonic() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (clock.monotonic() >= deadline) throw new WaitForTimeoutError(what, timeoutMs, lastError);
    await new Promise<void>((resolve) => clock.setTimeout(resolve, intervalMs));
  }
}

function raceDeadline<T>(
  what: string,
  event: PromiseLike<T>,
  clock: Clock,
  timeoutMs: number,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      reject(new WaitForTimeoutError(what, timeoutMs, undefined));
    }, timeoutMs);
    event.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clock.clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
