import { performance } from 'node:perf_hooks';
import type { Clock, TimerHandle } from './Clock.js';

/**
 * The real clock: `Date.now`, `performance.now` and the platform timers.
 *
 * Timers it creates are `unref`'d only when asked through {@link createSystemClock}; by default a
 * pending timer keeps the process alive, as in Node.
 */
export const systemClock: Clock = createSystemClock();

/** Options of {@link createSystemClock}. */
export interface SystemClockOptions {
  /** Do not let pending timers keep the process alive. @default false */
  unref?: boolean;
}

/** Creates a real clock; see {@link systemClock} for the shared default. */
export function createSystemClock(options: SystemClockOptions = {}): Clock {
  const unref = options.unref ?? false;
  return {
    now: () => Date.now(),
    monotonic: () => performance.now(),
    setTimeout: (fn: () => void, ms: number): TimerHandle => {
      const t = setTimeout(fn, ms);
      if (unref) t.unref();
      return t;
    },
    clearTimeout: (handle: TimerHandle) => {
      clearTimeout(handle as NodeJS.Timeout);
    },
  };
}

/** Resolves on the next macrotask: lets pending I/O and timers run. For scripts and benchmarks. */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `fn` on a later macrotask, after pending I/O: how long-running work (a mailbox with a deep
 * backlog) yields to the event loop. Not a timer: it does not follow an injected Clock.
 */
export function scheduleMacrotask(fn: () => void): void {
  setImmediate(fn);
}
