import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { systemClock, type Clock, type TimerHandle } from '../clock/index.js';
import { parseOptions } from '../errors/index.js';
import { NATS_BUCKETS, casWrite, claimEpoch, kvKey, openBucket } from '../nats/index.js';
import { silentLogger, type Logger } from '../telemetry/index.js';
import type { OwnershipListener, ShardOwnership } from './ShardOwnership.js';

/** Options of {@link KvShardLeases}. */
export const KvShardLeasesOptionsSchema = z
  .strictObject({
    /** This node's id, recorded as the holder of its leases. */
    nodeId: z.string().min(1).max(256),
    /** Namespace whose shards are leased (part of each key). @default 'default' */
    namespace: z.string().min(1).max(64).default('default'),
    /** Number of shards of the namespace's mailbox. @default 16 */
    shards: z.number().int().positive().max(1024).default(16),
    /** The shards this node contends for; all of them when absent. */
    contend: z.array(z.number().int().nonnegative()).optional(),
    /** KV bucket of the leases, created when missing. @default 'agentvisor_mbox_leases' */
    bucket: z
      .string()
      .regex(/^[-\w]+$/, 'must be letters, digits, "-" or "_"')
      .default(NATS_BUCKETS.mailboxLeases),
    /**
     * A lease not renewed for this long (as each contender measures it on its own monotonic
     * clock) is taken over. @default 10_000
     */
    ttlMs: z.number().int().positive().default(10_000),
    /** How often the holder renews and contenders look. @default 2_000 */
    renewMs: z.number().int().positive().default(2_000),
  })
  .refine((o) => o.renewMs * 2 <= o.ttlMs, {
    path: ['renewMs'],
    error: 'must be at most half of ttlMs',
  })
  .refine((o) => (o.contend ?? []).every((s) => s < o.shards), {
    path: ['contend'],
    error: 'every shard must be below shards',
  });

/** What callers pass to {@link createKvShardLeases}. */
export type KvShardLeasesOptions = z.input<typeof KvShardLeasesOptionsSchema>;
type KvShardLeasesConfig = z.output<typeof KvShardLeasesOptionsSchema>;

/** The stored lease: who holds it (null once released) and its epoch. */
const LeaseSchema = z.strictObject({
  holder: z.string().nullable(),
  epoch: z.number().int().nonnegative(),
});
type Lease = z.output<typeof LeaseSchema>;

/** What this node knows of one shard's lease. */
type ShardState =
  | { readonly status: 'held'; epoch: number; revision: number; renewedAt: number }
  | { readonly status: 'watching'; revision: number; since: number };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Shard ownership through leases in a NATS KV bucket, one key per shard
 * (`<namespace base64url>.<shard>` → `{ holder, epoch }`):
 * - a free shard (no key, or released) is claimed with `create` / compare-and-set, epoch + 1;
 * - the holder renews every `renewMs` by compare-and-set on the revision it wrote last; a failed
 *   compare-and-set means another node took the shard (`lost`, `taken`);
 * - a contender takes a lease over (epoch + 1) once its revision has not changed for `ttlMs` on
 *   the contender's own monotonic clock: no wall clocks compared across nodes, so clock skew
 *   cannot hand one shard to two nodes (Chubby/Raft-style lease observation);
 * - the holder gives its lease up by itself when it could not renew for `ttlMs - renewMs`
 *   (`lost`, `expired`), before any contender can have taken it over.
 * Bucket TTL is not used: nats-server 2.9 drops expired keys without a trace, and the epoch
 * must survive (reference/xstate-nats.md §B.5).
 */
export class KvShardLeases implements ShardOwnership {
  readonly #nc: NatsConnection;
  readonly #config: KvShardLeasesConfig;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #states = new Map<number, ShardState>();
  readonly #owned = new Map<number, number>();
  #kv: KV | undefined;
  #listener: OwnershipListener | undefined;
  #timer: TimerHandle = undefined;
  #tick: Promise<void> = Promise.resolve();
  #stopped = false;

  /** @internal Use {@link createKvShardLeases}. */
  constructor(
    nc: NatsConnection,
    config: KvShardLeasesConfig,
    deps: { clock?: Clock; logger?: Logger },
  ) {
    this.#nc = nc;
    this.#config = config;
    this.#clock = deps.clock ?? systemClock;
    this.#logger = (deps.logger ?? silentLogger()).child({ leases: config.nodeId });
  }

  /**
   * Opens the bucket and makes a first round of claims before it resolves.
   *
   * @throws {RuntimeError} ERR_STORE_UNAVAILABLE when the bucket cannot be opened.
   */
  async start(listener: OwnershipListener): Promise<void> {
    this.#listener = listener;
    this.#kv = await openBucket(this.#nc, this.#config.bucket, { history: 1 });
    await this.#round();
    this.#schedule();
  }

