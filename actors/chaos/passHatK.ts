import { ErrorCode, RuntimeError } from 'agentvisor/internal';

/** One trial of a task: passed, failed, or an infrastructure error (not the agent's failure). */
export type TrialOutcome = 'pass' | 'fail' | 'infra-error';

/** The trials of one task. */
export interface TaskTrials {
  readonly task: string;
  readonly trials: readonly TrialOutcome[];
}

/** What {@link passHatK} reports. */
export interface PassHatK {
  /** k asked for, capped at the fewest counted trials of any task. */
  readonly k: number;
  /** Mean over tasks of C(c, k) / C(n, k) (τ-bench); NaN with no task. */
  readonly passHatK: number;
  /** Passed trials / counted trials, over every task. */
  readonly successRate: number;
  /** Trials that ended in an infrastructure error: reported here, not counted as failures. */
  readonly infraErrors: number;
  readonly tasks: number;
}

/** C(c, k) / C(n, k) as a product, exact to rounding: Π (c − i) / (n − i), i < k. */
function ratio(c: number, n: number, k: number): number {
  if (c < k) return 0;
  let r = 1;
  for (let i = 0; i < k; i++) r *= (c - i) / (n - i);
  return r;
}

/**
 * pass^k exactly as τ-bench defines it: for each task with n counted trials and c passes,
 * C(c, k) / C(n, k) (the chance that k trials drawn without replacement all pass), averaged over
 * tasks. Infrastructure errors are left out of n and c and reported apart; k is capped at the
 * fewest counted trials of any task.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS for k < 1 or a task with no counted trial.
 */
export function passHatK(tasks: readonly TaskTrials[], k: number): PassHatK {
  if (!Number.isInteger(k) || k < 1)
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `pass^k: k must be a positive integer, got ${k}`,
      {
        details: { k },
      },
    );
  let infraErrors = 0;
  let passed = 0;
  let counted = 0;
  const counts = tasks.map(({ task, trials }) => {
    const n = trials.filter((t) => t !== 'infra-error').length;
    const c = trials.filter((t) => t === 'pass').length;
    infraErrors += trials.length - n;
    passed += c;
    counted += n;
    if (n === 0)
      throw new RuntimeError(
        ErrorCode.InvalidOptions,
        `pass^k: task ${task} has no counted trial`,
        {
          details: { task, path: `tasks.${task}.trials` },
        },
      );
    return { n, c };
  });
  const kUsed = Math.min(k, ...counts.map((t) => t.n));
  const sum = counts.reduce((s, { n, c }) => s + ratio(c, n, kUsed), 0);
  return {
    k: kUsed,
    passHatK: counts.length === 0 ? Number.NaN : sum / counts.length,
    successRate: counted === 0 ? Number.NaN : passed / counted,
    infraErrors,
    tasks: counts.length,
  };
}
