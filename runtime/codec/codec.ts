import { Packr } from 'msgpackr';
import { ErrorCode, RuntimeError, formatPath, messageOf } from '../errors/index.js';
import { EnvelopeSchema, type Envelope } from './Envelope.js';
import { exceedsDepth } from './exceedsDepth.js';
import { isEnvelope } from './isEnvelope.js';

/** 1 MiB: the default `max_payload` of nats-server, so a message that encodes fits on the wire. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Deepest nesting of arrays and maps accepted in a message's payload (64). Far beyond what a
 * tool call or a model answer nests, and far below what a recursive schema (`z.json()`,
 * `z.lazy`) can walk before the stack overflows (~2,500 levels kill the process).
 */
export const DEFAULT_MAX_DEPTH = 64;

/**
 * The one msgpackr configuration of agentvisor (reference/xstate-nats.md §C):
 * standard MessagePack maps, decoded as plain objects so zod can validate them; integers within
 * ±2^53 decoded as numbers; `toJSON` ignored so durable state is encoded as it is.
 */
export const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  // 'auto' is supported by msgpackr's unpacker (unpack.js) but missing from its type declaration.
  int64AsType: 'auto' as 'number',
  useToJSON: false,
});

/** The outcome of a codec call: nothing is thrown past the codec. */
export type CodecResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: RuntimeError };

/** Options of the codec functions. */
export interface CodecOptions {
  /** Largest encoded message accepted, in bytes. @default 1_048_576 */
  maxBytes?: number;
  /**
   * Deepest nesting of arrays and maps accepted: in an envelope's payload (`decodeEnvelope`,
   * `encodedSize`), or in the whole value (`decodeValue`, only when given). Deeper is
   * ERR_MALFORMED_MESSAGE. @default 64 (envelopes); unbounded (`decodeValue`)
   */
  maxDepth?: number;
}

/** Encodes any msgpack-able value with the shared configuration. */
export function encodeValue(value: unknown, options: CodecOptions = {}): CodecResult<Uint8Array> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  let bytes: Uint8Array;
  try {
    bytes = packr.pack(value);
  } catch (cause) {
    return fail(ErrorCode.InvalidMessage, `Value cannot be encoded: ${reason(cause)}`, { cause });
  }
  if (bytes.byteLength > maxBytes) {
    return fail(
      ErrorCode.MessageTooLarge,
      `Encoded message is ${bytes.byteLength} bytes, over the maximum of ${maxBytes}`,
      { details: { size: bytes.byteLength, maxBytes } },
    );
  }
  return { ok: true, value: bytes };
}

/** Decodes bytes with the shared configuration; the size is checked before decoding. */
export function decodeValue(bytes: Uint8Array, options: CodecOptions = {}): CodecResult<unknown> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (!(bytes instanceof Uint8Array)) {
    return fail(ErrorCode.MalformedMessage, 'Message is not a byte array');
  }
  if (bytes.byteLength > maxBytes) {
    return fail(
      ErrorCode.MessageTooLarge,
      `Message is ${bytes.byteLength} bytes, over the maximum of ${maxBytes}; refused before decoding`,
      { details: { size: bytes.byteLength, maxBytes } },
    );
  }
  if (bytes.byteLength === 0) return fail(ErrorCode.MalformedMessage, 'Message is empty');
  let value: unknown;
  try {
    value = packr.unpack(bytes) as unknown;
  } catch (cause) {
    // Truncated data, trailing bytes, length bombs and deep nesting (RangeError) all land here.
    return fail(ErrorCode.MalformedMessage, `Message does not decode: ${reason(cause)}`, { cause });
  }
  if (options.maxDepth !== undefined && exceedsDepth(value, options.maxDepth)) {
    return tooDeep('Message', options.maxDepth);
  }
  return { ok: true, value };
}

