import type { Clock } from '../../clock/index.js';
import { type Envelope, stampSendDeadline } from '../../codec/index.js';
import type { TellOptions } from './systemOptions.js';

/** An envelope its sender may still stamp (a deadline, a reply subject) before it leaves. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Builds the envelope of a `tell` or `ask` from this system: a fresh id unless the caller names
 * one, the sender's correlation, causation and trace ids, and the remaining budget of a caller's
 * wall-clock `deadline` (`budgetMs`).
 */
export function createEnvelope(
  deps: { readonly clock: Clock; nextId(): string },
  to: string,
  type: string,
  payload: unknown,
  options: TellOptions | undefined,
): Mutable<Envelope> {
  const envelope: Mutable<Envelope> = {
    v: 1,
    id: options?.id ?? deps.nextId(),
    type,
    to,
    payload,
  };
  if (options !== undefined) {
    if (options.from !== undefined) envelope.from = options.from;
    if (options.correlationId !== undefined) envelope.correlationId = options.correlationId;
    if (options.causationId !== undefined) envelope.causationId = options.causationId;
    if (options.traceparent !== undefined) envelope.traceparent = options.traceparent;
    if (options.deadline !== undefined)
      stampSendDeadline(envelope, deps.clock, options.deadline - deps.clock.now());
  }
  return envelope;
}
