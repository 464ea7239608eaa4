import { createHash } from 'node:crypto';
import { z } from 'zod';
import { EnvelopeSchema, decodeValue, encodeValue, type Envelope } from '../codec/index.js';
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
  /** The envelope, when it decoded (its `payload` left out when `cut`). */
  envelope: EnvelopeSchema.optional(),
  /**
   * The raw bytes, when it did not decode, or when the record is `cut`: then only their first
   * {@link DEAD_LETTER_PREFIX_BYTES}.
   */
  bytes: z.custom<Uint8Array>((b) => b instanceof Uint8Array).optional(),
  /** Size in bytes of the message as it arrived (letters with raw bytes, and cut letters). */
  size: z.number().int().nonnegative().optional(),
  /** SHA-256 (hex) of the message as it arrived (letters with raw bytes, and cut letters). */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /**
   * True when the whole message did not fit a record of the dead-letter stream: the record keeps
   * its size, hash and first bytes (and the envelope without its payload, when it decoded).
   */
  cut: z.literal(true).optional(),
});

/** Bytes of a message kept in a dead letter that could not hold all of it (`cut`). */
export const DEAD_LETTER_PREFIX_BYTES = 1024;

/** A message of the dead-letter stream. */
export type MailboxDeadLetter = Omit<z.output<typeof MailboxDeadLetterSchema>, 'envelope'> & {
  readonly envelope?: Envelope;
};

/**
 * The record of `letter` that fits `maxBytes` encoded: the letter itself, with the size and
 * SHA-256 of its raw bytes when it carries them; when that is too large, a cut record: size and
 * hash of the message as it arrived (`raw`, else the encoded envelope), its first
 * {@link DEAD_LETTER_PREFIX_BYTES}, the envelope without its payload. A message as large as the
 * server allows must still leave a record, or it stays in the work queue for ever.
 *
 * @throws {RuntimeError} ERR_MESSAGE_TOO_LARGE when even the cut record does not fit.
 * @internal
 */
export function fitDeadLetter(
  letter: MailboxDeadLetter,
  maxBytes: number,
  raw?: Uint8Array,
): { record: MailboxDeadLetter; bytes: Uint8Array } {
  const whole = letter.bytes === undefined ? letter : { ...letter, ...fingerprint(letter.bytes) };
  const encoded = encodeValue(whole, { maxBytes });
  if (encoded.ok) return { record: whole, bytes: encoded.value };
  if (encoded.error.code !== ErrorCode.MessageTooLarge) throw encoded.error;
  const source = raw ?? letter.bytes ?? encodedEnvelope(letter.envelope);
  const cut: MailboxDeadLetter = {
    ...letter,
    ...(letter.envelope === undefined
      ? {}
      : { envelope: { ...letter.envelope, payload: undefined } }),
    ...(source === undefined
      ? {}
      : { bytes: source.slice(0, DEAD_LETTER_PREFIX_BYTES), ...fingerprint(source) }),
    cut: true,
  };
  const small = encodeValue(cut, { maxBytes });
  if (!small.ok) throw small.error;
  return { record: cut, bytes: small.value };
}

function fingerprint(bytes: Uint8Array): { size: number; sha256: string } {
  return { size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
}

function encodedEnvelope(envelope: Envelope | undefined): Uint8Array | undefined {
  if (envelope === undefined) return undefined;
  const encoded = encodeValue(envelope, { maxBytes: Number.MAX_SAFE_INTEGER });
  return encoded.ok ? encoded.value : undefined;
}

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
