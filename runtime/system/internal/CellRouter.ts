import type { Clock } from '../../clock/index.js';
import { type Envelope, stampReceivedDeadline } from '../../codec/index.js';
import { ErrorCode, RuntimeError } from '../../errors/index.js';
import {
  LocalTransport,
  isReplyAddress,
  type EnvelopeHandler,
  type Subscription,
  type Subjects,
  type Transport,
} from '../../transport/index.js';
import type { ActorCell } from '../ActorCell.js';
import type { DeadLetterReason } from '../DeadLetters.js';
import { actorNotFound } from './actorNotFound.js';
import type { HoldBuffers } from './HoldBuffers.js';

/** What the router needs of its system. */
export interface CellRouterDeps {
  readonly clock: Clock;
  readonly transport: Transport;
  readonly subjects: Subjects;
  readonly namespace: string;
  readonly holds: HoldBuffers;
  /** The cell hosted under `name` now, if any. */
  cell(name: string): ActorCell | undefined;
  deadLetter(reason: DeadLetterReason, to: string, envelope: Envelope, error: RuntimeError): void;
}

/** This system's subscription to one name's subject, and the handler it subscribed. */
interface NameSubscription {
  readonly subscription: Subscription;
  readonly handler: EnvelopeHandler;
}

/**
 * Brings envelopes to the cells of a system: one transport subscription per hosted name (kept
 * while the name waits for its next incarnation), the actor subject of each name (cached), the
 * direct local path of a tell ({@link deliverLocal}), and the route itself: refuse a foreign
 * reply address, hold while the actor (re)starts, dead-letter an unknown name, else enqueue.
 */
export class CellRouter {
  readonly #deps: CellRouterDeps;
  /** The transport when it is in-process: only then can a tell skip it (see deliverLocal). */
  readonly #local: LocalTransport | undefined;
  readonly #subscriptions = new Map<string, NameSubscription>();
  readonly #subjectCache = new Map<string, string>();

  constructor(deps: CellRouterDeps) {
    this.#deps = deps;
    this.#local = deps.transport instanceof LocalTransport ? deps.transport : undefined;
  }

  /** The actor subject of `name` in this namespace. */
  subject(name: string): string {
    let subject = this.#subjectCache.get(name);
    if (subject === undefined) {
      if (this.#subjectCache.size >= 10_000) this.#subjectCache.clear();
      subject = this.#deps.subjects.actor(name);
      this.#subjectCache.set(name, subject);
    }
    return subject;
  }

  /** Subscribes to the subject of `name` unless this system already does. */
  ensureSubscription(name: string): void {
    if (!this.#subscriptions.has(name)) {
      const handler: EnvelopeHandler = (envelope) => {
        this.route(name, envelope);
      };
      const subscription = this.#deps.transport.subscribe(this.subject(name), handler);
      this.#subscriptions.set(name, { subscription, handler });
    }
  }

  /** Stops taking messages for `name` from the transport. */
  detach(name: string): void {
    this.#subscriptions.get(name)?.subscription.dispose();
    this.#subscriptions.delete(name);
  }

  /**
   * The direct local path of a tell: when the transport is in-process and this system's
   * subscription is the only one on the subject of `name`, a publish would only call that
   * subscription's handler, synchronously, which routes the envelope here. So route it here at
   * once (same order, holds, dead letters and admission), without the pass through the
   * transport. False when it may reach anyone else (another subscriber, another system sharing
   * the transport, a closed transport, a remote transport): the caller publishes as before.
   */
  deliverLocal(name: string, envelope: Envelope): boolean {
    const local = this.#local;
    if (local === undefined) return false;
    const own = this.#subscriptions.get(name);
    if (own === undefined || !local.isSoleSubscriber(own.subscription.subject, own.handler))
      return false;
    this.route(name, envelope);
    return true;
  }

  /**
   * Hands an envelope to the actor `name`: held while it recovers or restarts, else queued. One
   * whose reply address is not a reply inbox (an actor subject of another namespace) is refused
   * first: its reply would be published into another tenant's actor.
   */
  route(name: string, envelope: Envelope, stored = false): void {
    const deps = this.#deps;
    // The deadline it arrived with, as a monotonic deadline on this system's clock.
    stampReceivedDeadline(envelope, deps.clock, stored);
    if (envelope.replyTo !== undefined && !isReplyAddress(envelope.replyTo, deps.subjects.prefix)) {
      deps.deadLetter(
        'foreign-namespace',
        name,
        envelope,
        new RuntimeError(
          ErrorCode.ForeignNamespace,
          `Message ${envelope.id} for ${name} asks for its reply on ${envelope.replyTo}, not a reply inbox or a subject of namespace ${deps.namespace}`,
          {
            details: {
              id: envelope.id,
              to: name,
              replyTo: envelope.replyTo,
              namespace: deps.namespace,
            },
          },
        ),
      );
      return;
    }
    if (deps.holds.hold(name, envelope)) return;
    const current = deps.cell(name);
    if (current === undefined) {
      deps.deadLetter('unknown-actor', name, envelope, actorNotFound(name));
    } else {
      current.enqueue(envelope);
    }
  }
}
