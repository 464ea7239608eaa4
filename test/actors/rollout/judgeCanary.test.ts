import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RolloutAnalysisSchema,
  judgeCanary,
  type RunOutcome,
} from '../../../actors/rollout/index.js';
import { mannWhitneyU } from '../../../actors/rollout/internal/mannWhitneyU.js';
import { normalTail } from '../../../actors/rollout/internal/normalTail.js';
import { twoProportionTest } from '../../../actors/rollout/internal/twoProportionTest.js';

const analysis = RolloutAnalysisSchema.parse({});
const runs = (values: Record<string, number>[]): RunOutcome[] =>
  values.map((metrics) => ({ metrics }));
const sample = (n: number, f: (i: number) => Record<string, number>): RunOutcome[] =>
  runs(Array.from({ length: n }, (_, i) => f(i)));

describe('statistics', () => {
  it('Mann–Whitney U matches the textbook normal approximation (continuity and tie corrected)', () => {
    const { u, z } = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(u).toBe(25);
    expect(z).toBeCloseTo(2.5067, 3);
    expect(2 * normalTail(z)).toBeCloseTo(0.01219, 4); // scipy.stats.mannwhitneyu, method='asymptotic'
    // Ties: [1,1,2] vs [1,2,2]; tie groups of 3 (value 1) and 3 (value 2).
    const tied = mannWhitneyU([1, 1, 2], [1, 2, 2]);
    expect(tied.u).toBe(6);
    expect(tied.z).toBeCloseTo((6 - 4.5 - 0.5) / Math.sqrt((9 / 12) * (7 - 48 / 30)), 9);
    expect(mannWhitneyU([3, 3, 3], [3, 3]).z).toBe(0);
  });

  it('two-proportion z-test matches the pooled formula', () => {
    expect(
      twoProportionTest({ events: 10, trials: 100 }, { events: 20, trials: 100 }).z,
    ).toBeCloseTo(1.98, 2);
    expect(twoProportionTest({ events: 0, trials: 50 }, { events: 0, trials: 50 }).z).toBe(0);
    expect(normalTail(0)).toBeCloseTo(0.5, 7);
    expect(normalTail(1.959964)).toBeCloseTo(0.025, 6);
    expect(normalTail(-1.959964)).toBeCloseTo(0.975, 6);
  });

  it('both tests are antisymmetric: swapping the samples negates z', () => {
    const values = fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 40 });
    fc.assert(
      fc.property(values, values, (a, b) => {
        expect(mannWhitneyU(a, b).z).toBeCloseTo(-mannWhitneyU(b, a).z, 9);
        const ra = { events: a.filter((v) => v > 10).length, trials: a.length };
        const rb = { events: b.filter((v) => v > 10).length, trials: b.length };
        expect(twoProportionTest(ra, rb).z).toBeCloseTo(-twoProportionTest(rb, ra).z, 9);
      }),
    );
  });

  it('shifting the candidate up never lowers the Mann–Whitney z', () => {
    const values = fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 2, maxLength: 30 });
    fc.assert(
      fc.property(values, values, fc.integer({ min: 1, max: 50 }), (a, b, shift) => {
        expect(
          mannWhitneyU(
            a,
            b.map((v) => v + shift),
          ).z,
        ).toBeGreaterThanOrEqual(mannWhitneyU(a, b).z - 1e-9);
      }),
    );
  });
});

describe('judgeCanary', () => {
  const healthy = (i: number): Record<string, number> => ({
    error: i % 100 === 0 ? 1 : 0,
    escalation: 0,
    success: i % 100 === 0 ? 0 : 1,
    latencyMs: 100 + (i % 50),
    costUsd: 0.01,
  });

  it('passes identical samples with score 100 (mismatch has no data outside shadow)', () => {
    const j = judgeCanary(analysis, sample(200, healthy), sample(200, healthy));
    expect(j.verdict).toBe('pass');
    expect(j.score).toBe(100);
    expect(j.metrics.find((m) => m.name === 'mismatch')?.classification).toBe('nodata');
  });

  it('fails a candidate whose error and success rates are significantly worse (score below 75)', () => {
    const worse = (i: number) => ({
      ...healthy(i),
      error: i % 5 === 0 ? 1 : 0,
      success: i % 5 === 0 ? 0 : 1,
    });
    const j = judgeCanary(analysis, sample(300, healthy), sample(300, worse));
    expect(j.verdict).toBe('fail');
    expect(j.score).toBe(60);
    expect(j.metrics.filter((m) => m.failed).map((m) => [m.name, m.classification])).toEqual([
      ['error', 'high'],
      ['success', 'low'],
    ]);
  });

  it('is marginal when one metric of five fails, and fails alone when that metric is critical', () => {
    const slow = (i: number) => ({ ...healthy(i), latencyMs: 300 + (i % 50) });
    expect(judgeCanary(analysis, sample(100, healthy), sample(100, slow))).toMatchObject({
      verdict: 'marginal',
      score: 80,
    });
    const critical = RolloutAnalysisSchema.parse({
      metrics: [
        { name: 'error', kind: 'rate' },
        { name: 'latencyMs', kind: 'distribution', critical: true },
      ],
    });
    expect(judgeCanary(critical, sample(100, healthy), sample(100, slow))).toMatchObject({
      verdict: 'fail',
      score: 0,
      criticalFailures: ['latencyMs'],
    });
  });

  it('ignores a significant change in the direction that does not fail, and one below allowedRatio', () => {
    const better = (i: number) => ({ ...healthy(i), latencyMs: 50 + (i % 10), costUsd: 0.0105 });
    const j = judgeCanary(analysis, sample(100, healthy), sample(100, better));
    expect(j.verdict).toBe('pass');
  });

  it('says nodata while half the metrics or more lack minSamples runs', () => {
    expect(judgeCanary(analysis, sample(100, healthy), sample(5, healthy)).verdict).toBe('nodata');
  });
});
