import { classifyError, withFailureClass as tagFailureClass } from 'agentvisor';
import { DEFAULT_DECISIONS, type Directive, type FailureClass } from './failureClasses.js';

/**
 * Turns any error into one failure class (DESIGN.md "Failure classes"). One classification serves
 * retries, breakers and supervisors alike, so this is the runtime's `classifyError`
 * (runtime/resilience): explicit `failureClass` tags, RuntimeError codes and
 * `details.failureClass`, HTTP status, socket errors, zod errors, walking the cause chain;
 * anything else is `bug`.
 */
export function classifyFailure(error: unknown): FailureClass {
  return classifyError(error);
}

/** Tags an error with a failure class (for agents that know what went wrong). */
export const withFailureClass = tagFailureClass;

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
