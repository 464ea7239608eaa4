import type { BoundCounter, Gauge, Histogram, MetricsRegistry } from '../../telemetry/index.js';

/** How a message handed to actor logic ended: handled, not handled in its state, or it failed the actor. */
export type MessageOutcome = 'ok' | 'unhandled' | 'failed';

/**
 * The message metrics of one system, counted once per message that reached actor logic (replay
 * repeats no count). Labels are bounded by code, never by traffic:
 * - `agentvisor_messages_total{actor_kind,type,outcome}`: `actor_kind` is the template's name
 *   (an agent's), else the XState machine's id; `type` is the message type when the actor
 *   handled it or declares it in `accepts`, else `_other` (any string may arrive on the wire);
 * - `agentvisor_message_processing_seconds{actor_kind}`: time in the logic's step, on the
 *   injected clock's monotonic time;
 * - `agentvisor_mailbox_depth{actor_kind}`: messages queued, summed over the kind's actors.
 * Bound children are cached per label set, so the hot path is a map lookup and two adds.
 */
export class MessageMetrics {
  readonly #registry: MetricsRegistry;
  readonly #seconds: Histogram;
  readonly #depth: Gauge;
  readonly #bound = new Map<string, BoundCounter>();

  constructor(registry: MetricsRegistry) {
    this.#registry = registry;
    registry.counter('agentvisor_messages_total', 'Messages handed to actor logic, by outcome', {
      labelNames: ['actor_kind', 'type', 'outcome'],
    });
    this.#seconds = registry.histogram(
      'agentvisor_message_processing_seconds',
      'Time actor logic took to process a message, in seconds',
      { labelNames: ['actor_kind'] },
    );
    this.#depth = registry.gauge(
      'agentvisor_mailbox_depth',
      'Messages queued in actor mailboxes, by actor kind',
      { labelNames: ['actor_kind'] },
    );
  }

  /** What a mailbox of an actor of `kind` reports each change in size to. */
  depth(kind: string): (delta: number) => void {
    const labels = { actor_kind: kind };
    this.#depth.inc(labels, 0); // the series exists from the first actor on
    return (delta) => {
      this.#depth.inc(labels, delta);
    };
  }

  /** Counts one processed message and observes its step time. */
  record(kind: string, type: string, outcome: MessageOutcome, seconds: number): void {
    const key = `${kind}\u0000${type}\u0000${outcome}`;
    let bound = this.#bound.get(key);
    if (bound === undefined) {
      bound = this.#registry
        .counter('agentvisor_messages_total', 'Messages handed to actor logic, by outcome')
        .bind({ actor_kind: kind, type, outcome });
      this.#bound.set(key, bound);
    }
    bound.inc();
    this.#seconds.observe(seconds, { actor_kind: kind });
  }
}

/** The `actor_kind` label of an actor: its template's name, else its XState logic's id. */
export function actorKindOf(templateName: string | undefined, logic: { id?: unknown }): string {
  if (templateName !== undefined) return templateName;
  return typeof logic.id === 'string' && logic.id !== '' ? logic.id : 'actor';
}
