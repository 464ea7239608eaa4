import type { Msg } from '@nats-io/transport-node';
import { EnvelopeLimits, decodeEnvelope, type Envelope } from '../../codec/index.js';
import { ErrorCode, RuntimeError } from '../../errors/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { EnvelopeHandler } from '../Transport.js';
import { foreignNamespaceError } from './foreignNamespaceError.js';
import type { NatsSender } from './NatsSender.js';
import type { RejectedFeed } from './RejectedFeed.js';

/** @internal What {@link deliverNatsMessage} needs of its transport. */
export interface DeliveryContext {
  /** Largest message accepted off the wire. */
  readonly maxBytes: number;
  readonly logger: Logger;
  readonly rejected: RejectedFeed;
  readonly sender: NatsSender;
}

/**
 * @internal A message on a subscribed subject: decoded and validated, then handed over. A message
 * that does not decode, is addressed to another namespace than `namespace` (the subject's), or
 * names a reply subject no reply envelope could carry is refused: reported, and answered with an
 * error reply when it asks. Never throws (the NATS client calls it from its parser).
 */
export function deliverNatsMessage(
  context: DeliveryContext,
  subject: string,
  msg: Msg,
  handler: EnvelopeHandler,
  namespace: string | undefined,
): void {
  const data = msg.data;
  const plainReply = msg.reply === undefined || msg.reply === '' ? undefined : msg.reply;
  const decoded = decodeEnvelope(data, { maxBytes: context.maxBytes });
  if (!decoded.ok) {
    // Refused, and answered when the request names a reply subject: its asker learns why at
    // once instead of at its deadline.
    context.rejected.report(subject, decoded.error, data);
    if (plainReply !== undefined)
      context.sender.answerRefusal(plainReply, undefined, decoded.error, namespace);
    return;
  }
  const envelope = decoded.value;
  const foreign = foreignNamespaceError(subject, envelope, namespace);
  if (foreign !== undefined) {
    refuseForeign(context, subject, msg, envelope, foreign, namespace);
    return;
  }
  // A plain NATS request (`nc.request`, `nats req`) carries its reply subject outside the
  // envelope.
  if (envelope.replyTo === undefined && plainReply !== undefined) {
    if (plainReply.length > EnvelopeLimits.addressLength) {
      // No reply envelope could carry it: refuse with a code rather than answer nothing.
      const error = new RuntimeError(
        ErrorCode.InvalidMessage,
        `Reply subject of ${envelope.id} is ${plainReply.length} characters, over the limit of ${EnvelopeLimits.addressLength}`,
        {
          details: {
            id: envelope.id,
            field: 'replyTo',
            length: plainReply.length,
            limit: EnvelopeLimits.addressLength,
          },
        },
      );
      context.rejected.report(subject, error, data);
      context.sender.answerRefusal(plainReply, envelope.id, error, namespace);
      return;
    }
    envelope.replyTo = plainReply;
  }
  try {
    handler(envelope);
  } catch (err) {
    context.logger.error({ err, subject, msgId: envelope.id }, 'envelope handler threw');
  }
}

/**
 * An envelope addressed in another namespace than the subject it arrived on: refused, reported,
 * and an ask answered with the error at once (its asker would otherwise wait for its deadline).
 * The answer stays in the namespace the request arrived in (`namespace`).
 */
function refuseForeign(
  context: DeliveryContext,
  subject: string,
  msg: Msg,
  envelope: Envelope,
  error: RuntimeError,
  namespace: string | undefined,
): void {
  context.rejected.report(subject, error, msg.data);
  const replyTo = envelope.replyTo ?? (msg.reply === '' ? undefined : msg.reply);
  if (replyTo !== undefined) context.sender.answerRefusal(replyTo, envelope.id, error, namespace);
}
