import type { NatsConnection, Subscription as NatsSubscription } from '@nats-io/transport-node';
import { disposable } from '../../events/index.js';
import { namespaceOf } from '../subjects.js';
import type { EnvelopeHandler, Subscription } from '../Transport.js';
import { deliverNatsMessage, type DeliveryContext } from './deliverNatsMessage.js';
import { natsCallError } from './natsCallError.js';
import { drainSubscription, unsubscribe } from './natsSubscriptions.js';

/**
 * @internal A NATS transport's own subscriptions (its reply inbox apart): each delivers through
 * {@link deliverNatsMessage}, and all of them can be drained or released together when the
 * transport ends on a connection it does not own.
 */
export class SubscriptionRegistry {
  readonly #nc: NatsConnection;
  readonly #delivery: DeliveryContext;
  readonly #subs = new Set<NatsSubscription>();

  constructor(nc: NatsConnection, delivery: DeliveryContext) {
    this.#nc = nc;
    this.#delivery = delivery;
  }

  /**
   * Subscribes `handler` to `subject`; disposing the result unsubscribes (once).
   *
   * @throws {RuntimeError} what natsCallError maps the client's refusal to (ERR_CLOSED, …).
   */
  subscribe(subject: string, handler: EnvelopeHandler): Subscription {
    // Envelopes arriving here must be addressed in this subject's namespace.
    const namespace = namespaceOf(subject);
    const delivery = this.#delivery;
    let sub: NatsSubscription;
    try {
      sub = this.#nc.subscribe(subject, {
        callback: (err, msg) => {
          if (err === null) deliverNatsMessage(delivery, subject, msg, handler, namespace);
          else delivery.logger.warn({ err, subject }, 'NATS subscription error');
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

  /** Drains every subscription, `extra` (the reply inbox's) with them. */
  async drainAll(extra: NatsSubscription): Promise<void> {
    await Promise.all([extra, ...this.#subs].map(drainSubscription));
  }

  /** Unsubscribes every subscription and `extra`, when `release`; forgets them in any case. */
  clear(release: boolean, extra: NatsSubscription): void {
    if (release) for (const sub of [extra, ...this.#subs]) unsubscribe(sub);
    this.#subs.clear();
  }
}
