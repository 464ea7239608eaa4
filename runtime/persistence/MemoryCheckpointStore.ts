import { ErrorCode, RuntimeError, isRuntimeError } from '../errors/index.js';
import type { Checkpoint, SkippedCheckpoint, StoredCheckpoint } from './Checkpoint.js';
import type {
  CheckpointInfo,
  CheckpointStore,
  LatestCheckpoint,
  PutCheckpointOptions,
} from './CheckpointStore.js';
import { DEFAULT_MAX_CHECKPOINT_BYTES, decodeCheckpoint, encodeCheckpoint } from './codec.js';
import { conflict } from './internal/storeErrors.js';

interface Entry {
  readonly revision: number;
  readonly bytes: Uint8Array;
  readonly journalSeq: number;
  readonly createdAt: number;
  /** Whether it decodes as a checkpoint of its actor (false only after {@link putRaw}). */
  readonly valid: boolean;
}

/**
 * Checkpoints in memory, encoded as they would be on disk (so sizes, limits and copies behave
 * like the durable stores). For tests and the embedded default; gone with the process. Held to
 * the durable stores' rules: a corrupt entry (only {@link putRaw} makes one) is skipped by
 * `latest`, left out of `list`, and still counts for compare-and-set.
 */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly #byActor = new Map<string, Entry[]>();
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
      valid: true,
    });
    this.#byActor.set(checkpoint.actor, list);
    return Promise.resolve({ revision });
  }

  latest(actor: string): Promise<LatestCheckpoint | undefined> {
    this.#open();
    const skipped: SkippedCheckpoint[] = [];
    for (const entry of [...(this.#byActor.get(actor) ?? [])].reverse()) {
      const checkpoint = this.#tryDecode(actor, entry, skipped);
      if (checkpoint !== undefined) {
        return Promise.resolve({ checkpoint, revision: entry.revision, skipped });
      }
    }
    return Promise.resolve(undefined);
  }

  get(actor: string, revision: number): Promise<StoredCheckpoint | undefined> {
    this.#open();
    const entry = (this.#byActor.get(actor) ?? []).find((e) => e.revision === revision);
    if (entry === undefined) return Promise.resolve(undefined);
    return Promise.resolve({ checkpoint: this.#decode(actor, entry), revision });
  }

  /** The valid checkpoints of an actor, oldest first (corrupt entries are left out). */
  list(actor: string): Promise<CheckpointInfo[]> {
    this.#open();
    return Promise.resolve(
      (this.#byActor.get(actor) ?? [])
        .filter((e) => e.valid)
        .map((e) => ({
          revision: e.revision,
          journalSeq: e.journalSeq,
          createdAt: e.createdAt,
          size: e.bytes.byteLength,
        })),
    );
  }

  newestRevision(actor: string): Promise<number> {
    this.#open();
    return Promise.resolve(this.#byActor.get(actor)?.at(-1)?.revision ?? 0);
  }

  /**
   * @internal Stores `bytes` as the actor's newest checkpoint without encoding or checking them:
   * what a person or a bug writing into a durable store by hand leaves (for tests).
   */
  putRaw(actor: string, bytes: Uint8Array): void {
    this.#open();
    const list = this.#byActor.get(actor) ?? [];
    const revision = ++this.#revision;
    const raw = { revision, bytes: Uint8Array.from(bytes), journalSeq: 0, createdAt: 0 };
    const decoded = this.#tryDecode(actor, { ...raw, valid: true }, []);
    list.push(
      decoded === undefined
        ? { ...raw, valid: false }
        : { ...raw, journalSeq: decoded.journalSeq, createdAt: decoded.createdAt, valid: true },
    );
    this.#byActor.set(actor, list);
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

  /**
   * Keeps the newest `keep` valid checkpoints and drops every entry older than the oldest of them;
   * corrupt entries among the kept ones stay. Drops nothing when fewer than `keep` are valid.
   */
  retain(actor: string, keep: number): Promise<number> {
    this.#open();
    const list = this.#byActor.get(actor) ?? [];
    let valid = 0;
    let from = list.length;
    for (let i = list.length - 1; i >= 0 && valid < Math.max(0, keep); i--) {
      if ((list[i] as Entry).valid) {
        valid++;
        from = i;
      }
    }
    if (valid < keep) return Promise.resolve(0);
    this.#byActor.set(actor, list.slice(from));
    return Promise.resolve(from);
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #open(): void {
    if (this.#closed) throw new RuntimeError(ErrorCode.Closed, 'Checkpoint store is closed');
  }

  /** Decodes and validates an entry. @throws ERR_CORRUPT_DATA */
  #decode(actor: string, entry: Entry): Checkpoint {
    const where = `memory:${actor}@${entry.revision}`;
    return decodeCheckpoint(entry.bytes, where, actor);
  }

  /** Decodes an entry; a corrupt one is recorded in `skipped` and gives undefined. */
  #tryDecode(actor: string, entry: Entry, skipped: SkippedCheckpoint[]): Checkpoint | undefined {
    try {
      return this.#decode(actor, entry);
    } catch (error) {
      if (!isRuntimeError(error, ErrorCode.CorruptData)) throw error;
      skipped.push({ revision: entry.revision, error });
      return undefined;
    }
  }
}