/**
 * The encoded size of a value that is checked before it is kept (a message a durable actor is
 * about to journal): ERR_MALFORMED_MESSAGE when its payload nests deeper than `maxDepth` or it
 * cannot be encoded at all (a BigInt beyond 64 bits, a function), ERR_MESSAGE_TOO_LARGE over
 * `maxBytes`. The depth is judged first, so the encoder's recursion never meets a hostile depth.
 */
export function encodedSize(envelope: Envelope, options: CodecOptions = {}): CodecResult<number> {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (exceedsDepth(envelope.payload, maxDepth)) return tooDeep('Payload', maxDepth);
  let bytes: Uint8Array;
  try {
    bytes = packr.pack(envelope);
  } catch (cause) {
    return fail(ErrorCode.MalformedMessage, `Message cannot be encoded: ${reason(cause)}`, {
      cause,
    });
  }
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (bytes.byteLength > maxBytes) {
    return fail(
      ErrorCode.MessageTooLarge,
      `Encoded message is ${bytes.byteLength} bytes, over the maximum of ${maxBytes}`,
      { details: { size: bytes.byteLength, maxBytes } },
    );
  }
  return { ok: true, value: bytes.byteLength };
}

/**
 * Validates an unknown value as an {@link Envelope}. A valid envelope is checked by hand
 * ({@link isEnvelope}) and returned as a shallow copy, as the schema's parse would (callers may
 * keep the input, a stored record for one); anything else goes through `EnvelopeSchema`, whose
 * issues make the error. The codec's own hot paths call `isEnvelope` and copy nothing.
 */
export function validateEnvelope(value: unknown): CodecResult<Envelope> {
  if (isEnvelope(value)) return { ok: true, value: { ...value } };
  const parsed = EnvelopeSchema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  const first = issues[0];
  const where =
    first === undefined ? '' : `${first.path === '' ? '' : `${first.path}: `}${first.message}`;
  return fail(ErrorCode.InvalidMessage, `Invalid envelope: ${where}`, { details: { issues } });
}

/** Encodes an envelope (validated first, so nothing malformed leaves the process). */
export function encodeEnvelope(
  envelope: Envelope,
  options: CodecOptions = {},
): CodecResult<Uint8Array> {
  // The common case (a valid envelope) skips the intermediate result object.
  if (isEnvelope(envelope)) return encodeValue(envelope, options);
  const valid = validateEnvelope(envelope);
  if (!valid.ok) return valid;
  return encodeValue(valid.value, options);
}

/**
 * Decodes and validates an envelope: `ERR_MESSAGE_TOO_LARGE`, `ERR_MALFORMED_MESSAGE` (also for a
 * payload nested deeper than `maxDepth`) or `ERR_INVALID_MESSAGE` on failure.
 */
export function decodeEnvelope(
  bytes: Uint8Array,
  options: CodecOptions = {},
): CodecResult<Envelope> {
  const { maxDepth = DEFAULT_MAX_DEPTH, ...rest } = options;
  const decoded = decodeValue(bytes, rest);
  if (!decoded.ok) return decoded;
  const value = decoded.value;
  // Reuse the decode result for a valid envelope: one allocation less per message.
  const valid = isEnvelope(value) ? (decoded as CodecResult<Envelope>) : validateEnvelope(value);
  // Bounded here, before any schema walks it: a recursive payload schema would overflow the stack.
  if (valid.ok && exceedsDepth(valid.value.payload, maxDepth)) return tooDeep('Payload', maxDepth);
  return valid;
}

function fail(
  code: ErrorCode,
  message: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): { ok: false; error: RuntimeError } {
  return { ok: false, error: new RuntimeError(code, message, options) };
}

function tooDeep(what: string, maxDepth: number): { ok: false; error: RuntimeError } {
  return fail(ErrorCode.MalformedMessage, `${what} nests deeper than ${maxDepth} levels`, {
    details: { maxDepth },
  });
}

function reason(cause: unknown): string {
  return messageOf(cause);
}
