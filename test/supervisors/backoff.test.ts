import { fc, it } from '@fast-check/vitest';
import { describe, expect, expectTypeOf } from 'vitest';
import type { z } from 'zod';
import { isRuntimeError } from 'agentvisor';
import {
  backoffDelay,
  BackoffTracker,
  type BackoffConfig,
  type BackoffTrackerConfig,
} from '../../supervisors/backoff.js';
import { BackoffSchema } from '../../supervisors/policy/schema.js';

// --- arbitraries ---

/** A value in [0, 1), as Math.random gives. */
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

/** Configs the policy schema accepts (maxMs >= minMs). */
const configs: fc.Arbitrary<BackoffConfig> = fc
  .record({
    minMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100_000 })),
    extraMs: fc.integer({ min: 0, max: 1_000_000 }),
    factor: fc.oneof(fc.constantFrom(1, 2), fc.double({ min: 1, max: 16, noNaN: true })),
    jitter: fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })),
  })
  .map(({ minMs, extraMs, factor, jitter }) => ({ minMs, maxMs: minMs + extraMs, factor, jitter }));

/** Also configs outside the schema: maxMs below minMs still caps every delay. */
const anyConfigs: fc.Arbitrary<BackoffConfig> = fc.oneof(
  configs,
  fc.record({
    minMs: fc.integer({ min: 0, max: 100_000 }),
    maxMs: fc.integer({ min: 0, max: 100_000 }),
    factor: fc.double({ min: 1, max: 16, noNaN: true }),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
  }),
);

const attempts = fc.oneof(
  fc.integer({ min: 0, max: 64 }),
  fc.integer({ min: 0, max: 2_000_000_000 }),
  fc.constantFrom(1_023, 1_024, 1_075, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Infinity),
);

const trackerConfigs: fc.Arbitrary<BackoffTrackerConfig> = fc
  .tuple(configs, fc.integer({ min: 0, max: 60_000 }))
  .map(([config, resetAfterMs]) => ({ ...config, resetAfterMs }));

/** A child's life: it starts, runs for a while, fails; `downMs` later it starts again. */
const lives = fc.array(
  fc.record({
    ranMs: fc.integer({ min: 0, max: 120_000 }),
    downMs: fc.integer({ min: 0, max: 60_000 }),
    random: unit,
    /** False: the restart itself failed, so no `started` before the next failure. */
    startsAgain: fc.boolean(),
  }),
  { maxLength: 30 },
);

/** The formula as written in the docs, for attempts small enough not to overflow. */
function reference(attempt: number, c: BackoffConfig, r: number): number {
  // 0 · factor^attempt is 0, though IEEE says 0 · Infinity is NaN once factor^attempt overflows.
  if (c.minMs === 0) return 0;
  const base = Math.min(c.maxMs, c.minMs * c.factor ** attempt);
  return Math.min(c.maxMs, base * (1 + c.jitter * r));
}

// --- backoffDelay ---

