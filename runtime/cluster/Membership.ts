import { Listeners } from '../events/index.js';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { Clock } from '../clock/index.js';
import type { Disposable } from '../events/index.js';
import type { Logger } from '../telemetry/index.js';
import { decodeRecord, encodeRecord, fromKvToken, kvToken } from '../nats/index.js';
import {
  MemberRecordSchema,
  type Member,
  type MemberRecord,
  type MembershipEvent,
} from './MemberRecord.js';

/** What a {@link Membership} needs to know about its own node. */
export interface MembershipConfig {
  readonly namespace: string;
  readonly node: string;
  readonly run: string;
  readonly roles: readonly string[];
  readonly startedAt: number;
  readonly deadAfterMs: number;
}

interface Seen {
  record: MemberRecord;
  revision: number;
  /** Monotonic time the newest revision arrived here. */
  seenAt: number;
  /** Reported dead already (a `dead` event goes out once per silence). */
  dead: boolean;
  /** Its heartbeat was deleted from the bucket (pruned) by this node. */
  pruned?: boolean;
}

/**
 * A dead node's heartbeat is deleted from the bucket (pruned from every member list and from
 * `status`) once it has been silent for this many × `deadAfterMs`: 10 s with the defaults,
 * instead of lingering until the bucket's `max_age` (`memberTtlMs`, 60 s) clears it.
 */
export const PRUNE_AFTER_DEAD = 10;

/**
 * Cluster membership over a KV bucket: each node puts a heartbeat under its own key every
 * `heartbeatMs`; every node watches the namespace's keys. The bucket's `max_age` removes the keys
 * of nodes gone for good, but nats-server 2.9 sends no watch event when a key expires, so liveness
 * is judged here: a node is alive while a new revision of its key arrived within `deadAfterMs`
 * (measured on this node's monotonic clock, so clock skew between machines does not matter; the
 * same arrival-time rule as Akka's failure detector).
 *
 * Events: `join` (a node, or a new run of it, first heard, or heard again after it was reported
 * dead), `leave` (its key deleted: a graceful leave), `dead` (silent past `deadAfterMs`; once per
 * silence). A draining node heartbeats `leaving`: it stays live (it still owns its units) but
 * takes no new ones.
 */
export class Membership {
  readonly #kv: KV;
  readonly #config: MembershipConfig;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #prefix: string;
  readonly #seen = new Map<string, Seen>();
  readonly #listeners: Listeners<MembershipEvent>;
  #watch: { stop(): void } | undefined;
  #lastBeatOk: number;
  #status: MemberRecord['status'] = 'up';

