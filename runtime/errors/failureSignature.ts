import { messageOf } from './messageOf.js';

/** Characters of an error message kept in a signature (the start says what went wrong). */
const MAX_MESSAGE_CHARS = 200;

/**
 * How a failure looks, for "the same input failing the same way" (poison): a RuntimeError's code,
 * whatever its message; otherwise the error's name and message with numbers blanked (ids, counts
 * and durations vary between attempts of the same bug), cut to 200 characters; a thrown
 * non-error is `typeof` and its string form, blanked alike.
 *
 * The one signature of a failure: the durable mailbox compares it across a message's deliveries,
 * the supervisors' poison detector across a child's failures on one input (adding who failed,
 * the message type, the payload and the failure class).
 *
 * @example
 * failureSignature(new TypeError('row 17 has no column 3')); // 'TypeError: row # has no column #'
 */
export function failureSignature(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_')) return code;
  }
  const name = error instanceof Error ? error.name : typeof error;
  const message = messageOf(error);
  return `${name}: ${message.replace(/\d+/g, '#').slice(0, MAX_MESSAGE_CHARS)}`;
}
