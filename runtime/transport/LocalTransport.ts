import { disposable } from '../events/index.js';
import { type Clock, systemClock } from '../clock/index.js';
import { decodeEnvelope, type Envelope, DEFAULT_MAX_MESSAGE_BYTES } from '../codec/index.js';
import { ErrorCode, RuntimeError } from '../errors/index.js';
import { PendingRequests } from './internal/PendingRequests.js';
import { createSubjects } from './subjects.js';
import type {
  Disposable,
  EnvelopeHandler,
  PublishOutcome,
  RejectedHandler,
  RequestOptions,
  Subscription,
  Transport,
} from './Transport.js';
import { foreignNamespaceError } from './internal/foreignNamespaceError.js';
import { requestDeadlineError } from './internal/requestDeadlineError.js';

/** Options of {@link LocalTransport}. */
export interface LocalTransportOptions {
  /** Largest message accepted through {@link LocalTransport.publishBytes}. @default 1_048_576 */
  maxMessageBytes?: number;
  /** Namespace of the reply inbox subject. @default 'local' */
  namespace?: string;
}

let transportSeq = 0;

/**
 * The in-process transport: subjects map to handlers in this process, and envelopes are handed
 * over as objects, never encoded (that is what makes the local path fast). Bytes from outside the
 * process enter through {@link publishBytes} and are decoded and validated like bytes off NATS.
 */
export class LocalTransport implements Transport {
  readonly kind = 'local';
  readonly closed: Promise<Error | undefined>;

  readonly #clock: Clock;
  readonly #maxBytes: number;
  readonly #handlers = new Map<string, EnvelopeHandler[]>();
  readonly #rejected = new Set<RejectedHandler>();
  readonly #pending: PendingRequests;
  readonly #inbox: string;
  #state: 'open' | 'draining' | 'closed' = 'open';
  #resolveClosed!: (e: Error | undefined) => void;

  constructor(options: LocalTransportOptions = {}, deps: { clock?: Clock } = {}) {
    this.#clock = deps.clock ?? systemClock;
    this.#maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.#inbox = createSubjects(options.namespace ?? 'local').inbox(`t${++transportSeq}`);
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    // The same bookkeeping as NatsTransport: one clock timer for all deadlines, abort listeners.
    this.#pending = new PendingRequests(this.#clock);
  }

  // --- publish / subscribe ---

  publish(subject: string, envelope: Envelope): PublishOutcome {
    if (this.#state === 'closed') return 'no-subscribers';
    if (subject === this.#inbox) return this.#settle(envelope);
    const handlers = this.#handlers.get(subject);
    if (handlers === undefined) return 'no-subscribers';
    for (const handler of handlers) handler(envelope);
    return 'delivered';
  }

  publishBytes(subject: string, bytes: Uint8Array): PublishOutcome {
    const decoded = decodeEnvelope(bytes, { maxBytes: this.#maxBytes });
    if (!decoded.ok) {
      for (const listener of this.#rejected) listener({ subject, error: decoded.error, bytes });
      return 'no-subscribers';
    }
    const envelope = decoded.value;
    // Bytes from outside addressed in another namespace: refused like NatsTransport does.
    const error = foreignNamespaceError(subject, envelope);
    if (error !== undefined) {
      for (const listener of this.#rejected) listener({ subject, error, bytes });
      return 'no-subscribers';
    }
    return this.publish(subject, envelope);
  }

  subscribe(subject: string, handler: EnvelopeHandler): Subscription {
    if (this.#state !== 'open') {
      throw new RuntimeError(
        ErrorCode.Closed,
        `Transport is ${this.#state}; cannot subscribe to ${subject}`,
      );
    }
    const list = this.#handlers.get(subject);
    if (list === undefined) this.#handlers.set(subject, [handler]);
    else list.push(handler);
    let active = true;
    return {
      subject,
      ...disposable(() => {
        if (!active) return;
        active = false;
        const current = this.#handlers.get(subject);
        if (current === undefined) return;
        const rest = current.filter((h) => h !== handler);
        if (rest.length === 0) this.#handlers.delete(subject);
        else this.#handlers.set(subject, rest);
      }),
    };
  }

  onRejected(handler: RejectedHandler): Disposable {
    this.#rejected.add(handler);
    return disposable(() => {
      this.#rejected.delete(handler);
    });
  }

  /** True when at least one handler subscribes to `subject`. */
  hasSubscribers(subject: string): boolean {
    return this.#handlers.has(subject);
  }

  /**
   * @internal True when `handler` is the only handler subscribed to `subject` (none once closed):
   * then a publish on `subject` would reach `handler` alone, which the actor system's direct
   * local tell relies on.
   */
  isSoleSubscriber(subject: string, handler: EnvelopeHandler): boolean {
    const handlers = this.#handlers.get(subject);
    return handlers?.length === 1 && handlers[0] === handler;
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
    const handlers = this.#handlers.get(subject);
    if (handlers === undefined) {
      // The local analogue of NATS "no responders": fail at once, not after the deadline.
      return Promise.reject(
        new RuntimeError(ErrorCode.ActorNotFound, `No actor listens on ${subject}`, {
          details: { subject, to: envelope.to },
        }),
      );
    }
    const id = envelope.id;
    if (this.#pending.has(id)) {
      // Replies are matched by request id: a second request with an id in flight could never be told apart.
      return Promise.reject(
        new RuntimeError(
          ErrorCode.InvalidMessage,
          `A request with id ${id} is already waiting for its reply`,
          {
            details: { id },
          },
        ),
      );
    }
    // The request owns its envelope (built for this call by the sender): set the reply subject in
    // place rather than copy the envelope on the hot path.
    (envelope as { replyTo?: string }).replyTo = this.#inbox;
    return this.#pending.wait(id, envelope, options, () => {
      for (const handler of handlers) handler(envelope);
    });
  }

  #settle(reply: Envelope): PublishOutcome {
    const id = reply.correlationId;
    // A late reply (its request already ended) reaches no one.
    return id !== undefined && this.#pending.resolve(id, reply) ? 'delivered' : 'no-subscribers';
  }

  /** Number of requests waiting for a reply. */
  get pendingRequests(): number {
    return this.#pending.size;
  }

  // --- lifecycle ---

  async drain(): Promise<void> {
    if (this.#state !== 'open') return this.closed.then(() => undefined);
    this.#state = 'draining';
    await this.#pending.empty();
    this.#closeNow(undefined);
  }

  close(): Promise<void> {
    if (this.#state !== 'closed') this.#closeNow(undefined);
    return this.closed.then(() => undefined);
  }

  #closeNow(error: Error | undefined): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#pending.rejectAll(
      () => new RuntimeError(ErrorCode.Closed, 'Transport closed before the reply'),
    );
    this.#handlers.clear();
    this.#resolveClosed(error);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
