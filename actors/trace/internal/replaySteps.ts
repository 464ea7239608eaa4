import { initialTransition, transition, type AnyActorLogic, type AnyStateMachine } from 'xstate';
import {
  ErrorCode,
  RuntimeError,
  createMetricsRegistry,
  isActorTemplate,
  silentLogger,
  systemClock,
  type ActorContext,
  type ActorTemplate,
  type JournalEntry,
  type WireError,
} from 'agentvisor/internal';
import type { ReasoningStep, StepTransition } from '../ReasoningChain.js';

/** A machine's view of a snapshot and its transitions (XState's StateMachine, loosely typed). */
interface Inspectable {
  getTransitionData?(
    snapshot: unknown,
    event: unknown,
  ): readonly { target?: readonly { id: string }[]; guard?: unknown }[] | undefined;
}

/**
 * An ActorContext for building a machine that only computes transitions: XState's pure
 * `transition` starts no invoked effect, so nothing here is ever called to send or persist.
 */
function pureContext(actor: string): ActorContext {
  const refuse = (): never => {
    throw new RuntimeError(ErrorCode.InvalidOptions, 'a replayed reasoning chain sends nothing');
  };
  return {
    name: actor,
    incarnation: 1,
    logger: silentLogger(),
    clock: systemClock,
    metrics: createMetricsRegistry(),
    ledger: undefined,
    checkpoint: () => Promise.resolve(0),
    tell: refuse,
    ask: refuse,
    fail: refuse,
    reply: refuse,
  };
}

function guardName(guard: unknown): string | undefined {
  if (guard === undefined) return undefined;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return guard.name || '(inline)';
  const type = (guard as { type?: unknown }).type;
  return typeof type === 'string' ? type : '(guard)';
}

/**
 * @internal The steps with the machine's state before, the transitions taken (targets, guards)
 * and the state after, by replaying the journal's events through `logic` from its initial state
 * (effects answered from their recorded outcomes, as the ledger's replay does). Needs the whole
 * journal (no truncation before the first step).
 */
export function replaySteps(
  actor: string,
  logic: ActorTemplate | AnyStateMachine,
  steps: readonly ReasoningStep[],
  entries: readonly JournalEntry[],
): ReasoningStep[] {
  const machine: AnyActorLogic = isActorTemplate(logic)
    ? logic.createLogic(pureContext(actor))
    : logic;
  const data = new Map(entries.map((e) => [e.seq, e.event.data]));
  let snapshot: unknown = initialTransition(machine)[0] as unknown;
  return steps.map((step) => {
    const event = eventOf(step, data.get(step.seq));
    const taken = (machine as Inspectable).getTransitionData?.(snapshot, event) ?? [];
    const next: unknown = transition(machine, snapshot as never, event as never)[0] as unknown;
    const result: StepTransition = {
      stateBefore: (snapshot as { value: unknown }).value,
      stateAfter: (next as { value: unknown }).value,
      targets: taken.flatMap((t) => (t.target ?? []).map((n) => n.id)),
      guards: taken.flatMap((t) => {
        const name = guardName(t.guard);
        return name === undefined ? [] : [name];
      }),
    };
    snapshot = next;
    return { ...step, transition: result };
  });
}

/** The event the machine received at a step: the envelope, or the effect's done / error event. */
function eventOf(step: ReasoningStep, raw: unknown): unknown {
  if (step.event.kind === 'message') return raw;
  const childId = step.event.key.slice(step.event.key.indexOf('/') + 1).replace(/@\d+$/, '');
  const outcome = (raw as { outcome: { ok: boolean; output?: unknown; error?: WireError } })
    .outcome;
  return outcome.ok
    ? { type: `xstate.done.actor.${childId}`, output: outcome.output, actorId: childId }
    : {
        type: `xstate.error.actor.${childId}`,
        error: RuntimeError.fromWire(outcome.error),
        actorId: childId,
      };
}
