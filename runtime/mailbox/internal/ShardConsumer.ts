import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { Clock } from '../../clock/index.js';
import { decodeEnvelope, type Envelope } from '../../codec/index.js';
import {
  ErrorCode,
  failureSignature,
  RuntimeError,
  toWireError,
  type WireError,
} from '../../errors/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { ActorSystem } from '../../system/index.js';
import { decodeToken } from '../../transport/index.js';
import type { MailboxDeadLetter, MailboxDeadLetterReason } from '../MailboxDeadLetter.js';
import type { MailboxSubjects } from '../shardOf.js';
import type { Settlement, Settlements } from './Settlements.js';

/** @internal What every shard consumer of one mailbox shares. */
export interface ConsumerContext {
  readonly js: JetStreamClient;
  readonly system: ActorSystem;
  readonly settlements: Settlements;
  readonly subjects: MailboxSubjects;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly nodeId: string;
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
  readonly maxAckPending: number;
  readonly retryDelayMs: number;
  readonly unknownActorDelayMs: number;
  readonly maxMessageBytes: number;
  /**
   * Publishes a dead letter durably (cut to fit when `raw`, the message as it arrived, is too
   * large for a record) and reports it; rejects when it could not be stored.
   */
  deadLetter(letter: MailboxDeadLetter, raw?: Uint8Array): Promise<void>;
}

/**
 * @internal Consumes one shard while this node owns it: each message is decoded, handed to the
 * local durable actor, kept alive with `working()` while it is processed, and acknowledged only
 * once the actor journaled and processed it (or refused it as a duplicate). Handing over happens
 * in delivery order, synchronously in the consume callback, so an actor sees its messages in
 * stream order on the happy path.
 */
export class ShardConsumer {
  readonly shard: number;
  readonly #ctx: ConsumerContext;
  readonly #inFlight = new Set<Promise<void>>();
  /** Messages handed to their actor and not settled yet (kept alive by the heartbeat). */
  readonly #working = new Set<JsMsg>();
  /**
   * How each message being retried failed so far on this node (stream sequence → signatures):
   * at the last allowed delivery, a message that failed the same way every time is poison.
   */
  readonly #failures = new Map<number, string[]>();
  #beating = false;
  #messages: ConsumerMessages | undefined;
  #stopped = false;

  constructor(ctx: ConsumerContext, shard: number) {
    this.#ctx = ctx;
    this.shard = shard;
  }

