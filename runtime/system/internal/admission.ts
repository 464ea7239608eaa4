import type { z } from 'zod';
import type { Clock } from '../../clock/index.js';
import { type Envelope, encodedSize, messageExpiresAt } from '../../codec/index.js';
import { ErrorCode, RuntimeError } from '../../errors/index.js';
import type { DeadLetterReason } from '../DeadLetters.js';
import type { ActorStatus } from '../Lifecycle.js';
import type { OverflowPolicy } from '../Mailbox.js';

/**
 * Admission decisions of an actor cell, as pure functions: given the envelope and what the cell
 * knows (its name, schemas, limits, status, a clock reading), each returns whether the message is
 * admitted or refused, and with which dead-letter reason and error. Nothing here sends, logs or
 * throws: the cell acts on the decision (dead letter, error reply to an ask).
 */

/** A message refused: the dead-letter reason and the error an ask is answered with. */
export interface Refusal {
  readonly reason: DeadLetterReason;
  readonly error: RuntimeError;
  /**
   * Dead-lettered without an answer: the caller's answer comes from another copy (a redelivered
   * duplicate in the batch of its original, with the same reply address).
   */
  readonly unanswered?: boolean;
}

/** The decision on one message: the event the machine gets (payload as parsed), or a refusal. */
export type Admission =
  { readonly admit: true; readonly event: Envelope } | ({ readonly admit: false } & Refusal);

/** What {@link admit} reads of the cell. */
export interface AdmissionContext {
  /** The actor's name (for messages and details). */
  readonly actor: string;
  /** Payload schemas by message type; undefined: every type is accepted as it is. */
  readonly accepts: Readonly<Record<string, z.ZodType>> | undefined;
  /** The cell's clock: a deadline is judged on its monotonic time. */
  readonly clock: Pick<Clock, 'now' | 'monotonic'>;
}

function refused(reason: DeadLetterReason, error: RuntimeError): Admission {
  return { admit: false, reason, error };
}

/**
 * Checks deadline and payload schema. Never throws: a schema that throws (a broken refine, or a
 * recursive schema overflowing the stack on a deep payload) refuses the message with a code.
 */
export function admit(envelope: Envelope, context: AdmissionContext): Admission {
  const { actor, accepts, clock } = context;
  // A monotonic deadline on this clock (from the budget it arrived with), not a wall time set
  // by another machine's clock.
  const expiresAt = messageExpiresAt(envelope, clock as Clock);
  if (expiresAt !== undefined && expiresAt < clock.monotonic()) {
    return refused(
      'expired',
      new RuntimeError(
        ErrorCode.Timeout,
        `Message ${envelope.id} expired before ${actor} took it`,
        {
          details: { deadline: envelope.deadline, budgetMs: envelope.budgetMs },
        },
      ),
    );
  }
  if (accepts === undefined) return { admit: true, event: envelope };
  const schema = accepts[envelope.type];
  if (schema === undefined) {
    return refused(
      'unknown-type',
      new RuntimeError(
        ErrorCode.UnknownMessageType,
        `${actor} does not accept messages of type ${envelope.type}`,
        { details: { actor, type: envelope.type, accepts: Object.keys(accepts) } },
      ),
    );
  }
  let parsed: ReturnType<z.ZodType['safeParse']>;
  try {
    parsed = schema.safeParse(envelope.payload);
  } catch (cause) {
    return schemaThrew(envelope, actor, cause);
  }
  if (!parsed.success) {
    return refused(
      'invalid-message',
      new RuntimeError(
        ErrorCode.InvalidMessage,
        `Payload of ${envelope.type} for ${actor} is invalid: ${parsed.error.issues[0]?.message ?? ''}`,
        {
          details: {
            actor,
            type: envelope.type,
            issues: parsed.error.issues.map((i) => ({
              path: i.path.map(String),
              message: i.message,
            })),
          },
        },
      ),
    );
  }
  const event = parsed.data === envelope.payload ? envelope : { ...envelope, payload: parsed.data };
  return { admit: true, event };
}

