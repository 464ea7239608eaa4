import { ReplyType, type Envelope } from '../codec/index.js';
import type { WireError } from '../errors/index.js';

/** Who a reply goes to and what it answers: the envelope fields of {@link replyEnvelope}. */
export interface ReplyAddress {
  /** The reply's own id (a fresh one: never the request's). */
  readonly id: string;
  /** The reply subject it is published to (`replyTo` of the request). */
  readonly to: string;
  /** The id of the request it answers; absent when the request's id is unknown or unusable. */
  readonly correlationId?: string | undefined;
  /** The actor that answers, when one does. */
  readonly from?: string | undefined;
}

/**
 * The reply envelope: `ReplyType.Ok` carrying `payload`, or `ReplyType.Error` carrying a wire
 * error (the asker rebuilds it with `RuntimeError.fromWire`). The one builder for every reply the
 * runtime sends, so an asker reads all replies the same way.
 *
 * @example
 * replyEnvelope({ id: 'r1', to: request.replyTo, correlationId: request.id }, { payload: 42 });
 * replyEnvelope({ id: 'r2', to: request.replyTo }, { error: error.toWire() });
 */
export function replyEnvelope(
  address: ReplyAddress,
  outcome: { readonly payload: unknown } | { readonly error: WireError },
): Envelope {
  const isError = 'error' in outcome;
  return {
    v: 1,
    id: address.id,
    type: isError ? ReplyType.Error : ReplyType.Ok,
    to: address.to,
    ...(address.from === undefined ? {} : { from: address.from }),
    ...(address.correlationId === undefined ? {} : { correlationId: address.correlationId }),
    payload: isError ? outcome.error : outcome.payload,
  };
}