  /** Starts pulling from the shard's durable consumer. */
  async start(): Promise<void> {
    const { js, subjects, maxAckPending } = this.#ctx;
    const consumer = await js.consumers.get(subjects.stream, subjects.consumer(this.shard));
    if (this.#stopped) return;
    this.#messages = await consumer.consume({
      max_messages: Math.min(maxAckPending, 256),
      callback: (m) => {
        const work = this.#handle(m).catch((err: unknown) => {
          this.#ctx.logger.error({ err, shard: this.shard, seq: m.seq }, 'mailbox handler failed');
        });
        this.#inFlight.add(work);
        void work.finally(() => this.#inFlight.delete(work));
      },
    });
  }

  /** Stops pulling. Messages in progress are settled as their actors finish (or redelivered). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#failures.clear();
    const messages = this.#messages;
    this.#messages = undefined;
    if (messages !== undefined) await messages.close().catch(() => undefined);
  }

  /** Resolves when every message handed out so far is settled. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }

  // --- one message ---

  async #handle(m: JsMsg): Promise<void> {
    const ctx = this.#ctx;
    const deliveries = m.info.deliveryCount;
    const last = deliveries >= ctx.maxDeliver;
    const decoded = decodeEnvelope(m.data, { maxBytes: ctx.maxMessageBytes });
    const actorToken = m.subject.slice(m.subject.lastIndexOf('.') + 1);
    if (!decoded.ok) {
      await this.#deadLetter(m, 'malformed', decoded.error.toWire(), decodeToken(actorToken), {
        bytes: m.data,
      });
      return;
    }
    const envelope = decoded.value;
    if (ctx.subjects.message(this.shard, envelope.to) !== m.subject) {
      const error = new RuntimeError(
        ErrorCode.InvalidMessage,
        `Envelope for ${envelope.to} arrived on ${m.subject}`,
        { details: { to: envelope.to, subject: m.subject } },
      );
      await this.#deadLetter(m, 'malformed', error.toWire(), decodeToken(actorToken), {
        envelope,
      });
      return;
    }
    if (!ctx.system.isDurable(envelope.to)) {
      // Kept (not lost) while the actor may yet be placed here; dead-lettered at the bound.
      if (!last) {
        safely(() => {
          m.nak(ctx.unknownActorDelayMs);
        });
        return;
      }
      const error = new RuntimeError(
        ErrorCode.ActorNotFound,
        `No durable actor named ${envelope.to} on node ${ctx.nodeId} after ${String(deliveries)} deliveries`,
        { details: { name: envelope.to, deliveries } },
      );
      await this.#deadLetter(m, 'unknown-actor', error.toWire(), envelope.to, { envelope });
      return;
    }
    const settlement = await this.#process(m, envelope);
    await this.#conclude(m, envelope, settlement, last);
  }

  /** Hands the envelope over and keeps the message alive (`working`) until it is settled. */
  async #process(m: JsMsg, envelope: Envelope): Promise<Settlement> {
    const { settled } = this.#ctx.settlements.deliver(envelope);
    this.#working.add(m);
    this.#heartbeat();
    try {
      return await settled;
    } finally {
      this.#working.delete(m);
    }
  }

  /**
   * One timer per shard, not per message: every third of `ack_wait` while messages are being
   * processed, each says `working()` (the server restarts its ack timer), well before it runs out.
   */
  #heartbeat(): void {
    if (this.#beating) return;
    this.#beating = true;
    const { clock, ackWaitMs } = this.#ctx;
    const beat = () => {
      if (this.#working.size === 0) {
        this.#beating = false;
        return;
      }
      for (const m of this.#working) {
        safely(() => {
          m.working();
        });
      }
      clock.setTimeout(beat, Math.max(1, Math.floor(ackWaitMs / 3)));
    };
    clock.setTimeout(beat, Math.max(1, Math.floor(ackWaitMs / 3)));
  }

  async #conclude(
    m: JsMsg,
    envelope: Envelope,
    settlement: Settlement,
    last: boolean,
  ): Promise<void> {
    const ctx = this.#ctx;
    const deliveries = m.info.deliveryCount;
    const failures = this.#failures.get(m.seq) ?? [];
    this.#failures.delete(m.seq);
    switch (settlement.kind) {
      case 'processed':
      case 'duplicate':
        safely(() => {
          m.ack();
        });
        return;
      case 'abandoned':
        safely(() => {
          m.nak();
        });
        return;
      case 'refused':
        await this.#deadLetter(m, 'refused', settlement.error.toWire(), envelope.to, { envelope });
        return;
      case 'failed': {
        failures.push(failureSignature(settlement.error));
        if (!last) {
          this.#failures.set(m.seq, failures);
          safely(() => {
            m.nak(ctx.retryDelayMs);
          });
          return;
        }
        const ways = [...new Set(failures)];
        if (ways.length > 1) {
          // Not the same way each time (a flaky dependency, not a bad message): dead-lettered as
          // exhausted, with how it failed, and no poison escalation.
          const error = new RuntimeError(
            ErrorCode.DeliveryExhausted,
            `${envelope.type} ${envelope.id} failed ${envelope.to} in ${String(deliveries)} deliveries, in different ways: ${ways.join('; ')}`,
            {
              cause: settlement.error,
              details: { actor: envelope.to, deliveries, failures: ways },
            },
          );
          await this.#deadLetter(m, 'exhausted', toWireError(error), envelope.to, { envelope });
          return;
        }
        const error = new RuntimeError(
          ErrorCode.PoisonMessage,
          `${envelope.type} ${envelope.id} failed ${envelope.to} on delivery ${String(deliveries)}, the last allowed, the same way each time`,
          {
            cause: settlement.error,
            details: { actor: envelope.to, deliveries, failure: ways[0], seen: failures.length },
          },
        );
        await this.#deadLetter(m, 'poison', toWireError(error), envelope.to, { envelope });
        return;
      }
      case 'not-delivered': {
        if (!last) {
          if (failures.length > 0) this.#failures.set(m.seq, failures);
          safely(() => {
            m.nak(ctx.retryDelayMs);
          });
          return;
        }
        const error = new RuntimeError(
          ErrorCode.DeliveryExhausted,
          `${envelope.type} ${envelope.id} was not processed by ${envelope.to} in ${String(deliveries)} deliveries`,
          { cause: settlement.error, details: { actor: envelope.to, deliveries } },
        );
        await this.#deadLetter(m, 'exhausted', toWireError(error), envelope.to, { envelope });
        return;
      }
    }
  }

  /** Stores the dead letter, then acks; when it cannot be stored the message is retried instead. */
  async #deadLetter(
    m: JsMsg,
    reason: MailboxDeadLetterReason,
    error: WireError,
    actor: string,
    content: { envelope?: Envelope; bytes?: Uint8Array },
  ): Promise<void> {
    const ctx = this.#ctx;
    try {
      await ctx.deadLetter(
        {
          v: 1,
          reason,
          error,
          actor,
          shard: this.shard,
          deliveries: m.info.deliveryCount,
          streamSeq: m.seq,
          node: ctx.nodeId,
          at: ctx.clock.now(),
          ...content,
        },
        m.data,
      );
    } catch (err) {
      ctx.logger.error({ err, seq: m.seq }, 'could not store a mailbox dead letter; retrying');
      safely(() => {
        m.nak(ctx.retryDelayMs);
      });
      return;
    }
    safely(() => {
      m.ack();
    });
  }
}

/** Acks, naks and heartbeats on a closed connection throw: the server redelivers anyway. */
function safely(step: () => void): void {
  try {
    step();
  } catch {
    // The connection is gone: ack_wait expiry redelivers the message to the next owner.
  }
}
