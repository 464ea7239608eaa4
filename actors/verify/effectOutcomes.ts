import { ErrorCode, FAILURE_CLASSES, RuntimeError, type FailureClass } from 'agentvisor/internal';
import type { ToolDefinition } from '../effects/index.js';

/** The code an effect failing with each class carries (as the runtime's own errors do). */
const CODE_OF: Readonly<Record<FailureClass, ErrorCode>> = {
  transient: ErrorCode.Timeout,
  'rate-limit': ErrorCode.ModelHttp,
  auth: ErrorCode.ModelHttp,
  'invalid-request': ErrorCode.ModelHttp,
  'invalid-output': ErrorCode.InvalidOutput,
  budget: ErrorCode.BudgetExceeded,
  poison: ErrorCode.PoisonMessage,
  'uncertain-effect': ErrorCode.UncertainEffect,
  safety: ErrorCode.InputBlocked,
  bug: ErrorCode.ModelOutput,
};

/** One possible end of an invoked effect, as the event XState relays to the machine. */
export interface EffectOutcome {
  readonly label: string;
  readonly event: { readonly type: string; readonly output?: unknown; readonly error?: unknown };
  /** A person's decision (`human` effects). */
  readonly choice?: string;
}

/**
 * The outcomes an invoked effect can have, abstracted: done with a representative output per
 * effect kind (a model answering in text or calling each tool, a person choosing each option or
 * the deadline's default), and an error of each failure class the check considers.
 */
export function effectOutcomes(
  childId: string,
  kind: string,
  input: unknown,
  deps: {
    readonly tools: Readonly<Record<string, ToolDefinition>>;
    readonly classes: readonly FailureClass[];
  },
): EffectOutcome[] {
  const done = (label: string, output: unknown, choice?: string): EffectOutcome => ({
    label: `done:${childId}${label}`,
    event: { type: `xstate.done.actor.${childId}`, output },
    ...(choice === undefined ? {} : { choice }),
  });
  const outcomes: EffectOutcome[] = [];
  switch (kind) {
    case 'model': {
      const base = {
        model: 'verify',
        usage: { inputTokens: 1, outputTokens: 1 },
        strategy: 'normal',
        endpoint: 'verify',
      };
      outcomes.push(done('(text)', { ...base, text: 'ok', finishReason: 'stop' }));
      for (const name of Object.keys(deps.tools)) {
        outcomes.push(
          done(`(calls ${name})`, {
            ...base,
            text: '',
            finishReason: 'tool_calls',
            toolCalls: [{ id: `call-${name}`, name, arguments: {} }],
          }),
        );
      }
      break;
    }
    case 'human': {
      const { options = [], default: fallback } = (input ?? {}) as {
        options?: readonly string[];
        default?: string;
      };
      for (const choice of options) {
        outcomes.push(done(`(${choice})`, { choice, decidedBy: 'human', by: 'verify' }, choice));
      }
      if (fallback !== undefined) {
        outcomes.push(
          done(`(deadline: ${fallback})`, { choice: fallback, decidedBy: 'deadline' }, fallback),
        );
      }
      break;
    }
    case 'timer':
      outcomes.push(done('', 0));
      break;
    default:
      outcomes.push(done('', 'ok'));
  }
  for (const failureClass of deps.classes) {
    const error = new RuntimeError(CODE_OF[failureClass], `${kind} failed (${failureClass})`, {
      details: { failureClass, verify: true },
    });
    outcomes.push({
      label: `error:${childId}:${failureClass}`,
      event: { type: `xstate.error.actor.${childId}`, error },
    });
  }
  return outcomes;
}

/** Every failure class, the default of a check. */
export const ALL_FAILURE_CLASSES: readonly FailureClass[] = FAILURE_CLASSES;
