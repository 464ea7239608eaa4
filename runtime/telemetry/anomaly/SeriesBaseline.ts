import type { DetectorConfig } from './DetectorOptionsSchema.js';
import { robustStats } from './robustStats.js';

/** The band a baseline expects a value in, at one time. */
export interface Band {
  /** The expected value (median of the window, plus the seasonal and EWMA offsets). */
  readonly expected: number;
  readonly lower: number;
  readonly upper: number;
  /** The robust standard deviation of the window (1.4826 · MAD), in the signal's units. */
  readonly sigma: number;
}

/** A value's place against a {@link Band}: `learning` when no band can be drawn yet. */
export type Assessment =
  | { readonly status: 'learning' }
  | (Band & { readonly status: 'ready'; readonly anomalous: boolean; readonly score: number });

interface Point {
  readonly at: number;
  readonly value: number;
}

/** Cap on the seasonal history of one series, whatever its period (bounds memory). */
const MAX_SEASON_POINTS = 50_000;

/**
 * @internal The rolling baseline of one series: a window bounded by count and age of residuals
 * (the value itself, or its difference from one season ago, minus the EWMA level when on), over
 * which median ± k·MAD draws the band. A value is assessed before it joins the window, so a spike
 * does not widen its own band.
 */
export class SeriesBaseline {
  readonly #config: DetectorConfig;
  readonly #window: Point[] = [];
  readonly #season: Point[] = [];
  #level: number | undefined;
  #newestAt = Number.NEGATIVE_INFINITY;

  constructor(config: DetectorConfig) {
    this.#config = config;
  }

  /** Residuals in the window. */
  get count(): number {
    return this.#window.length;
  }

  /** The band at time `at`; `undefined` while learning. */
  band(at: number): Band | undefined {
    const offset = this.#offset(at);
    if (offset === undefined || this.#window.length < this.#config.minSamples) return undefined;
    const stats = robustStats(this.#window.map((p) => p.value));
    const half = Math.max(this.#config.k * stats.sigma, this.#config.floor);
    const expected = offset + stats.median;
    return { expected, lower: expected - half, upper: expected + half, sigma: stats.sigma };
  }

  /** Where `value` at `at` falls against the band (the value does not join the window). */
  assess(value: number, at: number): Assessment {
    const band = this.band(at);
    if (band === undefined) return { status: 'learning' };
    const { direction } = this.#config;
    const above = value > band.upper && direction !== 'down';
    const below = value < band.lower && direction !== 'up';
    const deviation = value - band.expected;
    const score =
      band.sigma > 0
        ? deviation / band.sigma
        : deviation === 0
          ? 0
          : Math.sign(deviation) * Infinity;
    return { status: 'ready', ...band, anomalous: above || below, score };
  }

  /** Adds `value` at `at` to the window (and the seasonal history and EWMA level). */
  add(value: number, at: number): void {
    const seasonal = this.#config.seasonal;
    const reference = seasonal === undefined ? 0 : this.#seasonReference(at);
    this.#newestAt = Math.max(this.#newestAt, at);
    if (seasonal !== undefined) {
      this.#season.push({ at, value });
      const oldest = this.#newestAt - seasonal.periodMs - seasonal.toleranceMs;
      while (
        this.#season.length > MAX_SEASON_POINTS ||
        (this.#season[0] !== undefined && this.#season[0].at < oldest)
      )
        this.#season.shift();
    }
    if (reference === undefined) return;
    const y = value - reference;
    const ewma = this.#config.ewma;
    if (ewma !== undefined) {
      const level = this.#level;
      this.#level = level === undefined ? y : level + ewma.alpha * (y - level);
      if (level === undefined) return;
      this.#push(at, y - level);
    } else {
      this.#push(at, y);
    }
  }

  #push(at: number, residual: number): void {
    this.#window.push({ at, value: residual });
    const { maxSamples, maxAgeMs } = this.#config;
    const oldest = maxAgeMs === 0 ? Number.NEGATIVE_INFINITY : this.#newestAt - maxAgeMs;
    while (
      this.#window.length > maxSamples ||
      (this.#window[0] !== undefined && this.#window[0].at < oldest)
    )
      this.#window.shift();
  }

  /** The part of the expected value that is not the window's median; `undefined`: none yet. */
  #offset(at: number): number | undefined {
    const reference = this.#config.seasonal === undefined ? 0 : this.#seasonReference(at);
    if (reference === undefined) return undefined;
    if (this.#config.ewma === undefined) return reference;
    return this.#level === undefined ? undefined : reference + this.#level;
  }

  /** The value nearest the same phase one season before `at`, within the tolerance. */
  #seasonReference(at: number): number | undefined {
    const seasonal = this.#config.seasonal;
    if (seasonal === undefined) return 0;
    const target = at - seasonal.periodMs;
    let best: Point | undefined;
    for (const p of this.#season) {
      const distance = Math.abs(p.at - target);
      if (
        distance <= seasonal.toleranceMs &&
        (best === undefined || distance < Math.abs(best.at - target))
      )
        best = p;
    }
    return best?.value;
  }
}
