import type { Clock } from '../../clock/index.js';
import { ErrorCode } from '../../errors/index.js';
import type { Disposable, Transport } from '../../transport/index.js';
import type { DeadLetters } from '../DeadLetters.js';

/**
 * Sends bytes from outside the process that fail to decode or validate to dead letters, so they
 * never reach an actor: `invalid-message`, `foreign-namespace`, else `malformed-message`.
 */
export function deadLetterRejected(
  transport: Transport,
  deadLetters: DeadLetters,
  clock: Clock,
): Disposable {
  return transport.onRejected(({ subject, error, bytes }) => {
    deadLetters.publish({
      reason:
        error.code === ErrorCode.InvalidMessage
          ? 'invalid-message'
          : error.code === ErrorCode.ForeignNamespace
            ? 'foreign-namespace'
            : 'malformed-message',
      to: subject,
      bytes,
      error,
      at: clock.now(),
    });
  });
}
