import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  ErrorCode,
  Listeners,
  NATS_BUCKETS,
  RuntimeError,
  casWrite,
  kvKey,
  kvToken,
  listKeys,
  openBucket,
  type Disposable,
} from 'agentvisor/internal';
import type { Escalation, EscalationResolution, ResolvedEscalation } from './Escalation.js';
import {
  closed,
  notFound,
  parseRecord,
  type EscalationFilter,
  type EscalationStore,
  type ResolvedListener,
} from './EscalationStore.js';

/** Where a {@link JetStreamEscalationStore} keeps its records. */
export interface JetStreamEscalationStoreOptions {
  /** Each namespace's escalations sit under its own key prefix. */
  readonly namespace: string;
  /** @default NATS_BUCKETS.escalations ('agentvisor_escalations') */
  readonly bucket?: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * An {@link EscalationStore} in a JetStream KV bucket, one JSON value per escalation under the
 * namespace's prefix: records survive the process and every node of the cluster lists them.
 * Resolve is a compare-and-set on the KV revision read, so of concurrent deciders on any nodes
 * exactly one wins; the others get ERR_ESCALATION_CLOSED naming the winner. A KV watch tells
 * {@link EscalationStore.watchResolved} listeners of decisions made by any process.
 *
 * The connection stays the caller's; {@link JetStreamEscalationStore.close} stops the watch.
 *
 * @example
 * const store = await JetStreamEscalationStore.open(nc, { namespace: 'desk' });
 * const tree = await createSupervisionTree(system, policy, { escalationStore: store });
 */
export class JetStreamEscalationStore implements EscalationStore {
  readonly #nc: NatsConnection;
  readonly #kv: KV;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #watchers = new Listeners<ResolvedEscalation>();
  #watch: Promise<{ stop(): void } | undefined> | undefined;
  #closed = false;

  private constructor(nc: NatsConnection, kv: KV, bucket: string, namespace: string) {
    this.#nc = nc;
    this.#kv = kv;
    this.#bucket = bucket;
    this.#prefix = `${kvToken(namespace)}.`;
  }

  /**
   * Opens (creating when missing) the escalation bucket.
   *
   * @throws {RuntimeError} ERR_STORE_UNAVAILABLE when JetStream cannot be reached.
   */
  static async open(
    nc: NatsConnection,
    options: JetStreamEscalationStoreOptions,
  ): Promise<JetStreamEscalationStore> {
    const bucket = options.bucket ?? NATS_BUCKETS.escalations;
    const kv = await openBucket(nc, bucket, { history: 1 });
    return new JetStreamEscalationStore(nc, kv, bucket, options.namespace);
  }

  async put(record: Escalation): Promise<void> {
    try {
      await this.#kv.put(this.#key(record.id), encoder.encode(JSON.stringify(record)));
    } catch (cause) {
      throw this.#unavailable(record.id, cause);
    }
  }

  async get(id: string): Promise<Escalation | undefined> {
    return (await this.#read(this.#key(id), id))?.record;
  }

  async markApplied(id: string, at: number): Promise<void> {
    try {
      await this.#kv.put(`${this.#key(id)}.applied`, encoder.encode(String(at)));
    } catch (cause) {
      throw this.#unavailable(id, cause);
    }
  }

  async appliedAt(id: string): Promise<number | undefined> {
    let entry;
    try {
      entry = await this.#kv.get(`${this.#key(id)}.applied`);
    } catch (cause) {
      throw this.#unavailable(id, cause);
    }
    if (entry === null || entry.operation !== 'PUT') return undefined;
    return Number(decoder.decode(entry.value));
  }

  async list(filter: EscalationFilter = {}): Promise<Escalation[]> {
    // One token after the prefix: the records, not their `.applied` markers.
    const keys = await listKeys(this.#nc, this.#bucket, `${this.#prefix}*`);
    const out: Escalation[] = [];
    for (const key of keys) {
      const id = Buffer.from(key.slice(this.#prefix.length), 'base64url').toString('utf8');
      const record = (await this.#read(key, id))?.record;
      if (record === undefined) continue;
      if (filter.status !== undefined && record.status !== filter.status) continue;
      if (filter.supervisor !== undefined && record.supervisor !== filter.supervisor) continue;
      out.push(record);
    }
    return out.sort((a, b) => a.raisedAt - b.raisedAt || (a.id < b.id ? -1 : 1));
  }

  async resolve(id: string, resolution: EscalationResolution): Promise<ResolvedEscalation> {
    const key = this.#key(id);
    const current = await this.#read(key, id);
    if (current === undefined) throw notFound(id);
    if (current.record.status !== 'open') throw closed(current.record);
    const next: ResolvedEscalation = { ...current.record, status: 'resolved', resolution };
    const outcome = await casWrite(
      this.#kv,
      key,
      encoder.encode(JSON.stringify(next)),
      current.revision,
    );
    if (outcome.status === 'unavailable') throw this.#unavailable(id, outcome.error);
    if (outcome.status === 'conflict') {
      const winner = (await this.#read(key, id))?.record;
      if (winner?.status === 'resolved') throw closed(winner);
      throw notFound(id);
    }
    return structuredClone(next);
  }

  watchResolved(listener: ResolvedListener): Disposable {
    this.#watch ??= this.#startWatch();
    return this.#watchers.add(listener);
  }

  /** Stops the KV watch (the connection stays open: it is the caller's). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watchers.clear();
    try {
      (await this.#watch)?.stop();
    } catch {
      // Already stopped with its connection.
    }
  }

  // --- internals ---

  async #startWatch(): Promise<{ stop(): void } | undefined> {
    if (this.#closed) return undefined;
    try {
      const iterator = await this.#kv.watch({ key: `${this.#prefix}*`, include: 'updates' });
      void (async () => {
        for await (const entry of iterator) this.#onEntry(entry);
      })().catch(() => undefined); // The connection closed: nothing more to watch.
      return iterator;
    } catch {
      // No watch (JetStream unreachable): decisions made elsewhere apply at the next rebind.
      return undefined;
    }
  }

  #onEntry(entry: KvWatchEntry): void {
    if (entry.operation !== 'PUT') return;
    const id = Buffer.from(entry.key.slice(this.#prefix.length), 'base64url').toString('utf8');
    let record: Escalation;
    try {
      record = parseRecord(id, JSON.parse(decoder.decode(entry.value)));
    } catch {
      return; // A corrupt record is reported by the reads, not by the watch.
    }
    if (record.status === 'resolved') this.#watchers.emit(record);
  }

  #key(id: string): string {
    return `${this.#prefix}${kvKey(id)}`;
  }

  async #read(
    key: string,
    id: string,
  ): Promise<{ record: Escalation; revision: number } | undefined> {
    let entry;
    try {
      entry = await this.#kv.get(key);
    } catch (cause) {
      throw this.#unavailable(id, cause);
    }
    if (entry === null || entry.operation !== 'PUT') return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(decoder.decode(entry.value));
    } catch {
      raw = '(not UTF-8 JSON)';
    }
    return { record: parseRecord(id, raw), revision: entry.revision };
  }

  #unavailable(id: string, cause: unknown): RuntimeError {
    return new RuntimeError(ErrorCode.StoreUnavailable, `Cannot reach escalation ${id}`, {
      cause,
      details: { bucket: this.#bucket, id },
    });
  }
}
