import { z } from 'zod';

const VersionSchema = z.union([z.number().int().nonnegative(), z.string().min(1).max(64)]);
const Weight = z.number().min(0).max(1);

/** One step of a rollout: shadow a sample of traffic, give the candidate a weight, or all of it. */
export const RolloutStepSchema = z.union([
  z.strictObject({ shadow: z.strictObject({ sample: Weight }) }),
  z.strictObject({ canary: Weight }),
  z.strictObject({ full: z.literal(true) }),
]);

/**
 * One metric the judge compares between stable (baseline) and candidate, Kayenta style:
 * `direction` is the change that fails it (`increase`: the candidate higher is bad).
 */
export const RolloutMetricSchema = z.strictObject({
  /** Key of the value in each run outcome's `metrics`. */
  name: z.string().min(1).max(128),
  /** `rate`: values are 0/1 (two-proportion z-test); `distribution`: any number (Mann–Whitney U). */
  kind: z.enum(['rate', 'distribution']),
  /** The change that fails the metric. @default 'increase' */
  direction: z.enum(['increase', 'decrease', 'either']).default('increase'),
  /** A failure of this metric fails the whole interval (score 0). @default false */
  critical: z.boolean().default(false),
  /**
   * Smallest ratio of candidate to stable mean that counts as a change (Kayenta `effectSize`
   * `allowedIncrease`/`allowedDecrease`): 1.1 ignores a significant change of under 10 %. @default 1
   */
  allowedRatio: z.number().min(1).default(1),
});

/** The judge's settings. */
export const RolloutAnalysisSchema = z.strictObject({
  /** What is compared. @default error, escalation, success, latencyMs, costUsd, mismatch */
  metrics: z
    .array(RolloutMetricSchema)
    .min(1)
    .default(() => DEFAULT_METRICS.map((m) => RolloutMetricSchema.parse(m))),
  /** Score (percent of metrics passed) at or above which an interval passes. @default 95 */
  passScore: z.number().min(0).max(100).default(95),
  /** Score at or above which a non-passing interval is inconclusive, not failed. @default 75 */
  marginalScore: z.number().min(0).max(100).default(75),
  /** One-sided significance level of each metric's test. @default 0.01 */
  alpha: z.number().gt(0).lt(1).default(0.01),
  /** Runs each side needs before a metric is judged; fewer is `nodata`. @default 20 */
  minSamples: z.number().int().min(1).default(20),
  /** Intervals with a passing score before a step advances. @default 1 */
  intervalsPerStep: z.number().int().min(1).default(1),
});

/** Default metrics: what matters for agents (issue 14), each named by its run-outcome key. */
export const DEFAULT_METRICS: readonly z.input<typeof RolloutMetricSchema>[] = [
  { name: 'error', kind: 'rate', direction: 'increase' },
  { name: 'escalation', kind: 'rate', direction: 'increase' },
  { name: 'success', kind: 'rate', direction: 'decrease' },
  { name: 'latencyMs', kind: 'distribution', direction: 'increase', allowedRatio: 1.1 },
  { name: 'costUsd', kind: 'distribution', direction: 'increase', allowedRatio: 1.1 },
  { name: 'mismatch', kind: 'rate', direction: 'increase' },
];

/** A rollout as data (policy, cluster config, API, CLI), validated by `parseRolloutSpec`. */
export const RolloutSpecSchema = z
  .strictObject({
    /** Rollout id. @default `<agent>@<stable>-><candidate>` */
    id: z.string().min(1).max(200).optional(),
    /** Logical agent name the versions are deployed under. */
    agent: z.string().min(1).max(256),
    /** The version serving traffic now. */
    stable: VersionSchema,
    /** The version being rolled out. */
    candidate: VersionSchema,
    /** The steps in order; the last one promotes when it is `full`. */
    steps: z.array(RolloutStepSchema).min(1).max(100),
    /** The judge's settings. @default see RolloutAnalysisSchema */
    analysis: RolloutAnalysisSchema.default(() => RolloutAnalysisSchema.parse({})),
    /** Length of one analysis interval. @default 60_000 (Flagger's `analysis.interval`) */
    intervalMs: z.number().int().positive().default(60_000),
    /** After promotion, a rollback within this window skips analysis. @default 0 */
    rollbackWindowMs: z.number().int().nonnegative().default(0),
    /** Shadow runs' model calls: replayed from the stable run (`recorded`) or real (`live`). @default 'recorded' */
    shadowModels: z.enum(['recorded', 'live']).default('recorded'),
    /** On rollback, in-flight candidate conversations `finish` on the candidate or are `park`ed. @default 'finish' */
    inFlightOnRollback: z.enum(['finish', 'park']).default('finish'),
    /** Stable also shadows itself to measure the noise floor of comparisons (Diffy). @default false */
    noiseFloor: z.boolean().default(false),
  })
  .refine((s) => s.stable !== s.candidate, {
    path: ['candidate'],
    error: 'must differ from stable',
  })
  .refine((s) => s.analysis.marginalScore <= s.analysis.passScore, {
    path: ['analysis', 'marginalScore'],
    error: 'must be <= passScore',
  });

/** A rollout as callers write it (defaults optional). */
export type RolloutSpec = z.input<typeof RolloutSpecSchema>;
/** A rollout with every default resolved and its id set. */
export type RolloutConfig = z.output<typeof RolloutSpecSchema> & { readonly id: string };
/** One step of a rollout. */
export type RolloutStep = z.output<typeof RolloutStepSchema>;
/** One judged metric, resolved. */
export type RolloutMetric = z.output<typeof RolloutMetricSchema>;
/** The judge's settings, resolved. */
export type RolloutAnalysis = z.output<typeof RolloutAnalysisSchema>;
/** A version of an agent (`defineAgent` `version`). */
export type AgentVersion = z.output<typeof VersionSchema>;

/** The candidate's weight and shadow sample during `step`. */
export function stepTraffic(step: RolloutStep): { weight: number; shadowSample: number } {
  if ('shadow' in step) return { weight: 0, shadowSample: step.shadow.sample };
  if ('canary' in step) return { weight: step.canary, shadowSample: 0 };
  return { weight: 1, shadowSample: 0 };
}