/** A payload schema threw instead of answering: the message is refused, never the process. */
function schemaThrew(envelope: Envelope, actor: string, cause: unknown): Admission {
  // A RangeError here is the stack overflowing on a payload nested too deep for the schema.
  const overflow = cause instanceof RangeError;
  return refused(
    overflow ? 'malformed-message' : 'invalid-message',
    new RuntimeError(
      overflow ? ErrorCode.MalformedMessage : ErrorCode.InvalidMessage,
      overflow
        ? `Payload of ${envelope.type} for ${actor} nests too deep to validate`
        : `Payload schema of ${envelope.type} for ${actor} threw while validating`,
      { cause, details: { actor, type: envelope.type } },
    ),
  );
}

/**
 * A durable actor's one size and encodability check, before anything is journaled: the encoded
 * envelope must fit the journal's record (`maxBytes`, the record's overhead already taken off),
 * encode at all (no BigInt beyond 64 bits) and nest no deeper than the codec's bound. What passes
 * always journals; what does not is refused here with its code (ERR_MESSAGE_TOO_LARGE,
 * ERR_MALFORMED_MESSAGE), so a journal refusal can never fail the actor and blame a message that
 * was already acknowledged. Undefined: it fits.
 */
export function journalRefusal(
  envelope: Envelope,
  actor: string,
  maxBytes: number,
): Refusal | undefined {
  const size = encodedSize(envelope, { maxBytes });
  if (size.ok) return undefined;
  const { error } = size;
  return {
    reason: 'malformed-message',
    error: new RuntimeError(error.code, `${actor} refused ${envelope.type}: ${error.message}`, {
      cause: error,
      details: { ...error.details, actor, type: envelope.type },
    }),
  };
}

/**
 * A durable actor refuses a message id it already processed (or that repeats in one batch).
 * `unhandled`: its machine refused the processed one unhandled, so the retry gets that first
 * outcome, ERR_UNHANDLED (details `duplicate: true`), and a sender whose refusal reply was lost
 * never takes it for processed. `unanswered`: the original is in the same batch with the same
 * reply address, so its answer (not this refusal) is what the caller must get.
 */
export function duplicateRefusal(
  envelope: Envelope,
  actor: string,
  { unhandled = false, unanswered = false }: { unhandled?: boolean; unanswered?: boolean } = {},
): Refusal {
  if (unhandled) {
    return {
      reason: 'duplicate',
      error: new RuntimeError(
        ErrorCode.Unhandled,
        `${actor} refused ${envelope.id} already: no transition for ${envelope.type} in its state then`,
        { details: { actor, type: envelope.type, id: envelope.id, duplicate: true } },
      ),
    };
  }
  return {
    reason: 'duplicate',
    ...(unanswered ? { unanswered } : {}),
    error: new RuntimeError(
      ErrorCode.DuplicateMessage,
      `${actor} already processed ${envelope.id}`,
      { details: { actor, id: envelope.id } },
    ),
  };
}

/** A message for a cell that is no longer running (failed: its error is the cause). */
export function notRunningRefusal(
  envelope: Envelope,
  actor: string,
  status: Exclude<ActorStatus, 'running'>,
  failure: unknown,
): Refusal {
  const failed = status === 'failed';
  return {
    reason: failed ? 'failed-actor' : 'stopped-actor',
    error: new RuntimeError(
      failed ? ErrorCode.ActorFailed : ErrorCode.ActorStopped,
      `${actor} is ${status}; ${envelope.type} not delivered`,
      { details: { actor, status }, ...(failed ? { cause: failure } : {}) },
    ),
  };
}

/** The refusal of a message that found (or, with drop-oldest, was pushed out of) a full mailbox. */
export function mailboxFullRefusal(
  actor: string,
  capacity: number,
  policy: OverflowPolicy,
): Refusal {
  return {
    reason: 'mailbox-full',
    error: new RuntimeError(ErrorCode.MailboxFull, `Mailbox of ${actor} is full (${capacity})`, {
      details: { actor, capacity, policy },
    }),
  };
}
