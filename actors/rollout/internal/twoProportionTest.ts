import type { TestStatistic } from './mannWhitneyU.js';

/**
 * Two-proportion z-test of the candidate's rate against the baseline's with the pooled
 * standard error: `z > 0` when the candidate's rate is higher; 0 when both are 0 or 1.
 */
export function twoProportionTest(
  baseline: { readonly events: number; readonly trials: number },
  candidate: { readonly events: number; readonly trials: number },
): TestStatistic {
  const { events: x1, trials: n1 } = candidate;
  const { events: x2, trials: n2 } = baseline;
  if (n1 === 0 || n2 === 0) return { z: 0 };
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(se > 0)) return { z: 0 };
  return { z: (x1 / n1 - x2 / n2) / se };
}
