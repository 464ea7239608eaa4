import { normalTail } from './internal/normalTail.js';
import { twoProportionTest } from './internal/twoProportionTest.js';
import type { RunComparison } from './compareRuns.js';

/** Mismatch rates of one dimension against the noise floor. */
export interface ShadowDimension {
  readonly candidateRate: number;
  readonly noiseRate: number;
  /** One-sided p-value of the candidate's rate exceeding the noise's. */
  readonly pValue: number;
  /** The candidate differs more than stable differs from itself. */
  readonly significant: boolean;
}

/** Per dimension: is the candidate's difference from stable beyond the noise floor? */
export interface ShadowVerdict {
  readonly answer: ShadowDimension;
  readonly effects: ShadowDimension;
  readonly trajectory: ShadowDimension;
  /** Any dimension significant. */
  readonly significant: boolean;
}

/**
 * Diffy's rule: candidate–stable mismatches are blamed on the candidate only when their rate
 * exceeds the stable–stable (noise floor) rate significantly (two-proportion z-test, one-sided
 * at `alpha`). Without noise pairs the floor is 0: every mismatch rate above 0 that is
 * significant against it counts.
 *
 * @example
 * const verdict = judgeShadow(candidatePairs, stableSelfPairs);
 */
export function judgeShadow(
  candidate: readonly RunComparison[],
  noise: readonly RunComparison[],
  alpha = 0.01,
): ShadowVerdict {
  const dimension = (pick: (c: RunComparison) => boolean): ShadowDimension => {
    const c = { events: candidate.filter((x) => !pick(x)).length, trials: candidate.length };
    const n = { events: noise.filter((x) => !pick(x)).length, trials: noise.length };
    const candidateRate = c.trials === 0 ? 0 : c.events / c.trials;
    const noiseRate = n.trials === 0 ? 0 : n.events / n.trials;
    const pValue = n.trials === 0 ? (c.events > 0 ? 0 : 1) : normalTail(twoProportionTest(n, c).z);
    return { candidateRate, noiseRate, pValue, significant: pValue < alpha };
  };
  const answer = dimension((x) => x.answer);
  const effects = dimension((x) => x.effects);
  const trajectory = dimension((x) => x.trajectory);
  return {
    answer,
    effects,
    trajectory,
    significant: answer.significant || effects.significant || trajectory.significant,
  };
}
