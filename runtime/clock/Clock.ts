/** An opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/**
 * The source of time for everything in agentvisor: wall time for timestamps, monotonic time for
 * elapsed time, windows and deadlines, and timers.
 *
 * It is structurally compatible with XState's clock (`{ setTimeout, clearTimeout }`), so the same
 * object is handed to `createActor(logic, { clock })` and delayed transitions follow it too.
 */
export interface Clock {
  /** Wall time in ms since the epoch. Use it only for timestamps (checkpoints, logs). */
  now(): number;
  /** Monotonic ms with an arbitrary origin. Use it for elapsed time, windows and deadlines. */
  monotonic(): number;
  /**
   * Calls `fn` once after `ms` milliseconds. Any finite `ms` is honoured, including delays past
   * the platform's 2^31 - 1 ms (which {@link systemClock} chains rather than firing at once).
   */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; unknown or already-fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}