  owned(): ReadonlyMap<number, number> {
    return this.#owned;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#clock.clearTimeout(this.#timer);
    await this.#tick;
    const kv = this.#kv;
    for (const [shard, state] of this.#states) {
      if (state.status !== 'held') continue;
      // Released, epoch kept: the next owner claims it at once with epoch + 1.
      const lease: Lease = { holder: null, epoch: state.epoch };
      const released =
        kv === undefined
          ? undefined
          : await casWrite(kv, this.#key(shard), encode(lease), state.revision);
      if (released !== undefined && released.status !== 'ok')
        this.#logger.warn({ err: released.error, shard }, 'could not release a shard lease');
      this.#lose(shard, state.epoch, 'released');
    }
    this.#listener = undefined;
  }

  // --- internals ---

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.setTimeout(() => {
      this.#tick = this.#round().finally(() => {
        this.#schedule();
      });
    }, this.#config.renewMs);
  }

  #key(shard: number): string {
    return kvKey(this.#config.namespace, shard);
  }

  #shards(): readonly number[] {
    return this.#config.contend ?? Array.from({ length: this.#config.shards }, (_, i) => i);
  }

  /** One pass over every contended shard: renew what is held, claim what is free or stale. */
  async #round(): Promise<void> {
    if (this.#nc.isClosed()) {
      // The connection is gone for good: nothing can be renewed; stop consuming at once.
      this.#stopped = true;
      for (const [shard, state] of this.#states)
        if (state.status === 'held') this.#lose(shard, state.epoch, 'expired');
      this.#states.clear();
      return;
    }
    await Promise.all(
      this.#shards().map(async (shard) => {
        try {
          await this.#visit(shard);
        } catch (err) {
          this.#logger.warn({ err, shard }, 'shard lease round failed');
        }
      }),
    );
  }

  async #visit(shard: number): Promise<void> {
    const kv = this.#kv;
    if (kv === undefined || this.#stopped) return;
    const state = this.#states.get(shard);
    const now = this.#clock.monotonic();
    if (state?.status === 'held') {
      const lease: Lease = { holder: this.#config.nodeId, epoch: state.epoch };
      const renewed = await casWrite(kv, this.#key(shard), encode(lease), state.revision);
      if (renewed.status === 'ok') {
        state.revision = renewed.revision;
        state.renewedAt = now;
      } else {
        if (this.#isStopped()) return;
        const current = await kv.get(this.#key(shard)).catch(() => undefined);
        if (current !== undefined && current !== null && current.revision !== state.revision) {
          this.#states.set(shard, { status: 'watching', revision: current.revision, since: now });
          this.#lose(shard, state.epoch, 'taken');
        } else if (now - state.renewedAt >= this.#config.ttlMs - this.#config.renewMs) {
          // Unreachable too long: contenders may take it over soon; stop consuming first.
          this.#states.delete(shard);
          this.#lose(shard, state.epoch, 'expired');
        } else {
          this.#logger.warn({ err: renewed.error, shard }, 'shard lease renewal failed; retrying');
        }
      }
      return;
    }
    const entry = await kv.get(this.#key(shard));
    if (entry === null || entry.operation !== 'PUT') {
      const created = await this.#claim(kv, shard, undefined);
      if (created.status === 'ok') this.#acquire(shard, created.epoch, created.revision, now);
      return;
    }
    const lease = decode(entry.value);
    // A value that does not parse counts as held by someone unknown: taken over once stale.
    const free = lease !== undefined && lease.holder === null;
    const stale =
      state?.status === 'watching' &&
      state.revision === entry.revision &&
      now - state.since >= this.#config.ttlMs;
    if (!free && !stale) {
      if (state?.revision !== entry.revision)
        this.#states.set(shard, { status: 'watching', revision: entry.revision, since: now });
      return;
    }
    const taken = await this.#claim(kv, shard, { epoch: lease?.epoch, revision: entry.revision });
    if (taken.status === 'ok') this.#acquire(shard, taken.epoch, taken.revision, now);
    else this.#states.delete(shard);
  }

  /**
   * Claims `shard` over what was read (the shared epoch claim: epoch + 1, compare-and-set). A
   * `conflict` is another contender winning; anything else is logged, never dropped silently.
   */
  async #claim(
    kv: KV,
    shard: number,
    previous: { epoch: number | undefined; revision: number } | undefined,
  ) {
    const outcome = await claimEpoch(kv, this.#key(shard), previous, (epoch) =>
      encode({ holder: this.#config.nodeId, epoch }),
    );
    if (outcome.status === 'unavailable')
      this.#logger.warn({ err: outcome.error, shard }, 'shard lease claim failed');
    return outcome;
  }

  /** Re-reads the flag (`stop()` may set it while a renewal is awaited). */
  #isStopped(): boolean {
    return this.#stopped;
  }

  #acquire(shard: number, epoch: number, revision: number, now: number): void {
    if (this.#stopped) return;
    this.#states.set(shard, { status: 'held', epoch, revision, renewedAt: now });
    this.#owned.set(shard, epoch);
    this.#logger.info({ shard, epoch }, 'acquired shard');
    this.#listener?.({ type: 'acquired', shard, epoch });
  }

  #lose(shard: number, epoch: number, reason: 'released' | 'taken' | 'expired'): void {
    this.#owned.delete(shard);
    if (reason !== 'released') this.#logger.warn({ shard, epoch, reason }, 'lost shard');
    this.#listener?.({ type: 'lost', shard, epoch, reason });
  }
}

function encode(lease: Lease): Uint8Array {
  return encoder.encode(JSON.stringify(lease));
}

/** The lease in `bytes`, or undefined when it does not parse (a claim over it then takes its revision + 1 as epoch: see nextEpoch). */
function decode(bytes: Uint8Array): Lease | undefined {
  try {
    const parsed = LeaseSchema.safeParse(JSON.parse(decoder.decode(bytes)));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates {@link KvShardLeases} on `nc` (the connection stays the caller's).
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS with the path of each bad option.
 */
export function createKvShardLeases(
  nc: NatsConnection,
  options: KvShardLeasesOptions,
  deps: { clock?: Clock; logger?: Logger } = {},
): KvShardLeases {
  return new KvShardLeases(
    nc,
    parseOptions(KvShardLeasesOptionsSchema, options, 'shard leases'),
    deps,
  );
}
