import { disposable } from '../events/index.js';
import { randomBytes } from 'node:crypto';
import {
  type Msg,
  type NatsConnection,
  type NodeConnectionOptions,
  type Subscription as NatsSubscription,
} from '@nats-io/transport-node';
import { systemClock } from '../clock/index.js';
import {
  EnvelopeLimits,
  ReplyType,
  decodeEnvelope,
  encodeEnvelope,
  type Envelope,
} from '../codec/index.js';
import { ErrorCode, RuntimeError, parseOptions } from '../errors/index.js';
import { silentLogger, type Logger } from '../telemetry/index.js';
import { connectNats } from './internal/connectNats.js';
import { natsCallError } from './internal/natsCallError.js';
import { NatsStatusFeed } from './internal/NatsStatusFeed.js';
import { drainSubscription, unsubscribe } from './internal/natsSubscriptions.js';
import { ReplyInbox } from './internal/ReplyInbox.js';
import {
  NATS_CONNECT_DEFAULTS,
  NatsTransportOptionsSchema,
  type NatsTransportDeps,
  type NatsTransportOptions,
  type NatsTransportStatus,
} from './NatsTransportOptions.js';
import { encodeToken, isPublishSubject, isReplyAddress, namespaceOf } from './subjects.js';
import type {
  Disposable,
  EnvelopeHandler,
  PublishOutcome,
  RejectedHandler,
  RequestOptions,
  Subscription,
  Transport,
} from './Transport.js';
import { requestDeadlineError } from './internal/requestDeadlineError.js';

/**
 * The {@link Transport} over core NATS (`@nats-io/transport-node`): subjects are NATS subjects,
 * envelopes travel msgpack-encoded, and every message off the wire is decoded and validated before
 * a handler sees it (refused ones go to {@link onRejected}).
 *
 * Requests do not use `nc.request`: the transport holds one wildcard subscription,
 * `<inboxPrefix>.<transport id>.*`, and each request's reply subject is that inbox plus the
 * request id. A request is published with that reply subject, so when nobody subscribes to its
 * subject nats-server answers at once with a "no responders" status (503), which fails the request
 * with ERR_ACTOR_NOT_FOUND instead of a timeout. Deadlines share one timer.
 *
 * Core NATS is at-most-once: `publish` answers `sent`, not whether anyone received it.
 *
 * Namespaces are isolated by subject prefix (`av.<namespace>.…`): every envelope sent on such a
 * subject carries the namespace in `ns`, and one arriving on a namespace's subject with another
 * `ns` is refused (ERR_FOREIGN_NAMESPACE, reported through {@link onRejected}; an ask gets an
 * error reply). An envelope without `ns` (a plain NATS client) is taken as addressed where it
 * arrived. Keeping other tenants' clients off the subjects is the server's part: per-user
 * publish/subscribe permissions on `av.<namespace>.>`.
 *
 * @example
 * const transport = await NatsTransport.connect({ servers: 'nats://127.0.0.1:4222' });
 * const system = createActorSystem({ namespace: 'shop' }, { transport });
 * transport.onStatus((s) => console.log(s.type));
 */
export class NatsTransport implements Transport {
  readonly kind = 'nats';
  readonly closed: Promise<Error | undefined>;
  /** The NATS connection this transport runs on. */
  readonly connection: NatsConnection;

  readonly #logger: Logger;
  readonly #maxBytes: number;
  readonly #owns: boolean;
  /** Replies to our requests: `<inboxPrefix>.<transport id>.<request id token>`. */
  readonly #inbox: ReplyInbox;
  readonly #subs = new Set<NatsSubscription>();
  readonly #rejected = new Set<RejectedHandler>();
  readonly #status: NatsStatusFeed;
  /** This transport's random id: the prefix of the ids of the refusals it answers. */
  readonly #id: string;
  #refusals = 0;
  #state: 'open' | 'draining' | 'closed' = 'open';
  #resolveClosed!: (e: Error | undefined) => void;

