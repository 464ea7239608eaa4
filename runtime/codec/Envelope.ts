import { z } from 'zod';

/** Current envelope format version. */
export const ENVELOPE_VERSION = 1;

/** Upper bounds of envelope header fields (the payload is bounded by the encoded size). */
export const EnvelopeLimits = {
  idLength: 128,
  typeLength: 256,
  addressLength: 1024,
  traceparentLength: 128,
} as const;

/**
 * The envelope of every message (DESIGN.md "The message"), as the zod schema that guards every
 * boundary: bytes off the wire, records out of a store, messages injected from outside the process.
 *
 * - `budgetMs` is the deadline on the wire: the budget left when the message was sent. Wall
 *   clocks of two machines disagree (a node 2 s fast would expire every message early), so the
 *   receiver turns it into a monotonic deadline of its own on receipt (gRPC's `grpc-timeout`).
 * - `deadline` is the same instant as wall-clock epoch ms, on the clock of the process holding
 *   the envelope (rewritten on receipt from `budgetMs`); an envelope with only a `deadline` (from
 *   before `budgetMs`, or a durable mailbox's `sendReliable`) is judged by it as before.
 * - `replyTo` is the subject an `ask` reply goes to; `correlationId` ties a reply to its request.
 */
export const EnvelopeSchema = z.strictObject({
  /** Envelope format version. */
  v: z.literal(ENVELOPE_VERSION),
  /** Unique message id; the receiver deduplicates on it. */
  id: z.string().min(1).max(EnvelopeLimits.idLength),
  /** Message type; the receiving agent declares a payload schema per type. */
  type: z.string().min(1).max(EnvelopeLimits.typeLength),
  /** Name of the receiving actor (or the reply subject for replies). */
  to: z.string().min(1).max(EnvelopeLimits.addressLength),
  /**
   * Namespace the envelope is addressed in: the namespace token of the subject it was sent on
   * (`av.<namespace>.…`), set by the NATS transport. A node refuses an envelope whose `ns` is not
   * the namespace of the subject it arrives on (ERR_FOREIGN_NAMESPACE).
   */
  ns: z.string().min(1).max(EnvelopeLimits.addressLength).optional(),
  /** Name of the sending actor, when sent by one. */
  from: z.string().min(1).max(EnvelopeLimits.addressLength).optional(),
  /** Subject the reply of an `ask` goes to. */
  replyTo: z.string().min(1).max(EnvelopeLimits.addressLength).optional(),
  /** Id of the request this message answers, or of the conversation it belongs to. */
  correlationId: z.string().min(1).max(EnvelopeLimits.idLength).optional(),
  /** Id of the message that caused this one. */
  causationId: z.string().min(1).max(EnvelopeLimits.idLength).optional(),
  /** W3C trace context. */
  traceparent: z.string().min(1).max(EnvelopeLimits.traceparentLength).optional(),
  /** Absolute deadline, epoch ms on the holding process's wall clock; every hop below gets what is left of it. */
  deadline: z.number().int().nonnegative().optional(),
  /** Budget left when the message was sent, ms: the deadline that crosses machines. */
  budgetMs: z.number().int().nonnegative().optional(),
  /** Delivery attempt, 1 for the first. */
  attempt: z.number().int().positive().optional(),
  /** The message body, validated by the receiver's schema for `type`. */
  payload: z.unknown(),
});

/** A message envelope. Also the XState event an agent receives: `event.type`, `event.payload`. */
export type Envelope<TType extends string = string, TPayload = unknown> = Omit<
  z.output<typeof EnvelopeSchema>,
  'type' | 'payload'
> & { readonly type: TType; readonly payload: TPayload };

/** Reserved message types of the runtime itself (replies to `ask`). */
export const ReplyType = {
  /** A successful reply; `payload` is the answer. */
  Ok: 'agentvisor.reply',
  /** An error reply; `payload` is a `WireError`. */
  Error: 'agentvisor.error',
} as const;
