/**
 * How retry delays are spread:
 * - `none`: `min(maxDelayMs, initialDelayMs · factor^(n-1))` for retry n;
 * - `full`: a uniform draw in `[0, none's delay]` (AWS "full jitter");
 * - `decorrelated`: Polly's `DecorrelatedJitterBackoffV2`, cockatiel's default generator:
 *   exponential on average, with neighbouring delays decorrelated so clients that failed together
 *   do not retry together.
 */
export type Jitter = 'none' | 'full' | 'decorrelated';

/** The resolved settings of {@link backoffDelays}. */
export interface BackoffConfig {
  /** Scale of the first delay, in ms. */
  readonly initialDelayMs: number;
  /** Cap on every delay, in ms. */
  readonly maxDelayMs: number;
  /** Growth per retry (>= 1). */
  readonly factor: number;
  readonly jitter: Jitter;
}

// Constants of Polly.Contrib.WaitAndRetry's DecorrelatedJitterBackoffV2 (also cockatiel's): the
// first smooths the first delay, the second puts median delays near whole multiples of
// `initialDelayMs`.
const P_FACTOR = 4;
const RP_SCALING_FACTOR = 1 / 1.4;

/**
 * The delays before retry 1, 2, 3, … (an endless generator; the retry policy takes what it
 * needs). Every delay lies in `[0, maxDelayMs]` and is finite, however many are drawn.
 *
 * @param random - A source of numbers in `[0, 1)`, injected so runs are reproducible; values
 *   outside that range are clamped.
 */
export function* backoffDelays(
  config: BackoffConfig,
  random: () => number,
): Generator<number, never, void> {
  const { initialDelayMs, maxDelayMs, factor, jitter } = config;
  const draw = (): number => Math.min(Math.max(random(), 0), 1);
  let previous = 0; // decorrelated: the formula's value at the previous retry
  for (let attempt = 0; ; attempt++) {
    switch (jitter) {
      case 'none':
        yield capped(initialDelayMs * factor ** attempt, maxDelayMs);
        break;
      case 'full':
        yield capped(initialDelayMs * factor ** attempt, maxDelayMs) * draw();
        break;
      case 'decorrelated': {
        const t = attempt + draw();
        const next = factor ** t * Math.tanh(Math.sqrt(P_FACTOR * t));
        const intrinsic = Number.isFinite(next) ? Math.max(0, next - previous) : Infinity;
        previous = next;
        yield capped(intrinsic * RP_SCALING_FACTOR * initialDelayMs, maxDelayMs);
        break;
      }
    }
  }
}

/** `min(value, cap)`, with NaN (∞ − ∞, 0 · ∞) read as the cap: a delay is always a number. */
function capped(value: number, cap: number): number {
  return Number.isNaN(value) ? cap : Math.max(0, Math.min(value, cap));
}
