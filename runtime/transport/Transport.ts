import type { Envelope } from '../codec/index.js';
import type { RuntimeError } from '../errors/index.js';
import type { Disposable } from '../events/index.js';

export type { Disposable } from '../events/index.js';

/** Receives each envelope published on a subscribed subject. Must not throw. */
export type EnvelopeHandler = (envelope: Envelope) => void;

/** A subscription to one subject. */
export interface Subscription extends Disposable {
  readonly subject: string;
}

/**
 * What became of a publish:
 * - `delivered`: handed to at least one local subscriber;
 * - `no-subscribers`: known to reach nobody (the sender can dead-letter it at once);
 * - `sent`: handed to the network; whether anyone receives it is unknown (core NATS).
 */
export type PublishOutcome = 'delivered' | 'no-subscribers' | 'sent';

/** Options of {@link Transport.request}. */
export interface RequestOptions {
  /** Absolute deadline, epoch ms (the envelope's `deadline`); the request fails with ERR_TIMEOUT after it. */
  deadline: number;
  /** Cancels the wait; rejects with `signal.reason`. */
  signal?: AbortSignal;
}

/** Called with bytes from outside the process that failed to decode or validate. */
export type RejectedHandler = (rejected: {
  subject: string;
  error: RuntimeError;
  bytes: Uint8Array;
}) => void;

/**
 * How envelopes move between actors. Shaped after NATS core (subjects, publish, request with a
 * deadline, subscribe, drain) so `LocalTransport` and `NatsTransport` are interchangeable.
 *
 * Handlers receive validated envelopes only: a transport that reads bytes (from the network or
 * through {@link Transport.publishBytes}) decodes and validates them first and reports the rest
 * through {@link Transport.onRejected}.
 */
export interface Transport {
  /** `local` or `nats`. */
  readonly kind: string;
  /** Publishes an envelope built inside this process (trusted: not re-validated on the local path). */
  publish(subject: string, envelope: Envelope): PublishOutcome;
  /** Publishes encoded bytes from outside the process: decoded and validated before delivery. */
  publishBytes(subject: string, bytes: Uint8Array): PublishOutcome;
  /**
   * Sends `envelope` with a fresh reply subject and resolves with the first reply (an envelope
   * whose `correlationId` is the request's `id`).
   *
   * @throws {RuntimeError} ERR_ACTOR_NOT_FOUND at once when nobody subscribes to `subject`;
   *   ERR_TIMEOUT when the deadline passes; ERR_CLOSED when the transport closes first.
   */
  request(subject: string, envelope: Envelope, options: RequestOptions): Promise<Envelope>;
  /** Delivers every envelope published on `subject` to `handler`. */
  subscribe(subject: string, handler: EnvelopeHandler): Subscription;
  /** Reports bytes that were refused (malformed, invalid, too large). */
  onRejected(handler: RejectedHandler): Disposable;
  /** Stops taking new requests and subscriptions, lets pending replies arrive, then closes. */
  drain(): Promise<void>;
  /** Closes at once; pending requests fail with ERR_CLOSED. */
  close(): Promise<void>;
  /** Resolves (never rejects) when the transport is closed, with the error that closed it if any. */
  readonly closed: Promise<Error | undefined>;
}
