import { randomBytes } from 'node:crypto';
import type { NatsConnection, NodeConnectionOptions } from '@nats-io/transport-node';
import { systemClock } from '../clock/index.js';
import { decodeEnvelope, type Envelope } from '../codec/index.js';
import { ErrorCode, RuntimeError, parseOptions } from '../errors/index.js';
import { silentLogger, type Logger } from '../telemetry/index.js';
import { connectNats } from './internal/connectNats.js';
import { connectOnlyOptionsError } from './internal/connectOnlyOptionsError.js';
import { NatsSender } from './internal/NatsSender.js';
import { NatsStatusFeed } from './internal/NatsStatusFeed.js';
import { RejectedFeed } from './internal/RejectedFeed.js';
import { ReplyInbox } from './internal/ReplyInbox.js';
import { requestDeadlineError } from './internal/requestDeadlineError.js';
import { SubscriptionRegistry } from './internal/SubscriptionRegistry.js';
import {
  NATS_CONNECT_DEFAULTS,
  NatsTransportOptionsSchema,
  type NatsTransportDeps,
  type NatsTransportOptions,
  type NatsTransportStatus,
} from './NatsTransportOptions.js';
import type {
  Disposable,
  EnvelopeHandler,
  PublishOutcome,
  RejectedHandler,
  RequestOptions,
  Subscription,
  Transport,
} from './Transport.js';

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
  readonly #subs: SubscriptionRegistry;
  readonly #rejected: RejectedFeed;
  readonly #sender: NatsSender;
  readonly #status: NatsStatusFeed;
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
    // The connection is open already: its credentials were chosen by whoever opened it.
    const connectOnly = connectOnlyOptionsError(config);
    if (connectOnly !== undefined) throw connectOnly;
    const clock = deps.clock ?? systemClock;
    this.connection = nc;
    this.#maxBytes = config.maxMessageBytes;
    this.#owns = config.ownsConnection;
    // Random, so the reply subjects of transports across the cluster never meet; base64url is
    // token-safe.
    const id = randomBytes(9).toString('base64url');
    this.#logger = (deps.logger ?? silentLogger()).child({ transport: 'nats', inbox: id });
    this.#rejected = new RejectedFeed(this.#logger);
    this.#sender = new NatsSender(nc, { maxBytes: this.#maxBytes, logger: this.#logger, id });
    this.#subs = new SubscriptionRegistry(nc, {
      maxBytes: this.#maxBytes,
      logger: this.#logger,
      rejected: this.#rejected,
      sender: this.#sender,
    });
    this.#inbox = new ReplyInbox(nc, {
      prefix: `${config.inboxPrefix}.${id}.`,
      maxBytes: config.maxMessageBytes,
      clock,
      logger: this.#logger,
      sender: this.#sender,
      onRejected: (subject, error, bytes) => {
        this.#rejected.report(subject, error, bytes);
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
    const encoded = this.#sender.encode(subject, envelope);
    if (!encoded.ok) return this.#sender.refuseOutgoing(subject, envelope, encoded.error);
    return this.#sender.send(subject, encoded.value);
  }

  publishBytes(subject: string, bytes: Uint8Array): PublishOutcome {
    if (this.#state === 'closed') return 'no-subscribers';
    const decoded = decodeEnvelope(bytes, { maxBytes: this.#sender.sendLimit() });
    if (!decoded.ok) {
      this.#rejected.report(subject, decoded.error, bytes);
      return 'no-subscribers';
    }
    // Valid: the same bytes go out (receivers decode and validate them again anyway).
    return this.#sender.send(subject, bytes);
  }

  subscribe(subject: string, handler: EnvelopeHandler): Subscription {
    if (this.#state !== 'open') {
      throw new RuntimeError(
        ErrorCode.Closed,
        `Transport is ${this.#state}; cannot subscribe to ${subject}`,
      );
    }
    return this.#subs.subscribe(subject, handler);
  }

  onRejected(handler: RejectedHandler): Disposable {
    return this.#rejected.add(handler);
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
    return this.#inbox.request(subject, envelope, options);
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
      else await this.#subs.drainAll(this.#inbox.subscription);
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
    this.#subs.clear(!this.#owns, this.#inbox.subscription);
    this.#resolveClosed(error);
  }

  /** The connection closed under us (closed elsewhere, or out of reconnect attempts). */
  #connectionClosed(error: Error | undefined): void {
    if (this.#state === 'closed') return;
    if (error !== undefined) this.#logger.error({ err: error }, 'NATS connection closed');
    this.#closeNow(error);
  }
}
