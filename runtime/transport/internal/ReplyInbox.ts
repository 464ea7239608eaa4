import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Clock } from '../../clock/index.js';
import { decodeEnvelope, type Envelope } from '../../codec/index.js';
import { ErrorCode, RuntimeError } from '../../errors/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { RequestOptions } from '../Transport.js';
import { natsCallError } from './natsCallError.js';
import { PendingRequests } from './PendingRequests.js';

/** @internal Settings of a {@link ReplyInbox}. */
export interface ReplyInboxSettings {
  /** `<inboxPrefix>.<transport id>.`; the inbox subscribes to it plus `*`. */
  readonly prefix: string;
  readonly maxBytes: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Told of each reply that arrived but does not decode or validate. */
  readonly onRejected: (subject: string, error: RuntimeError, bytes: Uint8Array) => void;
}

/**
 * @internal The request side of a NATS transport: one wildcard subscription for the replies of
 * all its requests (a mux inbox, instead of nats.js's `request` per call), each request's reply
 * subject being the prefix plus a token of its id. What arrives there settles the request:
 * - nats-server's "no responders" status (503, empty body): ERR_ACTOR_NOT_FOUND at once;
 * - bytes that do not decode or validate: reported, and the request fails with why;
 * - an envelope: the reply, unless its `correlationId` names another request (dropped).
 * Anything for a request that already ended (deadline, abort, close) is dropped.
 */
export class ReplyInbox {
  readonly prefix: string;
  readonly #settings: ReplyInboxSettings;
  readonly #sub: Subscription;
  readonly #pending: PendingRequests;

  /** @throws {RuntimeError} ERR_CLOSED when the connection is closed or draining. */
  constructor(nc: NatsConnection, settings: ReplyInboxSettings) {
    this.prefix = settings.prefix;
    this.#settings = settings;
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

  /** True when a request waits on reply-subject token `token`. */
  has(token: string): boolean {
    return this.#pending.has(token);
  }

  /** Registers a request under `token`; the caller sends it next, and fails it if that throws. */
  register(token: string, envelope: Envelope, options: RequestOptions): Promise<Envelope> {
    return this.#pending.register(token, envelope, options);
  }

  /** Fails the request under `token` (its send threw). */
  reject(token: string, error: unknown): void {
    this.#pending.reject(token, error);
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
    const data = msg.data;
    // nats-server's "no responders": an empty message with status 503 on the reply subject.
    if (data.length === 0 && msg.headers?.code === 503) {
      this.#pending.reject(
        token,
        new RuntimeError(ErrorCode.ActorNotFound, `No actor listens on ${request.to}`, {
          details: { to: request.to, type: request.type, id: request.id },
        }),
      );
      return;
    }
    const decoded = decodeEnvelope(data, { maxBytes: this.#settings.maxBytes });
    if (!decoded.ok) {
      // The reply came and is unusable: fail the request with the reason, not at its deadline.
      this.#settings.onRejected(subject, decoded.error, data);
      this.#pending.reject(token, decoded.error);
      return;
    }
    this.#settle(subject, token, request, decoded.value);
  };
}
