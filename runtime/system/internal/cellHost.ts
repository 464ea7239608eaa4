import type { AnyActor, AnyActorLogic } from 'xstate';
import type { z } from 'zod';
import type { Clock } from '../../clock/index.js';
import type { Envelope } from '../../codec/index.js';
import type { RuntimeError } from '../../errors/index.js';
import type { BoundCounter, Logger } from '../../telemetry/index.js';
import type { Persister } from '../../persistence/index.js';
import type { Transport } from '../../transport/index.js';
import type { DeadLetterReason } from '../DeadLetters.js';
import type { LifecycleEvent } from '../Lifecycle.js';
import type { OverflowPolicy } from '../Mailbox.js';
import type { MessageMetrics } from './MessageMetrics.js';

/** What a cell needs from its system. */
export interface CellHost {
  readonly clock: Clock;
  readonly transport: Transport;
  nextId(): string;
  deadLetter(reason: DeadLetterReason, to: string, envelope: Envelope, error: RuntimeError): void;
  lifecycle(event: LifecycleEvent): void;
  readonly processed: BoundCounter;
  /** Counts and times each message that reached actor logic (internal/MessageMetrics.ts). */
  readonly messages: MessageMetrics;
  /**
   * Offers messages still queued when this incarnation ends to the system; true when it holds
   * them for the next incarnation (a supervisor restarting the actor), false to dead-letter them.
   */
  divert(name: string, envelopes: readonly Envelope[], failed: boolean): boolean;
  /** Called after each message reaches the logic, when anyone listens (observability taps). */
  delivered: ((actor: string, envelope: Envelope) => void) | undefined;
  /**
   * Called after a durable actor processed a message whose journal entry is written (what a
   * durable mailbox acknowledges on), when anyone listens. Not called when the message failed it.
   */
  journaled: ((actor: string, envelope: Envelope) => void) | undefined;
}

/** Settings of one cell. */
export interface CellSettings {
  readonly name: string;
  /** The `actor_kind` metrics label (template name or machine id). */
  readonly kind: string;
  readonly subject: string;
  readonly incarnation: number;
  readonly logic: AnyActorLogic;
  readonly accepts: Readonly<Record<string, z.ZodType>> | undefined;
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  readonly input: unknown;
  readonly snapshot: unknown;
  readonly logger: Logger;
  /** How many of the last delivered messages to keep for failure reports. */
  readonly recentCapacity: number;
  /** Durable actors: journaling, checkpoints, dedupe. */
  readonly persistence: Persister | undefined;
  /** The template's `attach`, bound to the incarnation's context. */
  readonly attach?: ((actor: AnyActor, replaying: () => boolean) => void) | undefined;
}
