import type { AnyActor, AnyActorLogic } from 'xstate';
import type { z } from 'zod';
import type { Envelope } from '../codec/index.js';
import type { Logger, MetricsRegistry } from '../telemetry/index.js';
import type { Clock } from '../clock/index.js';
import type { WireError } from '../errors/index.js';
import type { CheckpointMigration, CheckpointPolicy, EffectLedger } from '../persistence/index.js';
import type { AskOptions, TellOptions } from './ActorSystem.js';
import type { ReplyAddress } from './respond.js';

/** What an actor's logic may use of the system that hosts it, bound to that actor as sender. */
export interface ActorContext {
  /** The actor's name. */
  readonly name: string;
  /** Incarnation number: 1 for the first spawn under this name, +1 for each respawn. */
  readonly incarnation: number;
  /** The actor's logger (bindings: actor, incarnation). */
  readonly logger: Logger;
  /** The system's clock (durable timers, deadlines). */
  readonly clock: Clock;
  /** The system's metrics registry (agents count their retries, fallbacks, breakers there). */
  readonly metrics: MetricsRegistry;
  /** The effect ledger of a durable actor (`spawnDurable`); undefined otherwise. */
  readonly ledger: EffectLedger | undefined;
  /** Writes a checkpoint now (durable actors; e.g. before an uncertain side effect). */
  checkpoint(): Promise<number>;
  /** Sends a message from this actor (at most once). */
  tell(to: string, type: string, payload?: unknown, options?: TellOptions): void;
  /** Asks from this actor; resolves with the reply payload. */
  ask(to: string, type: string, payload?: unknown, options?: AskOptions): Promise<unknown>;
  /** Fails this incarnation with `error`, as if its logic had thrown it (supervisors see `failed`). */
  fail(error: unknown): void;
  /** Answers a message (by its reply address) with a payload or an error. */
  reply(to: ReplyAddress, result: { payload?: unknown; error?: WireError }): void;
}

/**
 * A recipe for an actor: builds the XState logic of each incarnation and declares the messages
 * it accepts. `defineAgent` (agentvisor/actors) produces one; plain XState logic is wrapped in one.
 */
export interface ActorTemplate {
  /** The kind of actor it makes (an agent's name): the `actor_kind` label of its metrics. */
  readonly name?: string | undefined;
  /** Version of the logic (checkpoints record it). */
  readonly version?: number | string | undefined;
  /**
   * Payload schema of each accepted message type. When present, a message of another type or
   * whose payload fails its schema never reaches the machine: it goes to dead letters and an
   * `ask` is answered with ERR_UNKNOWN_MESSAGE_TYPE or ERR_INVALID_MESSAGE.
   */
  readonly accepts?: Readonly<Record<string, z.ZodType>> | undefined;
  /**
   * When durable incarnations checkpoint: `spawnDurable` uses it unless its persistence options
   * name a policy of their own.
   */
  readonly checkpoint?: CheckpointPolicy | undefined;
  /** Migrates checkpoints of other versions; `spawnDurable` uses it unless given one. */
  readonly migrate?: CheckpointMigration | undefined;
  /** Builds the logic of one incarnation. */
  createLogic(context: ActorContext): AnyActorLogic;
  /**
   * Called with each incarnation's XState actor once it is created, before it starts (agents
   * inspect it to count their tasks). `replaying` tells whether a durable actor is replaying its
   * journal (what it sees then happened before, and was counted then).
   */
  attach?(actor: AnyActor, context: ActorContext, replaying: () => boolean): void;
}

/** The event an actor's logic receives for each message: the envelope itself. */
export type MessageEvent<TType extends string = string, TPayload = unknown> = Envelope<
  TType,
  TPayload
>;

/** True when `value` is an {@link ActorTemplate} rather than bare XState logic. */
export function isActorTemplate(value: unknown): value is ActorTemplate {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { createLogic?: unknown }).createLogic === 'function'
  );
}
