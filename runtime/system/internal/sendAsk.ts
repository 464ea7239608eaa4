import { stampSendDeadline } from '../../codec/index.js';
import { askOptionsError } from '../MessageOptions.js';
import type { ActorTable } from './ActorTable.js';
import { createEnvelope } from './createEnvelope.js';
import type { AskOptions } from './systemOptions.js';
import { unwrapReply } from './systemRefs.js';

/**
 * The body of `ActorSystem.ask`: checks the options, stamps what is left of the budget
 * (`askTimeoutMs`, or the caller's earlier `deadline`) on the envelope, and requests over the
 * transport; resolves with the reply's payload or rejects with the error it carries.
 */
export function sendAsk(
  table: ActorTable,
  to: string,
  type: string,
  payload: unknown,
  options: AskOptions,
): Promise<unknown> {
  const invalid = askOptionsError(options);
  if (invalid !== undefined) return Promise.reject(invalid);
  const { clock } = table;
  const timeoutMs = options.timeoutMs ?? table.config.askTimeoutMs;
  const now = clock.now();
  // What is left of the budget goes on the wire (`budgetMs`), not the wall time it ends at.
  const remaining =
    options.deadline === undefined ? timeoutMs : Math.min(timeoutMs, options.deadline - now);
  const envelope = createEnvelope(table, to, type, payload, options);
  stampSendDeadline(envelope, clock, remaining);
  const deadline = Math.floor(now + Math.max(0, remaining));
  const request = table.transport.request(
    table.router.subject(to),
    envelope,
    options.signal === undefined ? { deadline } : { deadline, signal: options.signal },
  );
  return request.then(unwrapReply);
}
