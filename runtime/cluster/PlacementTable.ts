import { Listeners } from '../events/index.js';
import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Clock } from '../clock/index.js';
import type { Logger } from '../telemetry/index.js';
import type { Disposable } from '../events/index.js';
import {
  casWrite,
  decodeRecord,
  encodeRecord,
  fromKvToken,
  kvToken,
  listKeys,
  nextEpoch,
} from '../nats/index.js';
import { PlacementRecordSchema, type Placement, type PlacementRecord } from './PlacementRecord.js';

/** How a claim or release ended. */
export type PlacementOutcome =
  | { readonly ok: true; readonly placement: Placement }
  | { readonly ok: false; readonly reason: 'conflict' | 'unavailable'; readonly error: unknown };

/**
 * The placement bucket of one namespace: unit name → `{ node, run, epoch, status }`, mirrored
 * locally through a KV watch. Every write is a compare-and-set (KV `create` when the unit has no
 * entry, `update` on the revision read otherwise), so of two nodes claiming the same unit from the
 * same revision exactly one wins, and epochs only grow.
 */
export class PlacementTable {
  readonly #kv: KV;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #prefix: string;
  /** Lists the bucket's keys under a filter (see listKeys: not `kv.keys()`). */
  readonly #keys: (filter: string) => Promise<string[]>;
  readonly #cache = new Map<string, Placement>();
  readonly #listeners: Listeners<{ unit: string; placement: Placement | undefined }>;
  #watch: { stop(): void } | undefined;

  constructor(
    kv: KV,
    namespace: string,
    deps: { clock: Clock; logger: Logger; nc: NatsConnection; bucket: string },
  ) {
    this.#kv = kv;
    this.#keys = (filter) => listKeys(deps.nc, deps.bucket, filter);
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.#listeners = new Listeners({
      onListenerError: (err, { unit }) => {
        deps.logger.error({ err, unit }, 'placement listener threw');
      },
    });
    this.#prefix = `${kvToken(namespace)}.`;
  }

  /** Starts mirroring the bucket; resolves once the current entries are loaded. */
  async start(): Promise<void> {
    const iterator = await this.#kv.watch({ key: `${this.#prefix}>` });
    this.#watch = iterator;
    void (async () => {
      try {
        for await (const entry of iterator) this.#onEntry(entry);
      } catch (err) {
        this.#logger.warn({ err }, 'placement watch ended');
      }
    })();
    // The watch has no "initial values done" signal: read the current entries directly too
    // (the mirror keeps the higher revision of the two).
    const keys = await this.#keys(`${this.#prefix}>`);
    await Promise.all(keys.map((key) => this.read(fromKvToken(key.slice(this.#prefix.length)))));
  }

  /** The placement of `unit` as last seen (the local mirror). */
  get(unit: string): Placement | undefined {
    return this.#cache.get(unit);
  }

  /** Every placement as last seen. */
  all(): ReadonlyMap<string, Placement> {
    return this.#cache;
  }

  /** Reads the placement of `unit` from the server (not the mirror). */
  async read(unit: string): Promise<Placement | undefined> {
    const entry = await this.#kv.get(this.#key(unit));
    if (entry === null || entry.operation !== 'PUT') return undefined;
    const placement = this.#decode(entry.value, entry.revision, entry.key);
    this.#remember(unit, placement);
    return placement;
  }

  /**
   * Claims `unit` for `node`/`run` over `previous` (what the caller read; `undefined` for no
   * entry): epoch = previous epoch + 1 (after a corrupt entry: its revision + 1, which exceeds
   * every epoch it could have held).
   */
  async claim(
    unit: string,
    owner: { node: string; run: string },
    previous: Placement | undefined,
  ): Promise<PlacementOutcome> {
    const epoch = nextEpoch(
      previous === undefined
        ? undefined
        : { epoch: previous.record?.epoch, revision: previous.revision },
    );
    return this.#write(unit, { ...owner, epoch, status: 'active' }, previous?.revision);
  }

  /** Releases `unit` (owned through `current`): same owner and epoch, status `released`. */
  async release(unit: string, current: Placement): Promise<PlacementOutcome> {
    const record = current.record;
    if (record === undefined) {
      return { ok: false, reason: 'conflict', error: new Error('corrupt placement') };
    }
    return this.#write(
      unit,
      { node: record.node, run: record.run, epoch: record.epoch, status: 'released' },
      current.revision,
    );
  }

  /** Calls `listener` on every change seen by the watch (or by a read or write of this table). */
  onChange(listener: (unit: string, placement: Placement | undefined) => void): Disposable {
    return this.#listeners.add(({ unit, placement }) => {
      listener(unit, placement);
    });
  }

  /** Stops the watch. */
  stop(): void {
    this.#watch?.stop();
    this.#watch = undefined;
  }

  // --- internals ---

  async #write(
    unit: string,
    fields: Pick<PlacementRecord, 'node' | 'run' | 'epoch' | 'status'>,
    revision: number | undefined,
  ): Promise<PlacementOutcome> {
    const record: PlacementRecord = { v: 1, unit, ...fields, at: this.#clock.now() };
    const outcome = await casWrite(this.#kv, this.#key(unit), encodeRecord(record), revision);
    if (outcome.status !== 'ok') return { ok: false, reason: outcome.status, error: outcome.error };
    const placement = { record, revision: outcome.revision };
    this.#remember(unit, placement);
    return { ok: true, placement };
  }

  #key(unit: string): string {
    return this.#prefix + kvToken(unit);
  }

  #decode(bytes: Uint8Array, revision: number, key: string): Placement {
    const record = decodeRecord(PlacementRecordSchema, bytes);
    if (record === undefined) this.#logger.warn({ key, revision }, 'corrupt placement');
    return { record, revision };
  }

  #onEntry(entry: KvWatchEntry): void {
    const unit = fromKvToken(entry.key.slice(this.#prefix.length));
    if (entry.operation !== 'PUT') {
      // Placements are released by a write, never deleted; a purge by an operator forgets the unit.
      this.#cache.delete(unit);
      this.#notify(unit, undefined);
      return;
    }
    this.#remember(unit, this.#decode(entry.value, entry.revision, entry.key));
  }

  #remember(unit: string, placement: Placement): void {
    const known = this.#cache.get(unit);
    if (known !== undefined && known.revision >= placement.revision) return;
    this.#cache.set(unit, placement);
    this.#notify(unit, placement);
  }

  #notify(unit: string, placement: Placement | undefined): void {
    this.#listeners.emit({ unit, placement });
  }
}
