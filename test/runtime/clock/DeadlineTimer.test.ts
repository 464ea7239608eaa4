import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TestClock } from 'agentvisor/testing';
import { DeadlineTimer } from '../../../runtime/clock/index.js';

describe('DeadlineTimer', () => {
  it('expires every live key at its deadline, in deadline order, on one clock timer', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ delay: fc.integer({ min: 0, max: 10_000 }), cancel: fc.boolean() }), {
          maxLength: 60,
        }),
        async (specs) => {
          const clock = new TestClock();
          const fired: { key: number; at: number }[] = [];
          const timer = new DeadlineTimer<number>(clock, (key) =>
            fired.push({ key, at: clock.now() }),
          );
          const start = clock.now();
          const entries = specs.map((s, key) => timer.add(key, start + s.delay));
          specs.forEach((s, key) => {
            if (s.cancel) timer.cancel(entries[key]!);
          });
          expect(clock.pendingTimers).toBeLessThanOrEqual(1);
          await clock.advance(10_001);
          const live = specs
            .map((s, key) => ({ key, delay: s.delay, cancel: s.cancel }))
            .filter((s) => !s.cancel);
          expect(fired.map((f) => f.key).sort((a, b) => a - b)).toEqual(live.map((l) => l.key));
          for (const f of fired) expect(f.at).toBe(start + specs[f.key]!.delay);
          const ats = fired.map((f) => f.at);
          expect(ats).toEqual([...ats].sort((a, b) => a - b));
          expect(timer.size).toBe(0);
          expect(clock.pendingTimers).toBe(0);
        },
      ),
    );
  });

  it('re-arms for an earlier deadline added later', async () => {
    const clock = new TestClock();
    const fired: string[] = [];
    const timer = new DeadlineTimer<string>(clock, (k) => fired.push(k));
    timer.add('late', clock.now() + 1_000);
    timer.add('early', clock.now() + 10);
    await clock.advance(10);
    expect(fired).toEqual(['early']);
    await clock.advance(990);
    expect(fired).toEqual(['early', 'late']);
  });
});

describe('DeadlineTimer on a clock that does not chain long timers', () => {
  it('arms at most 2^31 - 1 ms at a time, so a 30-day deadline neither fires early nor spins', async () => {
    const MAX = 2 ** 31 - 1;
    const inner = new TestClock();
    const delays: number[] = [];
    // Node's own setTimeout: a delay over 2^31 - 1 ms fires after 1 ms.
    const nodeLike = {
      now: () => inner.now(),
      monotonic: () => inner.monotonic(),
      setTimeout: (fn: () => void, ms: number) => {
        delays.push(ms);
        return inner.setTimeout(fn, ms > MAX ? 1 : ms);
      },
      clearTimeout: (h: unknown) => {
        inner.clearTimeout(h);
      },
    };
    const expired: string[] = [];
    const timer = new DeadlineTimer<string>(nodeLike, (key) => expired.push(key));
    const day = 24 * 60 * 60 * 1000;
    timer.add('ask', inner.now() + 30 * day);
    await inner.advance(10_000);
    expect(expired).toEqual([]);
    expect(delays.length).toBeLessThanOrEqual(2);
    expect(Math.max(...delays)).toBeLessThanOrEqual(MAX);
    await inner.advance(30 * day);
    expect(expired).toEqual(['ask']);
  });
});