  /**
   * Runs a transport on an open connection. The connection stays the caller's unless
   * `ownsConnection` is set: then `drain()` drains it and `close()` closes it.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS for bad options; ERR_CLOSED when the connection is
   *   closed or draining.
   */
  constructor(
    nc: NatsConnection,
    options: NatsTransportOptions = {},
    deps: NatsTransportDeps = {},
  ) {
    const config = parseOptions(NatsTransportOptionsSchema, options, 'NatsTransport');
    if (config.auth !== undefined || config.tls !== undefined) {
      // The connection is open already: its credentials were chosen by whoever opened it.
      const path = config.auth === undefined ? 'tls' : 'auth';
      throw new RuntimeError(
        ErrorCode.InvalidOptions,
        `Invalid NatsTransport options: ${path} applies to NatsTransport.connect only`,
        {
          details: {
            what: 'NatsTransport',
            issues: [{ path, message: 'applies to NatsTransport.connect only' }],
          },
        },
      );
    }
    const clock = deps.clock ?? systemClock;
    this.connection = nc;
    this.#maxBytes = config.maxMessageBytes;
    this.#owns = config.ownsConnection;
    // Random, so the reply subjects of transports across the cluster never meet; base64url is
    // token-safe.
    const id = randomBytes(9).toString('base64url');
    this.#id = id;
    this.#logger = (deps.logger ?? silentLogger()).child({ transport: 'nats', inbox: id });
    this.#inbox = new ReplyInbox(nc, {
      prefix: `${config.inboxPrefix}.${id}.`,
      maxBytes: config.maxMessageBytes,
      clock,
      logger: this.#logger,
      onRejected: (subject, error, bytes) => {
        this.#reportRejected(subject, error, bytes);
      },
    });
    this.#status = new NatsStatusFeed(nc, clock, this.#logger);
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    void nc.closed().then((err) => {
      this.#connectionClosed(err ?? undefined);
    });
  }

  /**
   * Connects to NATS with {@link NATS_CONNECT_DEFAULTS} under `connectOptions` and runs a
   * transport that owns the connection (pass `ownsConnection: false` to keep it).
   *
   * With `waitOnFirstConnect` (the default) the promise waits until a server answers; set it to
   * `false` to fail at once when none does. Credentials and TLS come from `options.auth` and
   * `options.tls` (or nats.js's own fields in `connectOptions`); a refusal fails at once, even
   * while waiting for a server, and no secret reaches a log line or an error message.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS for bad options, or an unreadable seed or
   *   credentials file (before connecting).
   * @throws {RuntimeError} ERR_AUTH when the server refuses the credentials; ERR_TLS when the TLS
   *   handshake fails (unknown CA, TLS required on one side only, a client certificate the server
   *   requires missing or refused).
   * @throws the nats.js connection error when no server is reachable and `waitOnFirstConnect` is
   *   `false`.
   */
  static async connect(
    connectOptions: NodeConnectionOptions = {},
    options: NatsTransportOptions = {},
    deps: NatsTransportDeps = {},
  ): Promise<NatsTransport> {
    const config = parseOptions(NatsTransportOptionsSchema, options, 'NatsTransport');
    const nc = await connectNats(
      { ...NATS_CONNECT_DEFAULTS, ...connectOptions },
      { auth: config.auth, tls: config.tls },
      { clock: deps.clock ?? systemClock, logger: deps.logger ?? silentLogger() },
    );
    // The transport runs on the open connection: auth and tls have done their part.
    const transportOptions: NatsTransportOptions = { ownsConnection: true, ...options };
    delete transportOptions.auth;
    delete transportOptions.tls;
    try {
      return new NatsTransport(nc, transportOptions, deps);
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  // --- publish / subscribe ---

  publish(subject: string, envelope: Envelope): PublishOutcome {
    if (this.#state === 'closed') return 'no-subscribers';
    // A reply to one of our own requests (an actor of this node answered): settle it here,
    // without an encode, a trip through the server and a decode.
    if (subject.startsWith(this.#inbox.prefix)) return this.#inbox.settle(subject, envelope);
    stampNamespace(subject, envelope);
    const encoded = encodeEnvelope(envelope, { maxBytes: this.#sendLimit() });
    if (!encoded.ok) return this.#refuseOutgoing(subject, envelope, encoded.error);
    return this.#send(subject, encoded.value);
  }

  publishBytes(subject: string, bytes: Uint8Array): PublishOutcome {
    if (this.#state === 'closed') return 'no-subscribers';
    const decoded = decodeEnvelope(bytes, { maxBytes: this.#sendLimit() });
    if (!decoded.ok) {
      this.#reportRejected(subject, decoded.error, bytes);
      return 'no-subscribers';
    }
    // Valid: the same bytes go out (receivers decode and validate them again anyway).
    return this.#send(subject, bytes);
  }

  subscribe(subject: string, handler: EnvelopeHandler): Subscription {
    if (this.#state !== 'open') {
      throw new RuntimeError(
        ErrorCode.Closed,
        `Transport is ${this.#state}; cannot subscribe to ${subject}`,
      );
    }
    // Envelopes arriving here must be addressed in this subject's namespace.
    const namespace = namespaceOf(subject);
    let sub: NatsSubscription;
    try {
      sub = this.connection.subscribe(subject, {
        callback: (err, msg) => {
          if (err === null) this.#deliver(subject, msg, handler, namespace);
          else this.#logger.warn({ err, subject }, 'NATS subscription error');
        },
      });
    } catch (cause) {
      throw natsCallError('subscribe', subject, cause);
    }
    this.#subs.add(sub);
    let active = true;
    return {
      subject,
      ...disposable(() => {
        if (!active) return;
        active = false;
        this.#subs.delete(sub);
        unsubscribe(sub);
      }),
    };
  }

  onRejected(handler: RejectedHandler): Disposable {
    this.#rejected.add(handler);
    return disposable(() => {
      this.#rejected.delete(handler);
    });
  }

  /** Delivers every connection event (disconnect, reconnecting, reconnect, …) from now on. */
  onStatus(listener: (status: NatsTransportStatus) => void): Disposable {
    return this.#status.onStatus(listener);
  }

  // --- request / reply ---

  request(subject: string, envelope: Envelope, options: RequestOptions): Promise<Envelope> {
    if (this.#state !== 'open') {
      return Promise.reject(new RuntimeError(ErrorCode.Closed, `Transport is ${this.#state}`));
    }
    const badDeadline = requestDeadlineError(options.deadline);
    if (badDeadline !== undefined) return Promise.reject(badDeadline);
    const { signal } = options;
    // The platform convention: reject with the signal's reason, whatever it is.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    // Ids the system makes are token-safe and stay as they are; any other id is encoded.
    const token = encodeToken(envelope.id);
    if (this.#inbox.has(token)) {
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
    const replyTo = this.#inbox.prefix + token;
    // The request owns its envelope (built for this call by the sender): set the reply subject in
    // place rather than copy the envelope on the hot path.
    (envelope as { replyTo?: string }).replyTo = replyTo;
    stampNamespace(subject, envelope);
    const encoded = encodeEnvelope(envelope, { maxBytes: this.#sendLimit() });
    if (!encoded.ok) return Promise.reject(encoded.error);
    const reply = this.#inbox.register(token, envelope, options);
    try {
      // With a reply subject, nats-server answers "no responders" when nobody listens.
      this.connection.publish(subject, encoded.value, { reply: replyTo });
    } catch (cause) {
      this.#inbox.reject(token, natsCallError('publish', subject, cause));
    }
    return reply;
  }

  /** Number of requests waiting for a reply. */
  get pendingRequests(): number {
    return this.#inbox.size;
  }

  // --- lifecycle ---

  /**
   * Stops taking requests and subscriptions, waits until every pending request has its reply or
   * has reached its deadline, then drains the connection (owned) or this transport's
   * subscriptions (not owned), and closes.
   */
  async drain(): Promise<void> {
    if (this.#state !== 'open') {
      await this.closed;
      return;
    }
    this.#state = 'draining';
    await this.#inbox.empty();
    if (this.#isClosed()) return; // close() ran meanwhile
    let error: Error | undefined;
    try {
      if (this.#owns) await this.connection.drain();
      else await Promise.all([this.#inbox.subscription, ...this.#subs].map(drainSubscription));
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err));
      this.#logger.warn({ err }, 'NATS drain failed');
    }
    this.#closeNow(error);
  }

  /** Closes at once: pending requests fail with ERR_CLOSED; an owned connection is closed. */
  async close(): Promise<void> {
    if (this.#state !== 'closed') {
      this.#state = 'closed';
      this.#rejectPending(undefined);
      if (this.#owns) {
        try {
          await this.connection.close();
        } catch (err) {
          this.#logger.warn({ err }, 'NATS close failed');
        }
      }
      this.#closeNow(undefined);
    }
    await this.closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // --- internals ---

  /** Read through a method: TypeScript would keep `#state` narrowed across an await. */
  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  /** What one message may weigh on the way out: our limit or the server's, whichever is lower. */
  #sendLimit(): number {
    const serverMax = this.connection.info?.max_payload;
    return serverMax === undefined ? this.#maxBytes : Math.min(this.#maxBytes, serverMax);
  }

  #send(subject: string, bytes: Uint8Array): PublishOutcome {
    try {
      this.connection.publish(subject, bytes);
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
  #refuseOutgoing(subject: string, envelope: Envelope, error: RuntimeError): PublishOutcome {
    this.#logger.warn(
      { err: error, code: error.code, subject, msgId: envelope.id, type: envelope.type },
      `envelope not sent: ${error.message}`,
    );
    if (envelope.type === ReplyType.Ok && envelope.correlationId !== undefined) {
      const fallback = encodeEnvelope(
        { ...envelope, type: ReplyType.Error, payload: error.toWire() },
        { maxBytes: this.#sendLimit() },
      );
      if (fallback.ok) this.#send(subject, fallback.value);
    }
    return 'no-subscribers';
  }

  /** A message on a subscribed subject: decoded and validated, then handed over. Never throws. */
  #deliver(
    subject: string,
    msg: Msg,
    handler: EnvelopeHandler,
    namespace: string | undefined,
  ): void {
    const data = msg.data;
    const plainReply = msg.reply === undefined || msg.reply === '' ? undefined : msg.reply;
    const decoded = decodeEnvelope(data, { maxBytes: this.#maxBytes });
    if (!decoded.ok) {
      // Refused, and answered when the request names a reply subject: its asker learns why at
      // once instead of at its deadline.
      this.#reportRejected(subject, decoded.error, data);
      if (plainReply !== undefined)
        this.#answerRefusal(plainReply, undefined, decoded.error, namespace);
      return;
    }
    const envelope = decoded.value;
    if (namespace !== undefined && envelope.ns !== undefined && envelope.ns !== namespace) {
      this.#refuseForeign(subject, msg, envelope, namespace);
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
        this.#reportRejected(subject, error, data);
        this.#answerRefusal(plainReply, envelope.id, error, namespace);
        return;
      }
      envelope.replyTo = plainReply;
    }
    try {
      handler(envelope);
    } catch (err) {
      this.#logger.error({ err, subject, msgId: envelope.id }, 'envelope handler threw');
    }
  }

  /**
   * An envelope addressed in another namespace than the subject it arrived on: refused, reported,
   * and an ask answered with the error at once (its asker would otherwise wait for its deadline).
   */
  #refuseForeign(subject: string, msg: Msg, envelope: Envelope, namespace: string): void {
    const error = new RuntimeError(
      ErrorCode.ForeignNamespace,
      `Envelope ${envelope.id} is addressed to namespace ${String(envelope.ns)}, not ${namespace} (arrived on ${subject})`,
      { details: { subject, id: envelope.id, ns: envelope.ns, namespace } },
    );
    this.#reportRejected(subject, error, msg.data);
    const replyTo = envelope.replyTo ?? (msg.reply === '' ? undefined : msg.reply);
    if (replyTo !== undefined) this.#answerRefusal(replyTo, envelope.id, error, namespace);
  }

  /**
   * Answers a refused request with an error reply, whenever its reply subject can be published
   * to. The reply's own id is fresh (a request id near the length limit plus a suffix would fail
   * the schema, and the refusal would go unanswered); its `to` is the reply subject, cut to the
   * address limit (it is informational on a reply); `correlationId` is the request id when it has
   * one that fits. Like any reply, it goes only to a reply inbox or a subject of the namespace the
   * request arrived in (`namespace`), never into another namespace's actors.
   */
  #answerRefusal(
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
      {
        v: 1,
        id: `${this.#id}.r${++this.#refusals}`,
        type: ReplyType.Error,
        to: replyTo.slice(0, EnvelopeLimits.addressLength),
        ...(correlationId === undefined ? {} : { correlationId }),
        payload: error.toWire(),
      },
      { maxBytes: this.#sendLimit() },
    );
    if (reply.ok) this.#send(replyTo, reply.value);
    else this.#logger.warn({ code: reply.error.code }, 'refusal not answered: reply not encodable');
  }

  #reportRejected(subject: string, error: RuntimeError, bytes: Uint8Array): void {
    // Listeners (the actor system's dead letters) report it; without any, the log must.
    const level = this.#rejected.size === 0 ? 'warn' : 'debug';
    this.#logger[level]({ subject, code: error.code }, `message refused: ${error.message}`);
    for (const listener of this.#rejected) {
      try {
        listener({ subject, error, bytes });
      } catch (err) {
        this.#logger.error({ err, subject }, 'rejected-message listener threw');
      }
    }
  }

  #rejectPending(cause: Error | undefined): void {
    this.#inbox.rejectAll(
      () =>
        new RuntimeError(ErrorCode.Closed, 'Transport closed before the reply', {
          ...(cause === undefined ? {} : { cause }),
        }),
    );
  }

  /** Ends the transport: pending requests fail, our subscriptions go, `closed` resolves. */
  #closeNow(error: Error | undefined): void {
    this.#state = 'closed';
    this.#rejectPending(error);
    this.#status.stop();
    // On a connection that stays open, leave nothing of ours behind.
    if (!this.#owns) for (const sub of [this.#inbox.subscription, ...this.#subs]) unsubscribe(sub);
    this.#subs.clear();
    this.#resolveClosed(error);
  }

  /** The connection closed under us (closed elsewhere, or out of reconnect attempts). */
  #connectionClosed(error: Error | undefined): void {
    if (this.#state === 'closed') return;
    if (error !== undefined) this.#logger.error({ err: error }, 'NATS connection closed');
    this.#closeNow(error);
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
