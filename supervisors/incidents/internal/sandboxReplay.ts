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

/** A recorded step the sandbox replays: a message, or an effect's outcome for an invoked child. */
export type ReplayStep =
  | { readonly kind: 'message'; readonly seq: number; readonly envelope: unknown }
  | {
      readonly kind: 'outcome';
      readonly seq: number;
      readonly child: string;
      readonly effect: string;
      readonly ok: boolean;
      readonly output: unknown;
      readonly error: WireError | undefined;
    };

/** One suspect changed for a counterfactual replay. */
export type ReplayChange =
  /** The message at `seq` is not delivered. */
  | { readonly kind: 'drop-message'; readonly seq: number }
  /**
   * From `seq` on, every outcome of `effect` is the healthy answer `output` (a recorded failure
   * replaced by a success, a garbage answer substituted by a good one).
   */
  | {
      readonly kind: 'repair-effect';
      readonly seq: number;
      readonly effect: string;
      readonly output: unknown;
    };

/** How a replay ended. */
export type ReplayOutcome = 'failed' | 'ok' | 'incomplete';

/** What a sandbox replay did. */
export interface ReplayResult {
  readonly outcome: ReplayOutcome;
  /** Events delivered to the machine. */
  readonly steps: number;
  /** Effects answered from the ledger because the journal held no outcome for them. */
  readonly simulatedEffects: number;
  /** Effects actually performed: always 0 (pure transitions start nothing). */
  readonly realEffects: 0;
  /** The machine's state value at the end. */
  readonly finalState: unknown;
}

/** The recorded steps of a journal, with each outcome's invoked child id and effect. */
export function replayStepsOf(entries: readonly JournalEntry[]): ReplayStep[] {
  const steps: ReplayStep[] = [];
  for (const { seq, event } of entries) {
    const data = (event.data ?? {}) as Record<string, unknown>;
    if (event.kind === 'message') steps.push({ kind: 'message', seq, envelope: data });
    if (event.kind !== 'effect-outcome' || typeof data['key'] !== 'string') continue;
    const key = data['key'];
    const outcome = (data['outcome'] ?? {}) as {
      ok?: unknown;
      output?: unknown;
      error?: WireError;
    };
    steps.push({
      kind: 'outcome',
      seq,
      child: key.slice(key.indexOf('/') + 1).replace(/@\d+$/, ''),
      effect: typeof data['effect'] === 'string' ? data['effect'] : '',
      ok: outcome.ok === true,
      output: outcome.output,
      error: outcome.error,
    });
  }
  return steps;
}

/** A context for building logic that only computes transitions: it refuses to send anything. */
function sandboxContext(actor: string): ActorContext {
  const refuse = (): never => {
    throw new RuntimeError(ErrorCode.InvalidOptions, 'a diagnosis replay sends nothing');
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

/** The machine of a defineAgent template or plain XState logic. */
export function machineOf(actor: string, logic: ActorTemplate | AnyStateMachine): AnyActorLogic {
  return isActorTemplate(logic) ? logic.createLogic(sandboxContext(actor)) : logic;
}

interface Snapshot {
  readonly status: string;
  readonly value: unknown;
  readonly children: Readonly<Record<string, unknown>>;
}

function effectEvent(
  child: string,
  ok: boolean,
  output: unknown,
  error: WireError | undefined,
): unknown {
  return ok
    ? { type: `xstate.done.actor.${child}`, output, actorId: child }
    : {
        type: `xstate.error.actor.${child}`,
        error: RuntimeError.fromWire(error ?? { code: 'ERR_UNKNOWN', message: 'failed' }),
        actorId: child,
      };
}

/**
 * Replays `steps` through `machine` in a sandbox, from its initial state, with `change` applied:
 * XState's pure `transition` computes each next state and starts no invoked effect, so nothing
 * real runs. Messages are delivered in journal order; a recorded outcome is delivered when its
 * child is invoked (a trajectory that diverged leaves it undelivered); once the journal is spent,
 * children still invoked are answered from the ledger (`healthy`: the last good output recorded
 * for that child), counted as simulated. `isFailed` decides the outcome at the end.
 */
export function sandboxReplay(
  machine: AnyActorLogic,
  steps: readonly ReplayStep[],
  change: ReplayChange | undefined,
  options: {
    readonly healthy: ReadonlyMap<string, unknown>;
    readonly isFailed: (snapshot: unknown) => boolean;
    readonly maxSteps: number;
  },
): ReplayResult {
  let snapshot = initialTransition(machine)[0] as unknown as Snapshot;
  let delivered = 0;
  let simulated = 0;
  const deliver = (event: unknown): void => {
    const next: unknown = transition(machine, snapshot as never, event as never)[0] as unknown;
    snapshot = next as Snapshot;
    delivered++;
  };
  for (const step of steps) {
    if (snapshot.status !== 'active' || delivered >= options.maxSteps) break;
    if (step.kind === 'message') {
      if (change?.kind === 'drop-message' && change.seq === step.seq) continue;
      deliver(step.envelope);
      continue;
    }
    if (!(step.child in snapshot.children)) continue;
    const repaired =
      change?.kind === 'repair-effect' && step.effect === change.effect && step.seq >= change.seq;
    deliver(
      repaired
        ? effectEvent(step.child, true, change.output, undefined)
        : effectEvent(step.child, step.ok, step.output, step.error),
    );
  }
  while (snapshot.status === 'active' && delivered < options.maxSteps) {
    const child = Object.keys(snapshot.children).find((id) => options.healthy.has(id));
    if (child === undefined) break;
    simulated++;
    deliver(effectEvent(child, true, options.healthy.get(child), undefined));
  }
  const pending = Object.keys(snapshot.children).length > 0 && snapshot.status === 'active';
  const outcome: ReplayOutcome = options.isFailed(snapshot)
    ? 'failed'
    : delivered >= options.maxSteps || pending
      ? 'incomplete'
      : 'ok';
  return {
    outcome,
    steps: delivered,
    simulatedEffects: simulated,
    realEffects: 0,
    finalState: snapshot.value,
  };
}
