import { z } from 'zod';

/** Current checkpoint format version. */
export const CHECKPOINT_VERSION = 1;

/**
 * A checkpoint (DESIGN.md "Checkpoints and the journal"): an actor's persisted XState snapshot
 * and where it stands in its journal, so recovery = this + the journal after `journalSeq`.
 * Validated whenever it is read back from a store.
 */
export const CheckpointSchema = z.strictObject({
  /** Format version of the checkpoint record itself. */
  v: z.literal(CHECKPOINT_VERSION),
  /** Actor name. */
  actor: z.string().min(1).max(512),
  /** Machine id and version that wrote it; another version is migrated or refused. */
  machineId: z.string().max(256),
  machineVersion: z.union([z.number(), z.string()]),
  /** `actor.getPersistedSnapshot()`. */
  snapshot: z.unknown(),
  /** The last journal sequence applied to `snapshot` (0: none). */
  journalSeq: z.number().int().nonnegative(),
  /** Ids of messages already processed (bounded by the writer): a redelivered one is skipped. */
  processedIds: z.array(z.string().max(128)),
  /**
   * Those of `processedIds` the machine had no transition for (answered ERR_UNHANDLED): a retry
   * of one is answered ERR_UNHANDLED again, never as a processed duplicate. Absent: none.
   */
  unhandledIds: z.array(z.string().max(128)).optional(),
  /** Incarnation of the actor that wrote it. */
  incarnation: z.number().int().nonnegative(),
  /** Wall time, epoch ms. */
  createdAt: z.number().nonnegative(),
  /** Effects running when it was taken: invoke id → ledger key (they resume under the same key). */
  effects: z.record(z.string(), z.string()).optional(),
  /** The lowest journal sequence the ledger still needs (intents of those effects). */
  effectsFromSeq: z.number().int().nonnegative().optional(),
});

/** A checkpoint record. */
export type Checkpoint = z.output<typeof CheckpointSchema>;

/** A stored checkpoint and its store revision (the compare-and-set token). */
export interface StoredCheckpoint {
  readonly checkpoint: Checkpoint;
  /** Increases with every put for the same actor; not necessarily contiguous. */
  readonly revision: number;
}

/** A corrupt or unreadable checkpoint that `latest` skipped, with why. */
export interface SkippedCheckpoint {
  readonly revision: number;
  readonly error: import('../errors/index.js').RuntimeError;
}
