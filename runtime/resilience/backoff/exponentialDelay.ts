/** The exponential part every jitter mode of the backoff family starts from. */
export interface ExponentialConfig {
  /** Scale of the first delay, in ms. */
  readonly initialDelayMs: number;
  /** Cap on every delay, in ms. */
  readonly maxDelayMs: number;
  /** Growth per retry (>= 1). */
  readonly factor: number;
}

/**
 * `min(maxDelayMs, initialDelayMs · factor^attempt)`, finite for any `attempt`.
 *
 * @param attempt - 0 for the first retry; non-integers are floored, negatives and NaN count as 0,
 *   Infinity is the cap.
 * @returns 0 when `initialDelayMs <= 0` (0 · factor^n is 0, even once factor^n overflows); else a
 *   value in `[min(initialDelayMs, maxDelayMs), maxDelayMs]`.
 */
export function exponentialDelay(attempt: number, config: ExponentialConfig): number {
  const { initialDelayMs, maxDelayMs, factor } = config;
  // 0 · factor^n is 0, but 0 · Infinity would be NaN: answer the "retry at once" case directly.
  if (initialDelayMs <= 0) return 0;
  const n = attempt > 0 ? Math.min(Math.floor(attempt), stepsToCap(config)) : 0;
  return Math.min(maxDelayMs, initialDelayMs * factor ** n);
}

/**
 * The exponent past which `initialDelayMs · factor^n` is at or over `maxDelayMs`. Capping the
 * attempt here keeps `factor ** attempt` finite (no Infinity to multiply) without changing any
 * result: beyond this step the cap applies anyway. One extra step absorbs rounding in the
 * logarithms.
 */
function stepsToCap({ initialDelayMs, maxDelayMs, factor }: ExponentialConfig): number {
  if (factor <= 1) return 0;
  const steps = Math.ceil(Math.log(maxDelayMs / initialDelayMs) / Math.log(factor)) + 1;
  // maxDelayMs < initialDelayMs gives a negative count (the cap applies from attempt 0);
  // Infinity stays.
  return Number.isNaN(steps) ? 0 : Math.max(0, steps);
}
