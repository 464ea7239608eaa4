import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { backoffDelayAt, backoffDelays, type BackoffConfig } from 'agentvisor/internal';

const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const configs: fc.Arbitrary<BackoffConfig> = fc
  .record({
    initialDelayMs: fc.double({ min: 0.001, max: 100_000, noNaN: true }),
    extraMs: fc.double({ min: 0, max: 1_000_000, noNaN: true }),
    factor: fc.oneof(fc.constantFrom(1, 2), fc.double({ min: 1, max: 100, noNaN: true })),
    jitter: fc.constantFrom('none', 'full', 'decorrelated'),
  })
  .map(({ initialDelayMs, extraMs, factor, jitter }) => ({
    initialDelayMs,
    maxDelayMs: initialDelayMs + extraMs,
    factor,
    jitter,
  }));

function take(n: number, config: BackoffConfig, randoms: readonly number[]): number[] {
  let i = 0;
  const gen = backoffDelays(config, () => randoms[i++ % randoms.length] ?? 0.5);
  return Array.from({ length: n }, () => gen.next().value);
}

describe('backoffDelays', () => {
  it.prop([
    configs,
    fc.array(unit, { minLength: 1, maxLength: 50 }),
    fc.integer({ min: 1, max: 1100 }),
  ])('keeps every delay within [0, maxDelayMs]', (config, randoms, n) => {
    // Up to 1100 retries: past 2^1024 the exponential overflows to Infinity.
    const outside = take(n, config, randoms).filter(
      (delay) => !(Number.isFinite(delay) && delay >= 0 && delay <= config.maxDelayMs),
    );
    expect(outside).toEqual([]);
  });

  it.prop([configs, fc.integer({ min: 1, max: 200 })])(
    'without jitter is initialDelayMs · factor^(n-1), capped',
    (config, n) => {
      const delays = take(n, { ...config, jitter: 'none' }, [0.5]);
      delays.forEach((delay, i) => {
        expect(delay).toBeCloseTo(
          Math.min(config.maxDelayMs, config.initialDelayMs * config.factor ** i),
          6,
        );
        if (i > 0) expect(delay).toBeGreaterThanOrEqual(delays[i - 1]!);
      });
    },
  );

  it.prop([configs, unit, fc.integer({ min: 1, max: 60 })])(
    'with full jitter scales the un-jittered delay by the draw',
    (config, r, n) => {
      const full = take(n, { ...config, jitter: 'full' }, [r]);
      const none = take(n, { ...config, jitter: 'none' }, [r]);
      full.forEach((delay, i) => {
        expect(delay).toBeCloseTo(none[i]! * r, 6);
      });
    },
  );

  it.prop([configs, unit, unit, fc.integer({ min: 1, max: 200 })])(
    'with proportional jitter adds at most jitterRatio of the un-jittered delay, never past the cap',
    (config, r, jitterRatio, n) => {
      const proportional = take(n, { ...config, jitter: 'proportional', jitterRatio }, [r]);
      const none = take(n, { ...config, jitter: 'none' }, [r]);
      proportional.forEach((delay, i) => {
        const base = none[i]!;
        expect(delay).toBe(Math.min(config.maxDelayMs, base * (1 + jitterRatio * r)));
        expect(delay).toBeGreaterThanOrEqual(base);
        expect(delay).toBeLessThanOrEqual(Math.min(config.maxDelayMs, base * (1 + jitterRatio)));
      });
    },
  );

  it.prop([configs, fc.integer({ min: 0, max: 1100 }), unit])(
    'draws the same delay at an attempt as the generator does at that retry',
    (config, attempt, r) => {
      const mode = config.jitter === 'decorrelated' ? 'proportional' : config.jitter;
      const stateless = { ...config, jitter: mode, jitterRatio: 0.2 };
      const delays = take(attempt + 1, stateless, [r]);
      expect(backoffDelayAt(attempt, stateless, () => r)).toBe(delays[attempt]);
    },
  );

  it('is reproducible from the random source', () => {
    const config: BackoffConfig = {
      initialDelayMs: 500,
      maxDelayMs: 30_000,
      factor: 2,
      jitter: 'decorrelated',
    };
    const randoms = [0.1, 0.9, 0.4, 0.7];
    expect(take(10, config, randoms)).toEqual(take(10, config, randoms));
  });
});
