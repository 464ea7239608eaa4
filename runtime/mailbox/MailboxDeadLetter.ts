import { z } from 'zod';
import { EnvelopeSchema, decodeValue, type Envelope } from '../codec/index.js';
import { ErrorCode, RuntimeError, type WireError } from '../errors/index.js';

/**
 * Why a reliably sent message went to the dead-letter stream:
 * - `malformed`: its bytes do not decode or validate as an envelope (ERR_MALFORMED_MESSAGE,
 *   ERR_INVALID_MESSAGE, ERR_MESSAGE_TOO_LARGE);
 * - `refused`: the actor refused it for good: expired, unknown type, invalid payload;
 * - `poison`: it failed its actor on its last allowed delivery (`maxDeliver`; the earlier ones
 *   were retried) (ERR_POISON_MESSAGE, the actor's failure as cause);
 * - `unknown-actor`: no durable actor of its name was hosted by the shard's owner on any
 *   delivery up to `maxDeliver` (ERR_ACTOR_NOT_FOUND);
 * - `exhausted`: its deliveries ran out for another reason: a stopped actor, a full mailbox, or
 *   deliveries the consumer never answered (ERR_DELIVERY_EXHAUSTED).
 */
export type MailboxDeadLetterReason =
  'malformed' | 'refused' | 'poison' | 'unknown-actor' | 'exhausted';

/** Current format version of a {@link MailboxDeadLetter}. */
export const MAILBOX_DEAD_LETTER_VERSION = 1;

/** A record of the dead-letter stream, as stored (msgpack) and as reported to listeners. */
export const MailboxDeadLetterSchema = z.strictObject({
  v: z.literal(MAILBOX_DEAD_LETTER_VERSION),
  reason: z.enum(['malformed', 'refused', 'poison', 'unknown-actor', 'exhausted']),
  /** The error, in wire form; for `poison`, ERR_POISON_MESSAGE with the actor's failure as cause. */
  error: z.custom<WireError>((e) => typeof e === 'object' && e !== null && 'code' in e),
  /** The receiving actor (decoded from the subject when the envelope is unreadable). */
  actor: z.string(),
  shard: z.number().int().nonnegative(),
  /** Deliveries the message had, this one included. */
  deliveries: z.number().int().nonnegative(),
  /** Sequence of the message in the mailbox stream. */
  streamSeq: z.number().int().nonnegative(),
  /** The node that dead-lettered it. */
  node: z.string(),
  /** Wall time, epoch ms. */
  at: z.number(),
  /** The envelope, when it decoded. */
  envelope: EnvelopeSchema.optional(),
  /** The raw bytes, when it did not. */
  bytes: z.custom<Uint8Array>((b) => b instanceof Uint8Array).optional(),
});

/** A message of the dead-letter stream. */
export type MailboxDeadLetter = Omit<z.output<typeof MailboxDeadLetterSchema>, 'envelope'> & {
  readonly envelope?: Envelope;
};

/**
 * Decodes and validates a message of the dead-letter stream.
 *
 * @throws {RuntimeError} ERR_CORRUPT_DATA when it does not decode or validate.
 */
export function decodeMailboxDeadLetter(bytes: Uint8Array): MailboxDeadLetter {
  const decoded = decodeValue(bytes, { maxBytes: Number.MAX_SAFE_INTEGER });
  const parsed = decoded.ok ? MailboxDeadLetterSchema.safeParse(decoded.value) : undefined;
  if (parsed?.success !== true) {
    throw new RuntimeError(ErrorCode.CorruptData, 'Mailbox dead letter does not decode', {
      ...(decoded.ok
        ? { details: { issues: parsed?.error.issues.map((i) => i.message) } }
        : { cause: decoded.error }),
    });
  }
  return parsed.data as MailboxDeadLetter;
}
