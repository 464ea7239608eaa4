import { ErrorCode, RuntimeError, formatPath } from '../errors/index.js';
import { decodeValue, encodeValue } from '../codec/index.js';
import { CheckpointSchema, type Checkpoint } from './Checkpoint.js';
import { JournalEventSchema, type JournalEvent } from './Journal.js';

/** Checkpoints larger than this are refused by default (under NATS's 1 MiB max payload). */
export const DEFAULT_MAX_CHECKPOINT_BYTES = 1_000_000;

/**
 * Encodes a checkpoint with the shared msgpackr configuration.
 *
 * @throws {RuntimeError} ERR_VALUE_TOO_LARGE over `maxBytes`; ERR_INVALID_MESSAGE when not encodable.
 */
export function encodeCheckpoint(
  checkpoint: Checkpoint,
  maxBytes = DEFAULT_MAX_CHECKPOINT_BYTES,
): Uint8Array {
  // Validated on write too: what a store accepts must read back (else every later read fails).
  refuseInvalid(CheckpointSchema, checkpoint, `Checkpoint of ${checkpoint.actor}`);
  const encoded = encodeValue(checkpoint, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!encoded.ok) throw encoded.error;
  if (encoded.value.byteLength > maxBytes) {
    throw new RuntimeError(
      ErrorCode.ValueTooLarge,
      `Checkpoint of ${checkpoint.actor} is ${encoded.value.byteLength} bytes, over the maximum of ${maxBytes}`,
      { details: { actor: checkpoint.actor, size: encoded.value.byteLength, maxBytes } },
    );
  }
  return encoded.value;
}

/**
 * Decodes and validates a checkpoint read from a store; with `actor`, also that it is that
 * actor's (a file moved between actor directories, or a raw KV write under another key, is not).
 *
 * @throws {RuntimeError} ERR_CORRUPT_DATA (with `details.where`) when it does not decode or
 *   validate, or belongs to another actor.
 */
export function decodeCheckpoint(bytes: Uint8Array, where: string, actor?: string): Checkpoint {
  const decoded = decodeValue(bytes, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!decoded.ok) {
    throw new RuntimeError(ErrorCode.CorruptData, `Checkpoint at ${where} does not decode`, {
      cause: decoded.error,
      details: { where },
    });
  }
  const checkpoint = validate(CheckpointSchema, decoded.value, `Checkpoint at ${where}`, where);
  if (actor !== undefined && checkpoint.actor !== actor) {
    throw new RuntimeError(
      ErrorCode.CorruptData,
      `Checkpoint at ${where} belongs to ${checkpoint.actor}, not ${actor}`,
      { details: { where, actor, found: checkpoint.actor } },
    );
  }
  return checkpoint;
}

/** Encodes a journal event. @throws ERR_VALUE_TOO_LARGE over `maxBytes`. */
export function encodeJournalEvent(
  event: JournalEvent,
  maxBytes = DEFAULT_MAX_CHECKPOINT_BYTES,
): Uint8Array {
  refuseInvalid(JournalEventSchema, event, `Journal event ${event.id}`);
  const encoded = encodeValue(event, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!encoded.ok) throw encoded.error;
  if (encoded.value.byteLength > maxBytes) {
    throw new RuntimeError(
      ErrorCode.ValueTooLarge,
      `Journal event ${event.id} is ${encoded.value.byteLength} bytes, over ${maxBytes}`,
      {
        details: { id: event.id, size: encoded.value.byteLength, maxBytes },
      },
    );
  }
  return encoded.value;
}

/** Decodes and validates a journal event. @throws ERR_CORRUPT_DATA */
export function decodeJournalEvent(bytes: Uint8Array, where: string): JournalEvent {
  const decoded = decodeValue(bytes, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!decoded.ok) {
    throw new RuntimeError(ErrorCode.CorruptData, `Journal event at ${where} does not decode`, {
      cause: decoded.error,
      details: { where },
    });
  }
  return validate(JournalEventSchema, decoded.value, `Journal event at ${where}`, where);
}

function validate<T>(
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };
  },
  value: unknown,
  what: string,
  where: string,
): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  throw new RuntimeError(
    ErrorCode.CorruptData,
    `${what} fails its schema: ${issues[0]?.path ?? ''} ${issues[0]?.message ?? ''}`,
    {
      details: { where, issues },
    },
  );
}

/** Refuses a record that would not read back: ERR_INVALID_MESSAGE naming the field. */
function refuseInvalid(
  schema: {
    safeParse(v: unknown): {
      success: boolean;
      error?: { issues: { path: PropertyKey[]; message: string }[] };
    };
  },
  value: unknown,
  what: string,
): void {
  const parsed = schema.safeParse(value);
  if (parsed.success) return;
  const issues = (parsed.error?.issues ?? []).map((i) => ({
    path: formatPath(i.path),
    message: i.message,
  }));
  throw new RuntimeError(
    ErrorCode.InvalidMessage,
    `${what} is invalid: ${issues[0]?.path ?? ''} ${issues[0]?.message ?? ''}`,
    {
      details: { issues },
    },
  );
}
