import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';

/** What `kv.watch` returns (the iterator type of @nats-io/nats-core, not a direct dependency). */
type KvWatch = Awaited<ReturnType<KV['watch']>>;
import {
  ErrorCode,
  isRuntimeError,
  messageOf,
  parseOptions,
  RuntimeError,
} from '../errors/index.js';
import { Listeners, type Disposable } from '../events/index.js';
import { NATS_BUCKETS, kvToken, openBucket } from '../nats/index.js';
import {
  CircuitBreakerSnapshotSchema,
  type BreakerRegistry,
  type BreakerStateChange,
} from '../resilience/index.js';

/** Options of {@link syncBreakersWithKv}. */
export const BreakerKvSyncOptionsSchema = z.strictObject({
  /** This node's id: its own updates, read back from the bucket, are not applied again. */
  node: z.string().min(1).max(256),
  /**
   * KV bucket (stream `KV_<bucket>`), created when missing; every node of the cluster uses the
   * same one. @default 'agentvisor_breakers'
   */
  bucket: z
    .string()
    .regex(/^[-\w]+$/, 'must be letters, digits, "-" or "_"')
    .default(NATS_BUCKETS.breakers),
});
/** What callers pass to {@link syncBreakersWithKv}. */
export type BreakerKvSyncOptions = z.input<typeof BreakerKvSyncOptionsSchema>;

const VALUE_VERSION = 1;

/** One breaker's state as published to the bucket. */
const BreakerKvValueSchema = z.strictObject({
  v: z.literal(VALUE_VERSION),
  /** The node whose breaker changed. */
  node: z.string().min(1),
  /** The breaker's key in the registry (`model:gpt-4o`, `tool:search`). */
  breaker: z.string().min(1).max(256),
  /** Why it changed on that node. */
  reason: z.string().max(64),
  snapshot: CircuitBreakerSnapshotSchema,
});
type BreakerKvValue = z.output<typeof BreakerKvValueSchema>;

/** A breaker state applied from another node. */
export interface BreakerSyncApplied {
  readonly breaker: string;
  /** The node it came from. */
  readonly node: string;
  readonly state: 'closed' | 'open' | 'isolated';
  readonly reason: string;
}

/**
 * Shares the breakers of a {@link BreakerRegistry} across the nodes of a cluster through a NATS
 * KV bucket (anchors §7.1: every agent fails fast together and recovers together): each local
 * transition (a breaker opening on failures, a probe closing it, an operator's `isolate` or
 * `reset`) is published as the breaker's snapshot under key `b.<base64url(breaker key)>`, and
 * every node watches the bucket and restores the snapshots other nodes publish into its own
 * registry. A node that starts reads the current state of every breaker first (the watch starts
 * with the last value of each key).
 *
 * Semantics: last writer wins per breaker (no compare-and-set: a breaker's state is advisory and
 * converges at the next transition). Going half-open is not published: each node lets its own
 * probes through once the shared open period is over, and the first node whose probes decide
 * publishes the outcome. Snapshots carry wall-clock times (`openUntil`), so nodes need clocks
 * in reasonable sync (NTP). A value that does not decode or validate is reported on `onError`
 * (ERR_CORRUPT_DATA) and skipped; it stops nothing.
 *
 * The connection belongs to the caller: `stop()` does not close it.
 */
export class BreakerKvSync implements AsyncDisposable {
  readonly #registry: BreakerRegistry;
  readonly #kv: KV;
  readonly #node: string;
  readonly #watch: KvWatch;
  readonly #subscription: Disposable;
  readonly #onApplied = new Listeners<BreakerSyncApplied>();
  readonly #onError = new Listeners<RuntimeError>();
  /** Set while a remote snapshot is restored: the transition it causes is not published back. */
  #applying = false;
  /** Puts in order of the transitions they publish. */
  #tail: Promise<void> = Promise.resolve();
  #stopped = false;
  readonly #loop: Promise<Error | undefined>;
  /** Resolves (never rejects) when the sync has stopped: undefined, or the error that stopped it. */
  readonly closed: Promise<Error | undefined>;

