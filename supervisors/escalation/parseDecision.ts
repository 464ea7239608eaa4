import {
  ErrorCode,
  RuntimeError,
  isRuntimeError,
  parseOptions,
  type OptionIssue,
} from 'agentvisor/internal';
import { HumanDecisionSchema, type HumanDecision } from './Escalation.js';

/**
 * Validates an outside decision for escalation `id`.
 *
 * @throws {RuntimeError} ERR_INVALID_DECISION with `details.issues`.
 */
export function parseDecision(id: string, decision: unknown): HumanDecision {
  try {
    return parseOptions(HumanDecisionSchema, decision, 'decision');
  } catch (error) {
    if (!isRuntimeError(error, ErrorCode.InvalidOptions)) throw error;
    const issues = (error.details?.['issues'] ?? []) as OptionIssue[];
    const summary = issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`));
    throw new RuntimeError(
      ErrorCode.InvalidDecision,
      `Invalid decision for escalation ${JSON.stringify(id)}: ${summary.join('; ')}`,
      { cause: error, details: { id, issues } },
    );
  }
}
