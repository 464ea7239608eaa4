// Restart intensity as OTP's `supervisor:add_restart/1`, kept a pure function of monotonic
// timestamps (STYLE §7) so it can be property-tested and replayed from a checkpoint.

/** The OTP supervisor flags that bound restarts: `intensity` (MaxR) and `periodMs` (MaxT). */
export interface RestartLimits {
  /** Restarts allowed within `periodMs`; one more gives up. 0 gives up on the first restart. */
  readonly intensity: number;
  /** Length of the sliding window in monotonic ms (> 0). */
  readonly periodMs: number;
}

/** The outcome of {@link recordRestart}. */
export interface RestartRecord {
  /** Restart timestamps still inside the window, newest first, including the one just recorded. */
  readonly history: number[];
  /** True when `history.length > intensity`: the supervisor must give up (ERR_RESTART_INTENSITY). */
  readonly exceeded: boolean;
}

/**
 * Records a restart at `now` and says whether the restart intensity is exceeded. OTP: "if more
 * than MaxR restarts occur within MaxT seconds, the supervisor terminates all the child processes
 * and then itself".
 *
 * Window boundary (inclusive, as OTP): an earlier restart at `t` still counts when
 * `now - t <= periodMs`, i.e. `t >= now - periodMs`; it is dropped once `now - t > periodMs`.
 * OTP's `inPeriod(Then, Now, Period) -> Now =< Then + Period` is the same test. So with
 * `{ intensity: 1, periodMs: 5000 }`, restarts at 0 and 5000 give up, at 0 and 5001 do not.
 *
 * @param history - Timestamps returned by the previous call (any order; newest first by convention).
 * @param now - Monotonic ms (`clock.monotonic()`), never wall time: a wall-clock jump would
 *   otherwise forget or invent restarts.
 * @param limits - The supervisor's `intensity` and `periodMs`.
 * @returns The pruned history with `now` prepended, and whether it exceeds `intensity`.
 */
export function recordRestart(
  history: readonly number[],
  now: number,
  limits: RestartLimits,
): RestartRecord {
  const cutoff = now - limits.periodMs;
  // OTP keeps the list newest first and stops at the first old entry (takewhile); `filter` gives
  // the same result for a sorted history and stays correct if a caller hands one out of order.
  const recent = [now, ...history.filter((t) => t >= cutoff)];
  // OTP: `length(R1) =< I` continues, anything more terminates. The new restart counts itself.
  return { history: recent, exceeded: recent.length > limits.intensity };
}
