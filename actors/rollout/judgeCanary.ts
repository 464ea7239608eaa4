import { mannWhitneyU } from './internal/mannWhitneyU.js';
import { normalTail } from './internal/normalTail.js';
import { twoProportionTest } from './internal/twoProportionTest.js';
import type { RolloutAnalysis, RolloutMetric } from './RolloutSpec.js';

/**
 * What one agent run contributed to the analysis, by metric name: `error: 1`, `success: 0`,
 * `latencyMs: 840`… Rates are 0 or 1. A missing or NaN value is removed (Kayenta's
 * `nanStrategy: remove`).
 */
export interface RunOutcome {
  readonly metrics: Readonly<Record<string, number>>;
}

/**
 * Kayenta's classification of one metric: `pass`, `high` / `low` (a significant change in that
 * direction that fails it), `nodata` (fewer than `minSamples` values on a side).
 */
export type MetricClass = 'pass' | 'high' | 'low' | 'nodata';

/** The judge's finding on one metric. */
export interface MetricJudgement {
  readonly name: string;
  readonly classification: MetricClass;
  /** Failed (high or low in its failing direction). */
  readonly failed: boolean;
  readonly critical: boolean;
  /** One-sided p-value in the failing direction (two-sided for `either`); 1 with no data. */
  readonly pValue: number;
  readonly stableMean: number;
  readonly candidateMean: number;
  readonly stableCount: number;
  readonly candidateCount: number;
}

/**
 * An interval's verdict: `pass` (score ≥ passScore), `marginal` (≥ marginalScore: inconclusive,
 * a person decides), `fail` (below, or a critical metric failed: score 0), `nodata` (half the
 * metrics or more lack data: wait for more runs).
 */
export interface CanaryJudgement {
  readonly verdict: 'pass' | 'marginal' | 'fail' | 'nodata';
  /** Percent of judged metrics that passed (0 when a critical metric failed). */
  readonly score: number;
  readonly metrics: readonly MetricJudgement[];
  /** Names of the critical metrics that failed. */
  readonly criticalFailures: readonly string[];
}

/**
 * Compares the candidate's runs with the stable version's, Kayenta's semantics over per-run
 * outcomes: each metric is tested in its failing direction (Mann–Whitney U for distributions,
 * a two-proportion z-test for rates) at `alpha`, and fails only when the change is significant
 * and its mean ratio exceeds `allowedRatio`; a critical metric's failure fails the interval
 * alone; score = percent of judged metrics that passed. Pure: same input, same verdict.
 *
 * @example
 * const verdict = judgeCanary(config.analysis, stableRuns, candidateRuns);
 * if (verdict.verdict === 'fail') rollback(verdict.metrics.filter((m) => m.failed));
 */
export function judgeCanary(
  analysis: RolloutAnalysis,
  stable: readonly RunOutcome[],
  candidate: readonly RunOutcome[],
): CanaryJudgement {
  const metrics = analysis.metrics.map((metric) =>
    judgeMetric(metric, analysis, valuesOf(stable, metric.name), valuesOf(candidate, metric.name)),
  );
  const criticalFailures = metrics.filter((m) => m.failed && m.critical).map((m) => m.name);
  const judged = metrics.filter((m) => m.classification !== 'nodata');
  const passed = judged.filter((m) => !m.failed).length;
  const score =
    criticalFailures.length > 0 ? 0 : judged.length === 0 ? 0 : (100 * passed) / judged.length;
  let verdict: CanaryJudgement['verdict'];
  if (criticalFailures.length > 0) verdict = 'fail';
  else if (2 * (metrics.length - judged.length) >= metrics.length) verdict = 'nodata';
  else if (score >= analysis.passScore) verdict = 'pass';
  else if (score >= analysis.marginalScore) verdict = 'marginal';
  else verdict = 'fail';
  return { verdict, score, metrics, criticalFailures };
}

function valuesOf(runs: readonly RunOutcome[], name: string): number[] {
  const out: number[] = [];
  for (const run of runs) {
    const value = run.metrics[name];
    if (typeof value === 'number' && !Number.isNaN(value)) out.push(value);
  }
  return out;
}

function judgeMetric(
  metric: RolloutMetric,
  analysis: RolloutAnalysis,
  stable: readonly number[],
  candidate: readonly number[],
): MetricJudgement {
  const stableMean = mean(stable);
  const candidateMean = mean(candidate);
  const base = {
    name: metric.name,
    critical: metric.critical,
    stableMean,
    candidateMean,
    stableCount: stable.length,
    candidateCount: candidate.length,
  };
  if (stable.length < analysis.minSamples || candidate.length < analysis.minSamples) {
    return { ...base, classification: 'nodata', failed: false, pValue: 1 };
  }
  const { z } =
    metric.kind === 'rate'
      ? twoProportionTest(
          { events: stable.filter((v) => v !== 0).length, trials: stable.length },
          { events: candidate.filter((v) => v !== 0).length, trials: candidate.length },
        )
      : mannWhitneyU(stable, candidate);
  const up = normalTail(z);
  const down = normalTail(-z);
  const pValue =
    metric.direction === 'increase'
      ? up
      : metric.direction === 'decrease'
        ? down
        : Math.min(1, 2 * Math.min(up, down));
  const ratio = ratioOf(candidateMean, stableMean);
  const large = ratio > metric.allowedRatio || ratio < 1 / metric.allowedRatio;
  const high = z > 0 && metric.direction !== 'decrease';
  const low = z < 0 && metric.direction !== 'increase';
  const failed = pValue < analysis.alpha && (high || low) && (metric.allowedRatio === 1 || large);
  const classification: MetricClass = failed ? (z > 0 ? 'high' : 'low') : 'pass';
  return { ...base, classification, failed, pValue };
}

function mean(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

function ratioOf(candidate: number, stable: number): number {
  if (stable === 0) return candidate === 0 ? 1 : Number.POSITIVE_INFINITY;
  return candidate / stable;
}
