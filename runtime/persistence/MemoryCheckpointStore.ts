import { ErrorCode, RuntimeError } from '../errors/index.js';
import type { Checkpoint, StoredCheckpoint } from './Checkpoint.js';
import type {
  CheckpointInfo,
  CheckpointStore,
  LatestCheckpoint,
  PutCheckpointOptions,
} from './CheckpointStore.js';
import { DEFAULT_MAX_CHECKPOINT_BYTES, decodeCheckpoint, encodeCheckpoint } from './codec.js';
import { conflict } from './internal/storeErrors.js';

/**
 * Checkpoints in memory, encoded as they would be on disk (so sizes, limits and copies behave
 * like the durable stores). For tests and the embedded default; gone with the process.
 */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly #byActor = new Map<
    string,
    { revision: number; bytes: Uint8Array; journalSeq: number; createdAt: number }[]
  >();
  readonly #maxBytes: number;
  #revision = 0;
  #closed = false;

  constructor(options: { maxBytes?: number } = {}) {
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_CHECKPOINT_BYTES;
  }

  put(checkpoint: Checkpoint, options: PutCheckpointOptions = {}): Promise<{ revision: number }> {
    this.#open();
    const bytes = encodeCheckpoint(checkpoint, this.#maxBytes);
    const list = this.#byActor.get(checkpoint.actor) ?? [];
    const newest = list.at(-1)?.revision ?? 0;
    if (options.expectedRevision !== undefined && options.expectedRevision !== newest) {
      return Promise.reject(conflict(checkpoint.actor, options.expectedRevision, newest));
    }
    const revision = ++this.#revision;
    list.push({
      revision,
      bytes,
      journalSeq: checkpoint.journalSeq,
      createdAt: checkpoint.createdAt,
    });
    this.#byActor.set(checkpoint.actor, list);
    return Promise.resolve({ revision });
  }

  latest(actor: string): Promise<LatestCheckpoint | undefined> {
    this.#open();
    const list = this.#byActor.get(actor) ?? [];
    const last = list.at(-1);
    if (last === undefined) return Promise.resolve(undefined);
    return Promise.resolve({
      checkpoint: decodeCheckpoint(last.bytes, `memory:${actor}@${last.revision}`),
      revision: last.revision,
      skipped: [],
    });
  }

  get(actor: string, revision: number): Promise<StoredCheckpoint | undefined> {
    this.#open();
    const entry = (this.#byActor.get(actor) ?? []).find((e) => e.revision === revision);
    if (entry === undefined) return Promise.resolve(undefined);
    return Promise.resolve({
      checkpoint: decodeCheckpoint(entry.bytes, `memory:${actor}@${revision}`),
      revision,
    });
  }

  list(actor: string): Promise<CheckpointInfo[]> {
    this.#open();
    return Promise.resolve(
      (this.#byActor.get(actor) ?? []).map((e) => ({
        revision: e.revision,
        journalSeq: e.journalSeq,
        createdAt: e.createdAt,
        size: e.bytes.byteLength,
      })),
    );
  }

  delete(actor: string, revision?: number): Promise<void> {
    this.#open();
    if (revision === undefined) this.#byActor.delete(actor);
    else
      this.#byActor.set(
        actor,
        (this.#byActor.get(actor) ?? []).filter((e) => e.revision !== revision),
      );
    return Promise.resolve();
  }

  retain(actor: string, keep: number): Promise<number> {
    this.#open();
    const list = this.#byActor.get(actor) ?? [];
    const drop = Math.max(0, list.length - Math.max(0, keep));
    this.#byActor.set(actor, list.slice(drop));
    return Promise.resolve(drop);
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #open(): void {
    if (this.#closed) throw new RuntimeError(ErrorCode.Closed, 'Checkpoint store is closed');
  }
}
