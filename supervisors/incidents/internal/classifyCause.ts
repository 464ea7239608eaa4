import { ErrorCode } from 'agentvisor/internal';
import type { SupervisorEvent } from '../../SupervisorEvent.js';
import type {
  Diagnosis,
  DiagnosisCategory,
  DiagnosisReplay,
  DiagnosisSubkind,
} from '../Diagnosis.js';
import type { ReplayChange, ReplayStep } from './sandboxReplay.js';

/** A child restarted again and again without its supervisor giving up. */
export interface RestartLoop {
  readonly supervisor: string;
  readonly restarts: number;
}

/**
 * @internal The restart loop of `child` in `events`: at least `threshold` restarts scheduled
 * and no `gave-up` — the policy keeps restarting what fails the same way.
 */
export function restartLoop(
  events: readonly SupervisorEvent[],
  child: string,
  threshold: number,
): RestartLoop | undefined {
  const mine = events.filter((e) => 'child' in e && e.child === child);
  if (mine.some((e) => e.type === 'gave-up')) return undefined;
  const restarts = mine.filter((e) => e.type === 'restart-scheduled');
  const first = restarts[0];
  return first !== undefined && restarts.length >= threshold
    ? { supervisor: first.supervisor, restarts: restarts.length }
    : undefined;
}

type Cause = readonly [DiagnosisCategory, DiagnosisSubkind];

/** The category of a recorded effect failure, from its code and failure class. */
function failureCause(
  effect: string,
  code: string | undefined,
  failureClass: string | undefined,
): Cause {
  if (failureClass === 'rate-limit') return ['infrastructure', 'rate-limit'];
  if (code === ErrorCode.BudgetExceeded || failureClass === 'budget') return ['agent', 'budget'];
  if (
    code === ErrorCode.InvalidOutput ||
    code === ErrorCode.ModelOutput ||
    failureClass === 'invalid-output'
  )
    return ['agent', 'invalid-output'];
  if (code === ErrorCode.InputBlocked || failureClass === 'safety') return ['input', 'injection'];
  if (code === ErrorCode.StoreUnavailable) return ['infrastructure', 'store'];
  if (code === ErrorCode.ModelConnection || code === ErrorCode.Timeout)
    return ['infrastructure', 'transport'];
  if (effect.startsWith('tool:')) return ['infrastructure', 'tool-error'];
  return ['infrastructure', 'provider-outage'];
}

/** @internal The diagnosis of the decisive step, its change and the replay that flipped it. */
export function classifyCause(input: {
  actor: string;
  step: ReplayStep;
  change: ReplayChange;
  replay: DiagnosisReplay;
  loop: RestartLoop | undefined;
}): Diagnosis {
  const { step, loop } = input;
  let actor = input.actor;
  let cause: Cause;
  let evidence: Diagnosis['evidence'];
  if (step.kind === 'message') {
    const envelope = (step.envelope ?? {}) as { id?: unknown; from?: unknown };
    const sender = typeof envelope.from === 'string' ? envelope.from : undefined;
    actor = sender ?? actor;
    cause = ['input', 'poison'];
    evidence = {
      ...(typeof envelope.id === 'string' ? { messageId: envelope.id } : {}),
      ...(sender === undefined ? {} : { sender }),
      recorded: step.envelope,
      summary: `without message ${String(envelope.id)}${sender === undefined ? '' : ` from ${sender}`} the run does not fail`,
    };
  } else {
    const details = (step.error?.details ?? {}) as { failureClass?: unknown };
    const failureClass =
      typeof details.failureClass === 'string' ? details.failureClass : undefined;
    cause = step.ok
      ? step.effect.startsWith('tool:')
        ? ['infrastructure', 'tool-error']
        : ['agent', 'invalid-output']
      : failureCause(step.effect, step.error?.code, failureClass);
    evidence = {
      effect: step.effect,
      ...(step.error?.code === undefined ? {} : { errorCode: step.error.code }),
      ...(failureClass === undefined ? {} : { failureClass }),
      recorded: step.ok ? step.output : step.error,
      summary: step.ok
        ? `${step.effect} answered ${JSON.stringify(step.output)} at seq ${step.seq}; with its earlier good answer the run completes`
        : `${step.effect} failed (${step.error?.code ?? 'error'}) at seq ${step.seq}; had it succeeded from there on the run completes`,
    };
  }
  if (loop !== undefined) {
    actor = loop.supervisor;
    cause = ['configuration', 'policy'];
    evidence = {
      ...evidence,
      restarts: loop.restarts,
      summary: `${loop.supervisor} restarted ${input.actor} ${loop.restarts} times without giving up on the same failure: ${evidence.summary}`,
    };
  }
  return {
    actor,
    decisiveSeq: step.seq,
    category: cause[0],
    subkind: cause[1],
    evidence,
    replay: input.replay,
  };
}
