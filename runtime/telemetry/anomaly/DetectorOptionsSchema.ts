import { z } from 'zod';

/** Which side of the baseline is anomalous. */
export const DirectionSchema = z.enum(['up', 'down', 'both']);
/** `up`: only values above the band; `down`: only below; `both`: either side. */
export type Direction = z.output<typeof DirectionSchema>;

/**
 * The options of one anomaly detector (every series it sees gets its own baseline with these
 * settings). The defaults live here and only here.
 *
 * The band is `expected ± max(k · 1.4826 · MAD, floor)` over the window: median ± k·MAD with the
 * consistency constant, so `k` reads as standard deviations for normal data (k = 3 ≈ 3σ).
 */
export const DetectorOptionsSchema = z
  .object({
    /** Width of the band in robust standard deviations (1.4826 · MAD). @default 3 */
    k: z.number().positive().default(3),
    /** Samples a series needs before it leaves `learning` (no anomaly before). @default 30 */
    minSamples: z.number().int().min(1).default(30),
    /** Most samples kept in a series' window (the oldest leaves first). @default 1_000 */
    maxSamples: z.number().int().min(1).default(1_000),
    /**
     * Oldest sample kept, in ms before the newest sample; 0 keeps samples by count alone.
     * @default 86_400_000 (one day)
     */
    maxAgeMs: z.number().int().min(0).default(86_400_000),
    /**
     * Absolute floor: the least distance from the expected value that can be anomalous, in the
     * signal's own units (low traffic: an error rate of 0 → 0.004 is far off a zero MAD but not
     * worth an alert). @default 0
     */
    floor: z.number().min(0).default(0),
    /** Which side is anomalous. @default 'both' */
    direction: DirectionSchema.default('both'),
    /**
     * Hysteresis: a series is `pending` until it has been anomalous for this long (every sample
     * in between anomalous), then `firing`; 0 fires on the first anomalous sample (Prometheus
     * `for`). @default 0
     */
    forMs: z.number().int().min(0).default(0),
    /**
     * A firing series stays firing this long after its last anomalous sample (Prometheus
     * `keep_firing_for`, against flapping). @default 0
     */
    keepFiringForMs: z.number().int().min(0).default(0),
    /**
     * EWMA trend: when set, the baseline follows an exponentially weighted level (smoothing
     * `alpha` in (0, 1]) and the band is median ± k·MAD of the residuals around it, so a slow
     * drift is followed instead of flagged. Off by default.
     */
    ewma: z
      .object({ alpha: z.number().gt(0).max(1) })
      .strict()
      .optional(),
    /**
     * Seasonal offset: each value is compared with the value at the same phase one season ago
     * (`periodMs`, e.g. a day or a week; the nearest sample within `toleranceMs`), and the band is
     * over those differences. A series stays `learning` until it has a season of history. Off by
     * default.
     */
    seasonal: z
      .object({
        periodMs: z.number().int().positive(),
        /** How far from the exact phase a sample may be. @default 60_000 */
        toleranceMs: z.number().int().min(0).default(60_000),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((o) => o.minSamples <= o.maxSamples, {
    path: ['minSamples'],
    error: 'must be <= maxSamples',
  });

/** What callers pass (defaults optional). */
export type DetectorOptions = z.input<typeof DetectorOptionsSchema>;
/** The resolved options a detector runs on. */
export type DetectorConfig = z.output<typeof DetectorOptionsSchema>;
