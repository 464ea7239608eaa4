import { exponentialDelay, type ExponentialConfig } from './exponentialDelay.js';

/**
 * How delays are spread (the one backoff family: retries, cluster calls and claims, supervisor
 * restarts):
 * - `none`: `min(maxDelayMs, initialDelayMs · factor^(n-1))` for retry n;
 * - `full`: a uniform draw in `[0, none's delay]` (AWS "full jitter");
 * - `decorrelated`: Polly's `DecorrelatedJitterBackoffV2`, cockatiel's default generator:
 *   exponential on average, with neighbouring delays decorrelated so clients that failed together
 *   do not retry together;
 * - `proportional`: `min(maxDelayMs, none's delay · (1 + jitterRatio · draw))`, a random extra
 *   fraction of each delay (Pekko's `randomFactor`; a supervisor policy's `backoff.jitter`).
 */
export type Jitter = 'none' | 'full' | 'decorrelated' | 'proportional';

/** The resolved settings of {@link backoffDelays}. */
export interface BackoffConfig extends ExponentialConfig {
  readonly jitter: Jitter;
  /**
   * `proportional` only: the largest random extra fraction of a delay, 0 to 1. Ignored by the
   * other modes. @default 0
   */
  readonly jitterRatio?: number;
}

/** A {@link BackoffConfig} whose delays depend on the attempt alone (see {@link backoffDelayAt}). */
export type StatelessBackoffConfig = BackoffConfig & {
  readonly jitter: Exclude<Jitter, 'decorrelated'>;
};

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
  const { jitter } = config;
  if (jitter !== 'decorrelated') {
    const stateless = { ...config, jitter };
    for (let attempt = 0; ; attempt++) yield backoffDelayAt(attempt, stateless, random);
  }
  const { initialDelayMs, maxDelayMs, factor } = config;
  let previous = 0; // the formula's value at the previous retry
  for (let attempt = 0; ; attempt++) {
    const t = attempt + unit(random);
    const next = factor ** t * Math.tanh(Math.sqrt(P_FACTOR * t));
    const intrinsic = Number.isFinite(next) ? Math.max(0, next - previous) : Infinity;
    previous = next;
    yield capped(intrinsic * RP_SCALING_FACTOR * initialDelayMs, maxDelayMs);
  }
}

/**
 * The delay before retry `attempt + 1` (attempt 0 is the first retry) in a mode whose delay
 * depends on the attempt alone: `none`, `full` or `proportional`. Stateless, so a caller that
 * persists only an attempt count (a supervisor's backoff snapshot) gets the same delays back.
 * `decorrelated` depends on the previous delay: only {@link backoffDelays} draws it.
 *
 * @param attempt - Non-integers are floored, negatives and NaN count as 0.
 * @param random - A source of numbers in `[0, 1)`; values outside that range are clamped.
 */
export function backoffDelayAt(
  attempt: number,
  config: StatelessBackoffConfig,
  random: () => number,
): number {
  const base = exponentialDelay(attempt, config);
  switch (config.jitter) {
    case 'none':
      return base;
    case 'full':
      return base * unit(random);
    case 'proportional':
      return Math.min(config.maxDelayMs, base * (1 + (config.jitterRatio ?? 0) * unit(random)));
  }
}

/** A draw from `random`, clamped to `[0, 1]`. */
function unit(random: () => number): number {
  return Math.min(Math.max(random(), 0), 1);
}

/** `min(value, cap)`, with NaN (∞ − ∞, 0 · ∞) read as the cap: a delay is always a number. */
function capped(value: number, cap: number): number {
  return Number.isNaN(value) ? cap : Math.max(0, Math.min(value, cap));
}
