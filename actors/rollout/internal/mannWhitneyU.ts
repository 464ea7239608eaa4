/** A test statistic as a z-score: positive when the candidate sample is larger. */
export interface TestStatistic {
  readonly z: number;
}

/**
 * Mann–Whitney U of `candidate` against `baseline`, as the normal approximation with tie
 * correction and a continuity correction of 0.5: `z > 0` when candidate values tend to be
 * larger. `z` is 0 when every value is the same (no evidence either way).
 */
export function mannWhitneyU(
  baseline: readonly number[],
  candidate: readonly number[],
): TestStatistic & { readonly u: number } {
  const n1 = candidate.length;
  const n2 = baseline.length;
  const values = [...candidate, ...baseline];
  // Indices sorted by value; index < n1 is a candidate value.
  const order = values.map((_, i) => i).sort((a, b) => (values[a] ?? 0) - (values[b] ?? 0));
  const n = values.length;
  let rankSum = 0;
  let tieTerm = 0;
  for (let i = 0; i < n;) {
    const value = values[order[i] ?? 0];
    let j = i;
    while (j + 1 < n && values[order[j + 1] ?? 0] === value) j += 1;
    const t = j - i + 1;
    const rank = (i + j) / 2 + 1; // average rank of the tie group, 1-based
    for (let k = i; k <= j; k += 1) if ((order[k] ?? n) < n1) rankSum += rank;
    tieTerm += t * t * t - t;
    i = j + 1;
  }
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const mean = (n1 * n2) / 2;
  const variance = n > 1 ? ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))) : 0;
  if (!(variance > 0)) return { u, z: 0 };
  const diff = u - mean;
  const corrected = Math.sign(diff) * Math.max(0, Math.abs(diff) - 0.5);
  return { u, z: corrected / Math.sqrt(variance) };
}
