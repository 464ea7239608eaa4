import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { recordRestart } from '../../supervisors/restartIntensity.js';

/** The naive model: restarts at or after `now - periodMs`, up to and including the one at `now`. */
function naiveCount(schedule: readonly number[], index: number, periodMs: number): number {
  const now = schedule[index]!;
  return schedule.slice(0, index + 1).filter((t) => now - t <= periodMs).length;
}

const limitsArb = fc.record({
  intensity: fc.integer({ min: 0, max: 5 }),
  periodMs: fc.integer({ min: 1, max: 10_000 }),
});

/**
 * Limits and a sorted schedule of restart times. Gaps favour the interesting cases: 0 (several
 * restarts in one ms) and exactly `periodMs` or one either side of it (the window boundary).
 */
const scenarios = limitsArb.chain((limits) =>
  fc
    .array(
      fc.oneof(
        fc.integer({ min: 0, max: 2 * limits.periodMs }),
        fc.constantFrom(0, limits.periodMs - 1, limits.periodMs, limits.periodMs + 1),
      ),
      { minLength: 1, maxLength: 40 },
    )
    .chain((gaps) =>
      fc.integer({ min: 0, max: 1_000_000 }).map((start) => {
        const schedule: number[] = [];
        let t = start;
        for (const gap of gaps) {
          t += Math.max(0, gap);
          schedule.push(t);
        }
        return { limits, schedule };
      }),
    ),
);

describe('recordRestart', () => {
  it.prop([scenarios])(
    'agrees with a naive sliding-window count at every restart',
    ({ schedule, limits }) => {
      let history: number[] = [];
      schedule.forEach((now, i) => {
        const result = recordRestart(history, now, limits);
        const count = naiveCount(schedule, i, limits.periodMs);
        expect(result.history).toHaveLength(count);
        expect(result.exceeded).toBe(count > limits.intensity);
        history = result.history;
      });
    },
  );

  it.prop([scenarios])(
    'gives up at the same restart as the naive model',
    ({ schedule, limits }) => {
      const naive = schedule.findIndex(
        (_, i) => naiveCount(schedule, i, limits.periodMs) > limits.intensity,
      );
      let history: number[] = [];
      let gaveUpAt = -1;
      for (const [i, now] of schedule.entries()) {
        const result = recordRestart(history, now, limits);
        history = result.history;
        if (result.exceeded) {
          gaveUpAt = i;
          break;
        }
      }
      expect(gaveUpAt).toBe(naive);
    },
  );

  it.prop([scenarios])(
    'keeps the new restart first and only in-window ones',
    ({ schedule, limits }) => {
      let history: number[] = [];
      for (const now of schedule) {
        history = recordRestart(history, now, limits).history;
        expect(history[0]).toBe(now);
        for (const t of history) expect(now - t).toBeLessThanOrEqual(limits.periodMs);
      }
    },
  );

  it('counts a restart exactly periodMs ago (inclusive boundary, as OTP)', () => {
    const limits = { intensity: 1, periodMs: 5000 };
    const first = recordRestart([], 0, limits);
    expect(first).toEqual({ history: [0], exceeded: false });
    expect(recordRestart(first.history, 5000, limits)).toEqual({
      history: [5000, 0],
      exceeded: true,
    });
    expect(recordRestart(first.history, 5001, limits)).toEqual({
      history: [5001],
      exceeded: false,
    });
  });

  it('gives up on the first restart with intensity 0', () => {
    expect(recordRestart([], 10, { intensity: 0, periodMs: 1000 }).exceeded).toBe(true);
  });

  it('allows OTP defaults: one restart in 5 s, not two', () => {
    const limits = { intensity: 1, periodMs: 5000 };
    const a = recordRestart([], 1000, limits);
    const b = recordRestart(a.history, 3000, limits);
    expect(a.exceeded).toBe(false);
    expect(b.exceeded).toBe(true);
  });

  it('does not modify the history it is given', () => {
    const history = Object.freeze([100, 50]);
    const result = recordRestart(history, 200, { intensity: 3, periodMs: 120 });
    expect(history).toEqual([100, 50]);
    expect(result.history).toEqual([200, 100]);
  });
});
