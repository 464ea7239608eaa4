import { DEFAULT_DECISIONS, type Directive, type FailureClass } from './failureClasses.js';

// Turning an error into a failure class (DESIGN.md "Failure classes") is the runtime's one
// classifier (runtime/errors/failureClass.ts): retries, breakers, the effect ledger and
// supervisors classify alike. Re-exported here, the supervisors' vocabulary.
export { classifyFailure, withFailureClass } from 'agentvisor/internal';

// --- decisions ---

/** A policy's decision table: failure class → directive, with `default` for unlisted classes. */
export type DecisionTable = Readonly<
  Partial<Record<FailureClass | 'default', Directive | undefined>>
>;

/**
 * The directive for a failure class: the table's entry for the class, else the table's
 * `default`, else {@link DEFAULT_DECISIONS}.
 */
export function decideDirective(table: DecisionTable, cls: FailureClass): Directive {
  return table[cls] ?? table.default ?? DEFAULT_DECISIONS[cls];
}
