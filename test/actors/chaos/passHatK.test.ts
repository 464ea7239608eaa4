import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { passHatK, type TrialOutcome } from 'agentvisor/actors';
import { expectRuntimeError } from 'agentvisor/testing';

const trials = (c: number, n: number): TrialOutcome[] =>
  Array.from({ length: n }, (_, i) => (i < c ? 'pass' : 'fail'));

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

describe('passHatK (τ-bench)', () => {
  it('reproduces the fixture n = 4, c ∈ {0..4} to 1e-12', () => {
    const fixture = [0, 1, 2, 3, 4].map((c) => ({ task: `t${c}`, trials: trials(c, 4) }));
    const expected = [0.5, 1 / 3, 0.25, 0.2];
    for (let k = 1; k <= 4; k++)
      expect(Math.abs(passHatK(fixture, k).passHatK - expected[k - 1]!)).toBeLessThan(1e-12);
  });

  it('property: equals the mean of C(c,k)/C(n,k) by binomials', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(fc.constant(n), fc.nat(n))),
          { minLength: 1, maxLength: 8 },
        ),
        fc.integer({ min: 1, max: 12 }),
        (tasks, k) => {
          const kUsed = Math.min(k, ...tasks.map(([n]) => n));
          const want =
            tasks.reduce((s, [n, c]) => s + binomial(c, kUsed) / binomial(n, kUsed), 0) /
            tasks.length;
          const got = passHatK(
            tasks.map(([n, c], i) => ({ task: String(i), trials: trials(c, n) })),
            k,
          );
          expect(got.k).toBe(kUsed);
          expect(Math.abs(got.passHatK - want)).toBeLessThan(1e-12);
        },
      ),
    );
  });

  it('3 infra errors are reported apart, not failures; k is capped at the fewest trials', () => {
    const r = passHatK(
      [
        { task: 'a', trials: ['pass', 'pass', 'infra-error', 'pass', 'infra-error'] },
        { task: 'b', trials: ['pass', 'infra-error', 'pass', 'pass', 'pass'] },
      ],
      4,
    );
    expect(r).toEqual({ k: 3, passHatK: 1, successRate: 1, infraErrors: 3, tasks: 2 });
  });

  it('refuses k < 1 and a task with only infra errors', () => {
    expectRuntimeError(() => passHatK([], 0), 'ERR_INVALID_OPTIONS');
    expectRuntimeError(
      () => passHatK([{ task: 'x', trials: ['infra-error'] }], 1),
      'ERR_INVALID_OPTIONS',
    );
  });
});
