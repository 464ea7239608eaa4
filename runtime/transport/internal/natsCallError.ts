import {
  ClosedConnectionError,
  DrainingConnectionError,
  InvalidArgumentError,
} from '@nats-io/transport-node';
import { ErrorCode, RuntimeError, isRuntimeError, messageOf } from '../../errors/index.js';

/**
 * @internal Maps what the NATS client throws from publish or subscribe to a RuntimeError: a
 * closed or draining connection is ERR_CLOSED, a payload over the server's `max_payload` is
 * ERR_MESSAGE_TOO_LARGE, anything else (an invalid subject) ERR_INVALID_MESSAGE.
 */
export function natsCallError(op: string, subject: string, cause: unknown): RuntimeError {
  if (isRuntimeError(cause)) return cause;
  const message = messageOf(cause);
  const details = { op, subject };
  if (cause instanceof ClosedConnectionError || cause instanceof DrainingConnectionError) {
    return new RuntimeError(
      ErrorCode.Closed,
      `NATS connection is closed: cannot ${op} ${subject}`,
      {
        cause,
        details,
      },
    );
  }
  if (cause instanceof InvalidArgumentError && message.includes('max_payload')) {
    return new RuntimeError(
      ErrorCode.MessageTooLarge,
      `NATS refused to ${op} on ${subject}: ${message}`,
      { cause, details },
    );
  }
  return new RuntimeError(
    ErrorCode.InvalidMessage,
    `NATS refused to ${op} on ${subject}: ${message}`,
    {
      cause,
      details,
    },
  );
}
