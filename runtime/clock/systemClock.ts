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

/**
 * The longest delay a platform timer takes (2^31 - 1 ms, about 24.8 days). Node fires a longer
 * one after 1 ms (with a `TimeoutOverflowWarning`), browsers at once.
 */
export const MAX_PLATFORM_TIMER_MS = 2_147_483_647;

/**
 * The handle of a timer longer than {@link MAX_PLATFORM_TIMER_MS}: a chain of platform timers,
 * each at most that long, the last one calling `fn`. `current` is the hop armed now, so
 * `clearTimeout` cancels whichever hop is pending.
 */
class ChainedTimer {
  current: NodeJS.Timeout | undefined;
}

/**
 * Creates a real clock; see {@link systemClock} for the shared default.
 *
 * Any finite delay is honoured: one longer than {@link MAX_PLATFORM_TIMER_MS} is chained (arm
 * the longest platform timer, then the rest, until due) instead of firing at once, so a 30-day
 * timer effect, back-off or deadline waits 30 days. `clearTimeout` takes either kind of handle.
 * Shorter, negative and non-finite delays go to the platform timer as they are.
 */
export function createSystemClock(options: SystemClockOptions = {}): Clock {
  const unref = options.unref ?? false;
  const platform = (fn: () => void, ms: number): NodeJS.Timeout => {
    const t = setTimeout(fn, ms);
    if (unref) t.unref();
    return t;
  };
  const chain = (fn: () => void, ms: number): ChainedTimer => {
    const handle = new ChainedTimer();
    let rest = ms;
    const hop = () => {
      if (rest > MAX_PLATFORM_TIMER_MS) {
        rest -= MAX_PLATFORM_TIMER_MS;
        handle.current = platform(hop, MAX_PLATFORM_TIMER_MS);
      } else {
        handle.current = platform(fn, rest);
      }
    };
    hop();
    return handle;
  };
  return {
    now: () => Date.now(),
    monotonic: () => performance.now(),
    setTimeout: (fn: () => void, ms: number): TimerHandle =>
      Number.isFinite(ms) && ms > MAX_PLATFORM_TIMER_MS ? chain(fn, ms) : platform(fn, ms),
    clearTimeout: (handle: TimerHandle) => {
      clearTimeout(handle instanceof ChainedTimer ? handle.current : (handle as NodeJS.Timeout));
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
