/**
 * The consistency constant that turns a median absolute deviation into an estimate of the
 * standard deviation of normally distributed data (1 / Φ⁻¹(3/4) ≈ 1.4826), as R's `mad()` uses.
 */
export const MAD_CONSISTENCY = 1.4826;

/** Robust location and spread of a set of values. */
export interface RobustStats {
  readonly median: number;
  /** Median absolute deviation from the median (raw, without the consistency constant). */
  readonly mad: number;
  /** `MAD_CONSISTENCY · mad`: the spread in standard-deviation units for normal data. */
  readonly sigma: number;
}

/** Median, MAD and the MAD-based sigma of `values` (not modified). NaN for an empty set. */
export function robustStats(values: readonly number[]): RobustStats {
  const center = median(values);
  const mad = median(values.map((v) => Math.abs(v - center)));
  return { median: center, mad, sigma: MAD_CONSISTENCY * mad };
}

/** The median of `values` (not modified); NaN for an empty set. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const mid = sorted.length >> 1;
  const upper = sorted[mid] ?? Number.NaN;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? Number.NaN) + upper) / 2;
}
