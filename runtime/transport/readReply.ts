import { decodeEnvelope, type CodecOptions, type Envelope } from '../codec/index.js';
import { ErrorCode, RuntimeError } from '../errors/index.js';

/**
 * What arrived on a request's reply subject, read by {@link readReply}:
 * - `no-responders`: nats-server's answer when nobody subscribes to the request's subject;
 * - `invalid`: bytes that do not decode or validate, with why;
 * - `reply`: the reply envelope (its `type` says whether it is a result or an error).
 */
export type ReplyReading =
  | { readonly kind: 'no-responders' }
  | { readonly kind: 'invalid'; readonly error: RuntimeError }
  | { readonly kind: 'reply'; readonly reply: Envelope };

/**
 * Reads one NATS message on a reply subject. The transport's reply inbox and ClusterClient both
 * read their replies here; each keeps its own policy for what to do with the outcome.
 *
 * @param options the decode limits. @default the codec's defaults
 */
export function readReply(
  msg: { readonly data: Uint8Array; readonly headers?: { readonly code: number } | undefined },
  options: CodecOptions = {},
): ReplyReading {
  // nats-server's "no responders": an empty message with status 503 on the reply subject.
  if (msg.data.length === 0 && msg.headers?.code === 503) return { kind: 'no-responders' };
  const decoded = decodeEnvelope(msg.data, options);
  return decoded.ok
    ? { kind: 'reply', reply: decoded.value }
    : { kind: 'invalid', error: decoded.error };
}

/**
 * The failure of a request nobody listens for (ERR_ACTOR_NOT_FOUND), at once rather than at its
 * deadline.
 */
export function noRespondersError(request: Pick<Envelope, 'to' | 'type' | 'id'>): RuntimeError {
  return new RuntimeError(ErrorCode.ActorNotFound, `No actor listens on ${request.to}`, {
    details: { to: request.to, type: request.type, id: request.id },
  });
}
