import { fc, it as prop } from '@fast-check/vitest';
import { afterAll, describe, expect } from 'vitest';
import { createAnomalyDetector } from 'agentvisor/internal';
import { seeded, series } from './fixtures.js';

/**
 * Detection delay of an injected step change: on a random stationary series (uniform noise of
 * half-width `a` around a random mean, random sample interval), a step of 8–30 `a` is found no
 * later than `forMs` plus one sample interval after it starts, and nothing fires before it.
 * fast-check prints the seed and the shrunk counterexample on failure.
 */
describe('AnomalyDetector detection delay (property)', () => {
  // The figures the report quotes: how far past forMs the first firing came, over all runs.
  const slack = { max: 0, runs: 0 };
  afterAll(() => {
    console.info(`detection delay − forMs: max ${slack.max} ms over ${slack.runs} runs`);
  });
  const scenario = fc.record({
    mean: fc.double({ min: -1_000, max: 1_000, noNaN: true }),
    a: fc.double({ min: 0.1, max: 50, noNaN: true }),
    step: fc.double({ min: 8, max: 30, noNaN: true }),
    up: fc.boolean(),
    warmup: fc.integer({ min: 50, max: 150 }),
    intervalMs: fc.integer({ min: 1_000, max: 60_000 }),
    forSamples: fc.integer({ min: 0, max: 10 }),
    noiseSeed: fc.integer(),
    startAt: fc.integer({ min: 0, max: 2_000_000_000_000 }),
  });

  prop.prop([scenario], { numRuns: 200 })(
    'delay ≤ forMs + one interval, and no alert before the step',
    (s) => {
      const forMs = s.forSamples * s.intervalMs;
      const boundMs = forMs + s.intervalMs;
      const detector = createAnomalyDetector({
        minSamples: 50,
        maxSamples: 200,
        maxAgeMs: 0,
        forMs,
        direction: s.up ? 'up' : 'down',
      });
      const random = seeded(s.noiseSeed);
      const stepAt = s.startAt + s.warmup * s.intervalMs;
      let firedAt: number | undefined;
      for (let i = 0; i < s.warmup + s.forSamples + 5; i++) {
        const at = s.startAt + i * s.intervalMs;
        const shift = at >= stepAt ? (s.up ? 1 : -1) * s.step * s.a : 0;
        const value = s.mean + shift + s.a * (2 * random() - 1);
        const d = detector.observe({ series, value, at });
        if (d.transition === 'firing' && firedAt === undefined) firedAt = at;
      }
      expect(firedAt).toBeDefined();
      expect(firedAt ?? 0).toBeGreaterThanOrEqual(stepAt);
      expect((firedAt ?? 0) - stepAt).toBeLessThanOrEqual(boundMs);
      slack.max = Math.max(slack.max, (firedAt ?? 0) - stepAt - forMs);
      slack.runs++;
    },
    30_000,
  );
});
