/** A change in the shards a node owns. `epoch` grows with every change of owner of the shard. */
export type OwnershipChange =
  | { readonly type: 'acquired'; readonly shard: number; readonly epoch: number }
  | {
      readonly type: 'lost';
      readonly shard: number;
      readonly epoch: number;
      /** `released`: given up on stop; `taken`: another node holds it; `expired`: not renewed in time. */
      readonly reason: 'released' | 'taken' | 'expired';
    };

/** Listener of {@link ShardOwnership} changes. */
export type OwnershipListener = (change: OwnershipChange) => void;

/**
 * Which mailbox shards this node consumes. A durable mailbox consumes a shard from `acquired`
 * until `lost`. The cluster layer may drive it (placement, rebalancing); {@link KvShardLeases}
 * is the built-in implementation over a KV bucket, {@link StaticShardOwnership} a fixed one.
 */
export interface ShardOwnership {
  /** Starts taking part; `listener` hears every gain and loss, in order. */
  start(listener: OwnershipListener): Promise<void>;
  /** The shards owned now, each with its epoch. */
  owned(): ReadonlyMap<number, number>;
  /** Gives up every owned shard (reported as `lost`, reason `released`) and stops. */
  stop(): Promise<void>;
}

/**
 * Owns a fixed set of shards without coordination: for one node alone, tests and benchmarks.
 * Two nodes given the same shard would both consume it (JetStream load-balances between them;
 * the receiving actors still deduplicate), so only use it where that cannot happen.
 */
export class StaticShardOwnership implements ShardOwnership {
  readonly #shards: readonly number[];
  readonly #owned = new Map<number, number>();
  #listener: OwnershipListener | undefined;

  constructor(shards: readonly number[]) {
    this.#shards = [...shards];
  }

  start(listener: OwnershipListener): Promise<void> {
    this.#listener = listener;
    for (const shard of this.#shards) {
      this.#owned.set(shard, 1);
      listener({ type: 'acquired', shard, epoch: 1 });
    }
    return Promise.resolve();
  }

  owned(): ReadonlyMap<number, number> {
    return this.#owned;
  }

  stop(): Promise<void> {
    for (const [shard, epoch] of this.#owned)
      this.#listener?.({ type: 'lost', shard, epoch, reason: 'released' });
    this.#owned.clear();
    this.#listener = undefined;
    return Promise.resolve();
  }
}