  private constructor(registry: BreakerRegistry, kv: KV, node: string, watch: KvWatch) {
    this.#registry = registry;
    this.#kv = kv;
    this.#node = node;
    this.#watch = watch;
    this.#subscription = registry.onStateChange((change) => {
      this.#publish(change);
    });
    this.#loop = this.#consume();
    this.closed = this.#loop;
  }

  /**
   * Opens (or creates) the bucket, starts watching it and publishing the registry's transitions.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS when an option is malformed; ERR_STORE_UNAVAILABLE
   *   when the bucket cannot be opened or watched (no JetStream, connection closed).
   */
  static async open(
    nc: NatsConnection,
    registry: BreakerRegistry,
    options: BreakerKvSyncOptions,
  ): Promise<BreakerKvSync> {
    const config = parseOptions(BreakerKvSyncOptionsSchema, options, 'breaker KV sync');
    try {
      const kv = await openBucket(nc, config.bucket, { history: 1 });
      const watch = await kv.watch({ key: 'b.>' });
      return new BreakerKvSync(registry, kv, config.node, watch);
    } catch (error) {
      throw unavailable(`open breaker bucket ${config.bucket}`, error);
    }
  }

  /** Called for each snapshot applied from another node. */
  onApplied(listener: (applied: BreakerSyncApplied) => void): Disposable {
    return this.#onApplied.add(listener);
  }

  /** Called when a value cannot be applied (ERR_CORRUPT_DATA) or a put fails (ERR_STORE_UNAVAILABLE). */
  onError(listener: (error: RuntimeError) => void): Disposable {
    return this.#onError.add(listener);
  }

  /** Resolves once every transition so far has been written to the bucket. */
  flushed(): Promise<void> {
    return this.#tail;
  }

  /** Stops publishing and watching; waits for pending puts. Idempotent. */
  async stop(): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#subscription.dispose();
      this.#watch.stop();
    }
    await this.#tail;
    await this.#loop;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  // --- internals ---

  #publish(change: BreakerStateChange): void {
    // A remote snapshot being applied, or a local probe window opening: nothing to tell others.
    if (this.#applying || this.#stopped || change.reason === 'half-open-after') return;
    const value: BreakerKvValue = {
      v: VALUE_VERSION,
      node: this.#node,
      breaker: change.breaker,
      reason: change.reason,
      // Taken now, synchronously: the puts then carry the transitions in the order they happened.
      snapshot: this.#registry.get(change.breaker).toSnapshot(),
    };
    const bytes = new TextEncoder().encode(JSON.stringify(value));
    this.#tail = this.#tail.then(async () => {
      try {
        await this.#kv.put(keyOf(change.breaker), bytes);
      } catch (error) {
        this.#onError.emit(unavailable(`publish breaker ${change.breaker}`, error));
      }
    });
  }

  async #consume(): Promise<Error | undefined> {
    try {
      for await (const entry of this.#watch) {
        if (entry.operation !== 'PUT') continue;
        this.#apply(entry);
      }
      return undefined;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  #apply(entry: KvWatchEntry): void {
    let value: BreakerKvValue;
    try {
      const parsed = BreakerKvValueSchema.safeParse(
        JSON.parse(new TextDecoder().decode(entry.value)),
      );
      if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'invalid value');
      value = parsed.data;
      if (keyOf(value.breaker) !== entry.key) throw new Error('breaker does not match its key');
    } catch (error) {
      this.#onError.emit(
        new RuntimeError(ErrorCode.CorruptData, `Breaker value at ${entry.key} is malformed`, {
          cause: error,
          details: { key: entry.key, revision: entry.revision },
        }),
      );
      return;
    }
    if (value.node === this.#node) return;
    this.#applying = true;
    try {
      this.#registry.get(value.breaker).restore(value.snapshot);
    } catch (error) {
      this.#onError.emit(
        isRuntimeError(error)
          ? error
          : new RuntimeError(ErrorCode.CorruptData, `Breaker ${value.breaker} not applied`, {
              cause: error,
              details: { key: entry.key },
            }),
      );
      return;
    } finally {
      this.#applying = false;
    }
    this.#onApplied.emit({
      breaker: value.breaker,
      node: value.node,
      state: value.snapshot.state,
      reason: value.reason,
    });
  }
}

/** The KV key of a breaker: its registry key, base64url-encoded (KV keys allow `[-/_=.a-zA-Z0-9]`). */
function keyOf(breaker: string): string {
  return `b.${kvToken(breaker)}`;
}

function unavailable(op: string, error: unknown): RuntimeError {
  if (isRuntimeError(error)) return error;
  const message = messageOf(error);
  return new RuntimeError(ErrorCode.StoreUnavailable, `Could not ${op}: ${message}`, {
    cause: error,
    details: { op },
  });
}

/**
 * Shares `registry`'s breakers with every other node syncing to the same bucket; see
 * {@link BreakerKvSync}.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS, ERR_STORE_UNAVAILABLE as {@link BreakerKvSync.open}.
 * @example
 * const breakers = createBreakerRegistry({ halfOpenAfterMs: 5_000 });
 * await using sync = await syncBreakersWithKv(nc, breakers, { node: 'node-1' });
 * const agent = defineAgent({ ..., breakers }); // opens and closes with the rest of the cluster
 */
export function syncBreakersWithKv(
  nc: NatsConnection,
  registry: BreakerRegistry,
  options: BreakerKvSyncOptions,
): Promise<BreakerKvSync> {
  return BreakerKvSync.open(nc, registry, options);
}
