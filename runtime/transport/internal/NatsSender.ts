import type { NatsConnection } from '@nats-io/transport-node';
import {
  EnvelopeLimits,
  ReplyType,
  encodeEnvelope,
  type CodecResult,
  type Envelope,
} from '../../codec/index.js';
import type { RuntimeError } from '../../errors/index.js';
import type { Logger } from '../../telemetry/index.js';
import { replyEnvelope } from '../replyEnvelope.js';
import { isPublishSubject, isReplyAddress, namespaceOf } from '../subjects.js';
import type { PublishOutcome } from '../Transport.js';
import { natsCallError } from './natsCallError.js';

/**
 * @internal The outgoing side of a NATS transport: encodes within the send limit (ours or the
 * server's `max_payload`, whichever is lower), stamps the subject's namespace, publishes without
 * throwing, and answers what cannot be sent or was refused with an error reply.
 */
export class NatsSender {
  readonly #nc: NatsConnection;
  readonly #maxBytes: number;
  readonly #logger: Logger;
  /** The transport's random id: the prefix of the ids of the refusals it answers. */
  readonly #id: string;
  #refusals = 0;

  constructor(nc: NatsConnection, settings: { maxBytes: number; logger: Logger; id: string }) {
    this.#nc = nc;
    this.#maxBytes = settings.maxBytes;
    this.#logger = settings.logger;
    this.#id = settings.id;
  }

  /** What one message may weigh on the way out: our limit or the server's, whichever is lower. */
  sendLimit(): number {
    const serverMax = this.#nc.info?.max_payload;
    return serverMax === undefined ? this.#maxBytes : Math.min(this.#maxBytes, serverMax);
  }

  /** Stamps the namespace of `subject` into `envelope` (see {@link stampNamespace}) and encodes it. */
  encode(subject: string, envelope: Envelope): CodecResult<Uint8Array> {
    stampNamespace(subject, envelope);
    return encodeEnvelope(envelope, { maxBytes: this.sendLimit() });
  }

  /** Publishes bytes; a publish the client refuses is logged and reported as `no-subscribers`. */
  send(subject: string, bytes: Uint8Array): PublishOutcome {
    try {
      this.#nc.publish(subject, bytes);
      return 'sent';
    } catch (cause) {
      const error = natsCallError('publish', subject, cause);
      this.#logger.warn({ err: error, subject, code: error.code }, 'NATS publish failed');
      return 'no-subscribers';
    }
  }

  /**
   * An envelope built here that cannot be encoded (too large, not encodable): nothing is sent and
   * the sender learns `no-subscribers`. A reply is replaced by an error reply carrying the reason,
   * so the asker fails at once rather than at its deadline.
   */
  refuseOutgoing(subject: string, envelope: Envelope, error: RuntimeError): PublishOutcome {
    this.#logger.warn(
      { err: error, code: error.code, subject, msgId: envelope.id, type: envelope.type },
      `envelope not sent: ${error.message}`,
    );
    if (envelope.type === ReplyType.Ok && envelope.correlationId !== undefined) {
      const fallback = encodeEnvelope(
        { ...envelope, type: ReplyType.Error, payload: error.toWire() },
        { maxBytes: this.sendLimit() },
      );
      if (fallback.ok) this.send(subject, fallback.value);
    }
    return 'no-subscribers';
  }

  /**
   * Answers a refused request with an error reply, whenever its reply subject can be published
   * to. The reply's own id is fresh (a request id near the length limit plus a suffix would fail
   * the schema, and the refusal would go unanswered); its `to` is the reply subject, cut to the
   * address limit (it is informational on a reply); `correlationId` is the request id when it has
   * one that fits. Like any reply, it goes only to a reply inbox or a subject of the namespace the
   * request arrived in (`namespace`), never into another namespace's actors.
   */
  answerRefusal(
    replyTo: string,
    requestId: string | undefined,
    error: RuntimeError,
    namespace: string | undefined,
  ): void {
    const usable =
      isPublishSubject(replyTo) &&
      (namespace === undefined || isReplyAddress(replyTo, `av.${namespace}`));
    if (!usable) {
      this.#logger.debug({ code: error.code }, 'refusal not answered: unusable reply subject');
      return;
    }
    const correlationId =
      requestId !== undefined && requestId.length <= EnvelopeLimits.idLength
        ? requestId
        : undefined;
    const reply = encodeEnvelope(
      replyEnvelope(
        {
          id: `${this.#id}.r${++this.#refusals}`,
          to: replyTo.slice(0, EnvelopeLimits.addressLength),
          correlationId,
        },
        { error: error.toWire() },
      ),
      { maxBytes: this.sendLimit() },
    );
    if (reply.ok) this.send(replyTo, reply.value);
    else this.#logger.warn({ code: reply.error.code }, 'refusal not answered: reply not encodable');
  }
}

/**
 * Writes the namespace of `subject` into an outgoing envelope (the transport owns the envelopes it
 * is given to send). Subjects outside the layout (reply inboxes) leave it as it is.
 */
function stampNamespace(subject: string, envelope: Envelope): void {
  const namespace = namespaceOf(subject);
  if (namespace !== undefined) (envelope as { ns?: string }).ns = namespace;
}