describe('backoffDelay', () => {
  it.prop([anyConfigs, attempts, unit])(
    'stays within [min(minMs, maxMs), maxMs] and is finite for any attempt',
    (config, attempt, r) => {
      const delay = backoffDelay(attempt, config, () => r);
      expect(Number.isFinite(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(Math.min(config.minMs, config.maxMs));
      expect(delay).toBeLessThanOrEqual(config.maxMs);
      expect(delay).toBeGreaterThanOrEqual(0);
    },
  );

  it.prop([anyConfigs, fc.integer({ min: 0, max: 300 }), unit])(
    'is min(maxMs, base · (1 + jitter · random)) with base = min(maxMs, minMs · factor^attempt)',
    (config, attempt, r) => {
      expect(backoffDelay(attempt, config, () => r)).toBe(reference(attempt, config, r));
    },
  );

  it.prop([configs, attempts, attempts])(
    'never decreases as the attempt grows when jitter is 0',
    (config, a, b) => {
      const noJitter = { ...config, jitter: 0 };
      const [lo, hi] = a <= b ? [a, b] : [b, a];
      expect(backoffDelay(lo, noJitter, () => 0)).toBeLessThanOrEqual(
        backoffDelay(hi, noJitter, () => 0),
      );
    },
  );

  it('doubles from minMs up to maxMs (Pekko: 3, 6, 12, 24, 30, 30 s)', () => {
    const config = { minMs: 3_000, maxMs: 30_000, factor: 2, jitter: 0 };
    const delays = [0, 1, 2, 3, 4, 5].map((n) => backoffDelay(n, config, () => 0.5));
    expect(delays).toEqual([3_000, 6_000, 12_000, 24_000, 30_000, 30_000]);
  });

  it('adds at most jitter × base, and never past maxMs', () => {
    const config = { minMs: 1_000, maxMs: 1_500, factor: 2, jitter: 0.2 };
    expect(backoffDelay(0, config, () => 0.5)).toBe(1_100);
    expect(backoffDelay(0, { ...config, maxMs: 1_150 }, () => 0.99)).toBe(1_150);
  });

  it('restarts at once with minMs 0, however large the attempt or factor', () => {
    const config = { minMs: 0, maxMs: 30_000, factor: 1e300, jitter: 1 };
    expect(backoffDelay(Infinity, config, () => 0.9)).toBe(0);
    expect(backoffDelay(5_000, config, () => 0.9)).toBe(0);
  });

  it('treats negative, fractional and NaN attempts as the floor, at least 0', () => {
    const config = { minMs: 100, maxMs: 10_000, factor: 2, jitter: 0 };
    expect(backoffDelay(-3, config, () => 0)).toBe(100);
    expect(backoffDelay(Number.NaN, config, () => 0)).toBe(100);
    expect(backoffDelay(2.9, config, () => 0)).toBe(400);
  });

  it('clamps a random source that strays outside [0, 1)', () => {
    const config = { minMs: 100, maxMs: 10_000, factor: 2, jitter: 1 };
    expect(backoffDelay(0, config, () => -5)).toBe(100);
    expect(backoffDelay(0, config, () => 7)).toBe(200);
  });

  it('accepts the resolved policy schema', () => {
    expectTypeOf<z.output<typeof BackoffSchema>>().toExtend<BackoffTrackerConfig>();
    // The schema's defaults restart at once, as OTP does.
    expect(backoffDelay(9, BackoffSchema.parse({}), () => 0.5)).toBe(0);
  });
});

// --- BackoffTracker ---

interface LifeStep {
  ranMs: number;
  downMs: number;
  random: number;
  startsAgain: boolean;
}

interface Failure {
  /** Time since the last `started`, or undefined when the previous restart never started. */
  ranMs: number | undefined;
  attemptBefore: number;
  attemptAfter: number;
  delay: number;
  random: number;
}

/** Plays a life on `tracker` (already started at `t0`) and observes each failure. */
function play(tracker: BackoffTracker, life: readonly LifeStep[], t0: number): Failure[] {
  const failures: Failure[] = [];
  let now = t0;
  let startedAt: number | undefined = t0;
  for (const step of life) {
    now += step.ranMs;
    const attemptBefore = tracker.attempt;
    const delay = tracker.nextDelay(now, () => step.random);
    const ranMs = startedAt === undefined ? undefined : now - startedAt;
    failures.push({
      ranMs,
      attemptBefore,
      attemptAfter: tracker.attempt,
      delay,
      random: step.random,
    });
    now += step.downMs;
    startedAt = undefined;
    if (step.startsAgain) {
      tracker.started(now);
      startedAt = now;
    }
  }
  return failures;
}

function startedTracker(config: BackoffTrackerConfig, t0: number): BackoffTracker {
  const tracker = new BackoffTracker(config);
  tracker.started(t0);
  return tracker;
}

const t0s = fc.integer({ min: -1_000_000, max: 1_000_000 });

describe('BackoffTracker', () => {
  it.prop([trackerConfigs, lives, t0s])(
    'starts a run over after a quiet run of resetAfterMs, and otherwise grows it by one',
    (config, life, t0) => {
      for (const f of play(startedTracker(config, t0), life, t0)) {
        const quiet = f.ranMs !== undefined && f.ranMs >= config.resetAfterMs;
        const attempt = quiet ? 0 : f.attemptBefore;
        expect(f.delay).toBe(backoffDelay(attempt, config, () => f.random));
        expect(f.attemptAfter).toBe(attempt + 1);
      }
    },
  );

  it.prop([trackerConfigs, lives, t0s])(
    'keeps every delay within [0, maxMs]',
    (config, life, t0) => {
      for (const f of play(startedTracker(config, t0), life, t0)) {
        expect(f.delay).toBeGreaterThanOrEqual(0);
        expect(f.delay).toBeLessThanOrEqual(config.maxMs);
      }
    },
  );

  it('resets after running resetAfterMs, not one ms less', () => {
    const config = { minMs: 100, maxMs: 10_000, factor: 2, jitter: 0, resetAfterMs: 1_000 };
    const tracker = new BackoffTracker(config);
    tracker.started(0);
    expect(tracker.nextDelay(10, () => 0)).toBe(100);
    tracker.started(110);
    expect(tracker.nextDelay(1_109, () => 0)).toBe(200); // ran 999 ms: same run
    tracker.started(1_309);
    expect(tracker.nextDelay(2_309, () => 0)).toBe(100); // ran 1000 ms: a new run
    expect(tracker.attempt).toBe(1);
  });

  it('does not count time spent down as running (a restart that fails keeps backing off)', () => {
    const config = { minMs: 100, maxMs: 10_000, factor: 2, jitter: 0, resetAfterMs: 1_000 };
    const tracker = new BackoffTracker(config);
    tracker.started(0);
    expect(tracker.nextDelay(50, () => 0)).toBe(100);
    // No `started`: the restart failed while starting, long after the last start.
    expect(tracker.nextDelay(5_000, () => 0)).toBe(200);
    expect(tracker.nextDelay(9_000, () => 0)).toBe(400);
  });

  it('starts at attempt 0 when it never saw a start', () => {
    const tracker = new BackoffTracker({
      minMs: 100,
      maxMs: 1_000,
      factor: 3,
      jitter: 0,
      resetAfterMs: 0,
    });
    expect(tracker.attempt).toBe(0);
    expect(tracker.nextDelay(0, () => 0)).toBe(100);
    expect(tracker.nextDelay(0, () => 0)).toBe(300);
  });

  it.prop([trackerConfigs, lives, lives, t0s])(
    'restores from its snapshot to an equivalent tracker',
    (config, before, after, t0) => {
      const original = startedTracker(config, t0);
      play(original, before, t0);
      const snapshot = original.toSnapshot();
      // The snapshot survives storage as JSON.
      const restored = BackoffTracker.fromSnapshot(JSON.parse(JSON.stringify(snapshot)), config);
      expect(restored.toSnapshot()).toEqual(snapshot);
      expect(restored.attempt).toBe(original.attempt);
      // Equivalent from here on: the same failures give the same delays and snapshots.
      const t1 = t0 + 10_000_000;
      original.started(t1);
      restored.started(t1);
      expect(play(restored, after, t1)).toEqual(play(original, after, t1));
      expect(restored.toSnapshot()).toEqual(original.toSnapshot());
    },
  );

  it('keeps a child that is down as down across a snapshot', () => {
    const config = { minMs: 100, maxMs: 10_000, factor: 2, jitter: 0, resetAfterMs: 1_000 };
    const tracker = new BackoffTracker(config);
    tracker.started(0);
    tracker.nextDelay(5, () => 0);
    expect(tracker.toSnapshot()).toEqual({ v: 1, attempt: 1, lastStartedAt: null });
    const restored = BackoffTracker.fromSnapshot(tracker.toSnapshot(), config);
    expect(restored.nextDelay(50_000, () => 0)).toBe(200);
  });

  it.each([
    ['an unknown version', { v: 2, attempt: 0, lastStartedAt: null }],
    ['no version', { attempt: 0, lastStartedAt: null }],
    ['a string version', { v: '1', attempt: 0, lastStartedAt: null }],
    ['null', null],
    ['a number', 1],
  ])('refuses %s with ERR_CHECKPOINT_VERSION', (_, snapshot) => {
    const config = { minMs: 0, maxMs: 0, factor: 1, jitter: 0, resetAfterMs: 0 };
    expect(() => BackoffTracker.fromSnapshot(snapshot, config)).toThrow(
      expect.objectContaining({ code: 'ERR_CHECKPOINT_VERSION' }),
    );
  });

  it.each([
    ['a negative attempt', { v: 1, attempt: -1, lastStartedAt: null }],
    ['a fractional attempt', { v: 1, attempt: 1.5, lastStartedAt: 0 }],
    ['a missing lastStartedAt', { v: 1, attempt: 0 }],
    ['an extra field', { v: 1, attempt: 0, lastStartedAt: null, extra: true }],
  ])('refuses a version-1 snapshot with %s as ERR_INVALID_OPTIONS', (_, snapshot) => {
    const config = { minMs: 0, maxMs: 0, factor: 1, jitter: 0, resetAfterMs: 0 };
    let error: unknown;
    try {
      BackoffTracker.fromSnapshot(snapshot, config);
    } catch (err) {
      error = err;
    }
    expect(isRuntimeError(error, 'ERR_INVALID_OPTIONS')).toBe(true);
  });
});
