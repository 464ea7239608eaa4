import type { Histogram, MetricsRegistry } from '../../telemetry/index.js';

/** Buckets of `agentvisor_checkpoint_bytes`: 256 B … 64 MiB (×4). */
const BYTE_BUCKETS = Object.freeze(Array.from({ length: 10 }, (_, i) => 256 * 4 ** i));

const byRegistry = new WeakMap<MetricsRegistry, PersistenceMetrics>();

/**
 * @internal The persistence metrics of durable actors on one registry, by `actor_kind` (the
 * template's name or machine id; never the actor's own name):
 *
 * - `agentvisor_checkpoint_write_seconds{actor_kind}`: one checkpoint put, on the monotonic clock.
 * - `agentvisor_checkpoint_bytes{actor_kind}`: encoded size of each written checkpoint (stores
 *   that encode: file, JetStream; the memory store keeps objects and reports none).
 * - `agentvisor_journal_append_seconds{actor_kind}`: one fenced journal append.
 * - `agentvisor_recovery_seconds{actor_kind}`: reading the checkpoint and journal to start from.
 */
export class PersistenceMetrics {
  readonly #writeSeconds: Histogram;
  readonly #bytes: Histogram;
  readonly #appendSeconds: Histogram;
  readonly #recoverySeconds: Histogram;

  /** The metrics on `registry`, registered on first use. */
  static of(registry: MetricsRegistry): PersistenceMetrics {
    let metrics = byRegistry.get(registry);
    if (metrics === undefined) {
      metrics = new PersistenceMetrics(registry);
      byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(registry: MetricsRegistry) {
    const labelNames = ['actor_kind'];
    this.#writeSeconds = registry.histogram(
      'agentvisor_checkpoint_write_seconds',
      'Duration of checkpoint writes, in seconds',
      { labelNames },
    );
    this.#bytes = registry.histogram(
      'agentvisor_checkpoint_bytes',
      'Encoded size of written checkpoints, in bytes',
      { labelNames, buckets: BYTE_BUCKETS },
    );
    this.#appendSeconds = registry.histogram(
      'agentvisor_journal_append_seconds',
      'Duration of journal appends, in seconds',
      { labelNames },
    );
    this.#recoverySeconds = registry.histogram(
      'agentvisor_recovery_seconds',
      'Duration of durable actor recoveries (checkpoint and journal read), in seconds',
      { labelNames },
    );
  }

  /** One checkpoint written in `seconds`, `bytes` long when the store said. */
  checkpoint(kind: string, seconds: number, bytes: number | undefined): void {
    this.#writeSeconds.observe(seconds, { actor_kind: kind });
    if (bytes !== undefined) this.#bytes.observe(bytes, { actor_kind: kind });
  }

  /** One journal append that took `seconds`. */
  append(kind: string, seconds: number): void {
    this.#appendSeconds.observe(seconds, { actor_kind: kind });
  }

  /** One recovery that took `seconds`. */
  recovery(kind: string, seconds: number): void {
    this.#recoverySeconds.observe(seconds, { actor_kind: kind });
  }
}
