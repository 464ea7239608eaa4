import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Clock } from '../../clock/index.js';
import type { Envelope } from '../../codec/index.js';
import { ErrorCode, RuntimeError } from '../../errors/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { RequestOptions } from '../Transport.js';
import { noRespondersError, readReply } from '../readReply.js';
import { encodeToken } from '../subjects.js';
import { natsCallError } from './natsCallError.js';
import type { NatsSender } from './NatsSender.js';
import { PendingRequests } from './PendingRequests.js';

/** @internal Settings of a {@link ReplyInbox}. */
export interface ReplyInboxSettings {
  /** `<inboxPrefix>.<transport id>.`; the inbox subscribes to it plus `*`. */
  readonly prefix: string;
  readonly maxBytes: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Encodes requests (namespace stamp, send limit). */
  readonly sender: NatsSender;
  /** Told of each reply that arrived but does not decode or validate. */
  readonly onRejected: (subject: string, error: RuntimeError, bytes: Uint8Array) => void;
}

/**
 * @internal The request side of a NATS transport: sends each request with its reply subject, and
 * holds one wildcard subscription for the replies of all its requests (a mux inbox, instead of nats.js's `request` per call), each request's reply
 * subject being the prefix plus a token of its id. What arrives there settles the request:
 * - nats-server's "no responders" status (503, empty body): ERR_ACTOR_NOT_FOUND at once;
 * - bytes that do not decode or validate: reported, and the request fails with why;
 * - an envelope: the reply, unless its `correlationId` names another request (dropped).
 * Anything for a request that already ended (deadline, abort, close) is dropped.
 */
export class ReplyInbox {
  readonly prefix: string;
  readonly #settings: ReplyInboxSettings;
  readonly #nc: NatsConnection;
  readonly #sub: Subscription;
  readonly #pending: PendingRequests;

  /** @throws {RuntimeError} ERR_CLOSED when the connection is closed or draining. */
  constructor(nc: NatsConnection, settings: ReplyInboxSettings) {
    this.prefix = settings.prefix;
    this.#settings = settings;
    this.#nc = nc;
    this.#pending = new PendingRequests(settings.clock);
    try {
      this.#sub = nc.subscribe(`${settings.prefix}*`, { callback: this.#onMessage });
    } catch (cause) {
      throw natsCallError('subscribe', `${settings.prefix}*`, cause);
    }
  }

  /** The NATS subscription (drained or closed with the transport). */
  get subscription(): Subscription {
    return this.#sub;
  }

  /** Requests waiting for a reply. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Sends a request with this inbox as its reply subject and waits for the reply. The caller has
   * checked the transport is open, the deadline usable and the signal not aborted.
   *
   * @throws nothing: rejects with ERR_INVALID_MESSAGE when a request with the same id waits, the
   *   encoding error when the envelope cannot be sent, the publish error mapped by natsCallError.
   */
  request(subject: string, envelope: Envelope, options: RequestOptions): Promise<Envelope> {
    // Ids the system makes are token-safe and stay as they are; any other id is encoded.
    const token = encodeToken(envelope.id);
    if (this.#pending.has(token)) {
      // Replies are matched by request id: a second request with an id in flight could never be
      // told apart from the first.
      return Promise.reject(
        new RuntimeError(
          ErrorCode.InvalidMessage,
          `A request with id ${envelope.id} is already waiting for its reply`,
          { details: { id: envelope.id } },
        ),
      );
    }
    const replyTo = this.prefix + token;
    // The request owns its envelope (built for this call by the sender): set the reply subject in
    // place rather than copy the envelope on the hot path.
    (envelope as { replyTo?: string }).replyTo = replyTo;
    const encoded = this.#settings.sender.encode(subject, envelope);
    if (!encoded.ok) return Promise.reject(encoded.error);
    const reply = this.#pending.register(token, envelope, options);
    try {
      // With a reply subject, nats-server answers "no responders" when nobody listens.
      this.#nc.publish(subject, encoded.value, { reply: replyTo });
    } catch (cause) {
      this.#pending.reject(token, natsCallError('publish', subject, cause));
    }
    return reply;
  }

  /** Resolves the request a reply subject belongs to, when `reply` answers it. */
  settle(subject: string, reply: Envelope): 'delivered' | 'no-subscribers' {
    const token = subject.slice(this.prefix.length);
    const request = this.#pending.envelope(token);
    if (request === undefined) return 'no-subscribers'; // late: its request already ended
    return this.#settle(subject, token, request, reply);
  }

  #settle(
    subject: string,
    token: string,
    request: Envelope,
    reply: Envelope,
  ): 'delivered' | 'no-subscribers' {
    if (reply.correlationId !== undefined && reply.correlationId !== request.id) {
      this.#settings.logger.warn(
        { subject, correlationId: reply.correlationId, expected: request.id },
        'reply dropped: its correlationId is not the request id',
      );
      return 'no-subscribers';
    }
    this.#pending.resolve(token, reply);
    return 'delivered';
  }

  /** Fails every waiting request with the error `make` returns. */
  rejectAll(make: () => unknown): void {
    this.#pending.rejectAll(make);
  }

  /** Resolves once no request waits. */
  empty(): Promise<void> {
    return this.#pending.empty();
  }

  /** Never throws: the NATS client calls it from its parser. */
  readonly #onMessage = (err: Error | null, msg: Msg): void => {
    if (err !== null) {
      this.#settings.logger.warn({ err }, 'NATS reply inbox error');
      return;
    }
    const subject = msg.subject;
    const token = subject.slice(this.prefix.length);
    const request = this.#pending.envelope(token);
    if (request === undefined) return; // late: its request already ended
    const read = readReply(msg, { maxBytes: this.#settings.maxBytes });
    switch (read.kind) {
      case 'no-responders':
        this.#pending.reject(token, noRespondersError(request));
        return;
      case 'invalid':
        // The reply came and is unusable: fail the request with the reason, not at its deadline.
        this.#settings.onRejected(subject, read.error, msg.data);
        this.#pending.reject(token, read.error);
        return;
      case 'reply':
        this.#settle(subject, token, request, read.reply);
    }
  };
}
