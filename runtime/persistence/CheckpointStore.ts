import type { Checkpoint, SkippedCheckpoint, StoredCheckpoint } from './Checkpoint.js';

/** Options of {@link CheckpointStore.put}. */
export interface PutCheckpointOptions {
  /**
   * Compare-and-set: the revision of the newest checkpoint the writer knows (`0` when it knows
   * none). When the store holds a newer one, the put fails with ERR_PERSISTENCE_CONFLICT, so a
   * stale owner (a zombie node after failover) cannot overwrite a newer checkpoint. Absent: no check.
   */
  expectedRevision?: number;
}

/** What `latest` found. */
export interface LatestCheckpoint extends StoredCheckpoint {
  /** Newer checkpoints that were corrupt and skipped, newest first (each also logged by the caller). */
  readonly skipped: readonly SkippedCheckpoint[];
}

/** One entry of {@link CheckpointStore.list}. */
export interface CheckpointInfo {
  readonly revision: number;
  readonly journalSeq: number;
  readonly createdAt: number;
  /** Encoded size in bytes. */
  readonly size: number;
}

/**
 * Where checkpoints live. Three implementations pass one conformance suite: memory, file (atomic
 * write with fsync and rename; torn or corrupt files detected and skipped) and NATS JetStream KV
 * (revision compare-and-set). Every checkpoint read back is validated (CheckpointSchema).
 *
 * @throws {RuntimeError} ERR_PERSISTENCE_CONFLICT on a lost compare-and-set; ERR_VALUE_TOO_LARGE
 *   when the encoded checkpoint exceeds what the store takes; ERR_STORE_UNAVAILABLE on I/O failure.
 */
export interface CheckpointStore {
  /**
   * Stores a new checkpoint for `checkpoint.actor`; resolves with its revision and, for stores
   * that encode it, its encoded size in bytes (`agentvisor_checkpoint_bytes`).
   */
  put(
    checkpoint: Checkpoint,
    options?: PutCheckpointOptions,
  ): Promise<{ revision: number; bytes?: number }>;
  /** The newest valid checkpoint of an actor (skipping corrupt newer ones), or undefined. */
  latest(actor: string): Promise<LatestCheckpoint | undefined>;
  /** A checkpoint by revision. @throws ERR_CORRUPT_DATA when it does not validate. */
  get(actor: string, revision: number): Promise<StoredCheckpoint | undefined>;
  /** The retained checkpoints of an actor, oldest first. */
  list(actor: string): Promise<CheckpointInfo[]>;
  /**
   * The revision of the actor's newest entry, valid or corrupt (0 when none): the
   * `expectedRevision` a put must name to replace it. Recovery needs it when every checkpoint is
   * corrupt (`latest` is then undefined); a store without it is trusted to hold no corrupt entry
   * then.
   */
  newestRevision?(actor: string): Promise<number>;
  /** Deletes one checkpoint, or all of an actor's when `revision` is absent. */
  delete(actor: string, revision?: number): Promise<void>;
  /** Keeps the newest `keep` checkpoints of an actor; resolves with how many were deleted. */
  retain(actor: string, keep: number): Promise<number>;
  /** Releases resources (files, watchers); the store is unusable after. */
  close(): Promise<void>;
}
