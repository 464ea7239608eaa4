import { z } from 'zod';
import { ErrorCode, parseOptions, RuntimeError } from 'agentvisor/internal';
import type { ApprovalDecision, HumanInput } from '../effects/index.js';

/** Options of {@link defineApprovalGate}, validated at definition. */
export const ApprovalGateOptionsSchema = z
  .strictObject({
    /** Name of the decision, for timelines and the approval queue (`refund.large`). */
    name: z.string().min(1).max(200),
    /** What the person is asked. */
    question: z.string().min(1).max(2_000),
    /** Choices offered. @default ['approve', 'reject'] */
    options: z.array(z.string().min(1).max(100)).min(2).max(20).default(['approve', 'reject']),
    /** Choices that let the critical action go ahead. @default ['approve'] */
    approveWith: z.array(z.string().min(1)).min(1).default(['approve']),
    /**
     * Time to decide, in ms (pensarai/apex `decisionTimeoutMs`: 15 min, auto-deny).
     * @default 900_000
     */
    deadlineMs: z.number().int().positive().default(900_000),
    /**
     * The choice applied when nobody decides in time. It must not be one of `approveWith` unless
     * `allowApproveByDefault` is set: a critical action is denied by default (OWASP APTS-HO-003).
     * @default 'reject'
     */
    default: z.string().min(1).default('reject'),
    /** Lets `default` be an approving choice (for decisions that are safe to take). @default false */
    allowApproveByDefault: z.boolean().default(false),
  })
  .refine((o) => new Set(o.options).size === o.options.length, {
    path: ['options'],
    error: 'must not repeat a choice',
  })
  .refine((o) => o.options.includes(o.default), {
    path: ['default'],
    error: 'must be one of options',
  })
  .refine((o) => o.approveWith.every((choice) => o.options.includes(choice)), {
    path: ['approveWith'],
    error: 'every choice must be one of options',
  })
  .refine((o) => o.allowApproveByDefault || !o.approveWith.includes(o.default), {
    path: ['default'],
    error: 'approves the action when nobody decides; set allowApproveByDefault to allow it',
  });
/** What callers pass to {@link defineApprovalGate}. */
export type ApprovalGateOptions = z.input<typeof ApprovalGateOptionsSchema>;
/** The resolved options of an {@link ApprovalGate}. */
export type ApprovalGateConfig = z.output<typeof ApprovalGateOptionsSchema>;

/** What a gate's decision means for the critical action. */
export interface GateOutcome {
  readonly approved: boolean;
  readonly choice: string;
  /** A person decided, or the deadline applied the default. */
  readonly decidedBy: 'human' | 'deadline';
  readonly by?: string;
}

/**
 * A decision an agent marks as critical: before the action runs, a person decides through the
 * `human` effect, with a deadline and a (by default denying) default. The gate is plain data and
 * two functions, so a machine keeps it in its definition and its outcome in context.
 */
export interface ApprovalGate {
  readonly name: string;
  readonly critical: true;
  readonly config: ApprovalGateConfig;
  /**
   * The input of the `human` effect for one decision. `context` travels to the approval queue
   * (what is being approved: amount, recipient…); `question` overrides the gate's for this one.
   */
  input(context?: unknown, overrides?: { readonly question?: string }): HumanInput;
  /**
   * What the decision of the `human` effect means for the action.
   *
   * @throws {RuntimeError} ERR_INVALID_DECISION when the choice is not one of the gate's options.
   */
  outcome(decision: ApprovalDecision): GateOutcome;
}

/**
 * Defines an approval gate: a critical decision that waits for a person, with a deadline and a
 * safe default (`reject`) applied when nobody answers in time.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when an option is malformed, the default is not an
 *   option, or the default approves without `allowApproveByDefault`.
 * @example
 * const refundGate = defineApprovalGate({ name: 'refund.large', question: 'Refund over 500 EUR?' });
 * // in the machine: invoke: { src: 'human', input: ({ context }) => refundGate.input(context.refund) }
 * // onDone: ({ event }) => refundGate.outcome(event.output).approved
 */
export function defineApprovalGate(options: ApprovalGateOptions): ApprovalGate {
  const config = parseOptions(ApprovalGateOptionsSchema, options, 'approval gate');
  const approving = new Set(config.approveWith);
  return {
    name: config.name,
    critical: true,
    config,
    input(context, overrides = {}) {
      const question = overrides.question ?? config.question;
      return {
        question,
        options: [...config.options],
        deadlineMs: config.deadlineMs,
        default: config.default,
        context: {
          gate: config.name,
          critical: true,
          ...(context === undefined ? {} : { data: context }),
        },
      };
    },
    outcome(decision) {
      if (!config.options.includes(decision.choice)) {
        throw new RuntimeError(
          ErrorCode.InvalidDecision,
          `Approval gate ${config.name}: ${JSON.stringify(decision.choice)} is not one of ${config.options.join(', ')}`,
          { details: { gate: config.name, choice: decision.choice, options: config.options } },
        );
      }
      return {
        approved: approving.has(decision.choice),
        choice: decision.choice,
        decidedBy: decision.decidedBy,
        ...(decision.by === undefined ? {} : { by: decision.by }),
      };
    },
  };
}