  constructor(kv: KV, config: MembershipConfig, deps: { clock: Clock; logger: Logger }) {
    this.#kv = kv;
    this.#config = config;
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.#listeners = new Listeners({
      onListenerError: (err, event) => {
        deps.logger.error({ err, event: event.type }, 'membership listener threw');
      },
    });
    this.#prefix = `${kvToken(config.namespace)}.`;
    this.#lastBeatOk = deps.clock.monotonic();
  }

  /** Starts watching the namespace's heartbeats; resolves once the watch is set up. */
  async start(): Promise<void> {
    const iterator = await this.#kv.watch({ key: `${this.#prefix}>` });
    this.#watch = iterator;
    void (async () => {
      try {
        for await (const entry of iterator) this.#onEntry(entry);
      } catch (err) {
        this.#logger.warn({ err }, 'membership watch ended');
      }
    })();
  }

  /**
   * Puts this node's heartbeat.
   * @returns whether the put succeeded (a node whose heartbeats fail may be declared dead).
   */
  async beat(load: number, status: MemberRecord['status'] = 'up'): Promise<boolean> {
    this.#status = status;
    const record: MemberRecord = {
      v: 1,
      node: this.#config.node,
      run: this.#config.run,
      roles: [...this.#config.roles],
      load,
      startedAt: this.#config.startedAt,
      at: this.#clock.now(),
      status,
    };
    try {
      await this.#kv.put(this.#key(this.#config.node), encodeRecord(record));
      this.#lastBeatOk = this.#clock.monotonic();
      return true;
    } catch (err) {
      this.#logger.warn({ err }, 'heartbeat failed');
      return false;
    }
  }

  /** Reads this node's key from the server: another process may hold the same node id. */
  async readOwn(): Promise<{ record: MemberRecord | undefined; revision: number } | undefined> {
    const entry = await this.#kv.get(this.#key(this.#config.node));
    if (entry === null || entry.operation !== 'PUT') return undefined;
    return { record: decodeRecord(MemberRecordSchema, entry.value), revision: entry.revision };
  }

  /** This node's status as last announced. */
  get status(): MemberRecord['status'] {
    return this.#status;
  }

  /** Monotonic ms since this node's last successful heartbeat. */
  get ownSilenceMs(): number {
    return this.#clock.monotonic() - this.#lastBeatOk;
  }

  /** The record under `node`'s key as last seen, with the revision that carried it. */
  seen(node: string): { record: MemberRecord; revision: number } | undefined {
    const s = this.#seen.get(node);
    return s === undefined ? undefined : { record: s.record, revision: s.revision };
  }

  /** Every node heard from (live or not yet expired), by node id. */
  members(): Member[] {
    const now = this.#clock.monotonic();
    return [...this.#seen.values()]
      .map((s) => ({
        ...s.record,
        ageMs: now - s.seenAt,
        alive: now - s.seenAt <= this.#config.deadAfterMs,
      }))
      .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  }

  /** The live members (heard from within `deadAfterMs`; a draining node is live until it leaves). */
  live(): Member[] {
    return this.members().filter((m) => m.alive);
  }

  /**
   * Reports nodes that went silent past `deadAfterMs` since the last sweep (`dead` events), and
   * prunes those silent past {@link PRUNE_AFTER_DEAD} × `deadAfterMs`: their key is deleted only
   * if no newer heartbeat was written meanwhile (a delete on the revision last seen), so a node
   * that comes back is never pruned.
   */
  sweep(): void {
    const now = this.#clock.monotonic();
    for (const s of this.#seen.values()) {
      const ageMs = now - s.seenAt;
      if (!s.dead && ageMs > this.#config.deadAfterMs) {
        s.dead = true;
        this.#emit({ type: 'dead', node: s.record.node, run: s.record.run, ageMs });
      }
      if (s.dead && s.pruned !== true && ageMs > PRUNE_AFTER_DEAD * this.#config.deadAfterMs) {
        s.pruned = true;
        this.#prune(s);
      }
    }
  }

  #prune(s: Seen): void {
    const node = s.record.node;
    this.#kv.delete(this.#key(node), { previousSeq: s.revision }).then(
      () => {
        this.#logger.info({ member: node, run: s.record.run }, 'pruned a dead member');
        // The watch sees the delete too; a dead member leaves no `leave` event.
        if (this.#seen.get(node) === s) this.#seen.delete(node);
      },
      (err: unknown) => {
        // Another node pruned it first, or it came back: either way nothing to do.
        this.#logger.debug({ err, member: node }, 'dead member not pruned');
      },
    );
  }

  /**
   * Forgives the silence this node could not observe: after its own connection or process was
   * stalled, every other node is given a fresh `deadAfterMs` before it may be judged dead.
   */
  forgive(): void {
    const now = this.#clock.monotonic();
    for (const s of this.#seen.values()) if (!s.dead) s.seenAt = now;
  }

  /** Removes this node's heartbeat (a graceful leave: others see `leave` at once). */
  async leave(): Promise<void> {
    try {
      await this.#kv.delete(this.#key(this.#config.node));
    } catch (err) {
      this.#logger.warn({ err }, 'could not remove the heartbeat');
    }
  }

  /** Delivers membership events from now on. */
  onEvent(listener: (event: MembershipEvent) => void): Disposable {
    return this.#listeners.add(listener);
  }

  /** Stops watching. */
  stop(): void {
    this.#watch?.stop();
    this.#watch = undefined;
  }

  // --- internals ---

  #key(node: string): string {
    return this.#prefix + kvToken(node);
  }

  #onEntry(entry: KvWatchEntry): void {
    const node = fromKvToken(entry.key.slice(this.#prefix.length));
    const previous = this.#seen.get(node);
    if (entry.operation !== 'PUT') {
      this.#seen.delete(node);
      if (previous !== undefined && !previous.dead) {
        this.#emit({ type: 'leave', node, run: previous.record.run });
      }
      return;
    }
    const record = decodeRecord(MemberRecordSchema, entry.value);
    if (record?.node !== node) {
      this.#logger.warn({ key: entry.key, revision: entry.revision }, 'corrupt heartbeat ignored');
      return;
    }
    if (previous !== undefined && entry.revision <= previous.revision) return;
    this.#seen.set(node, {
      record,
      revision: entry.revision,
      seenAt: this.#clock.monotonic(),
      dead: false,
    });
    const joined = previous === undefined || previous.dead || previous.record.run !== record.run;
    if (joined) this.#emit({ type: 'join', member: record });
  }

  #emit(event: MembershipEvent): void {
    this.#listeners.emit(event);
  }
}
