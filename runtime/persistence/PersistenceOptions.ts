import type { Checkpoint } from './Checkpoint.js';
import type { CheckpointPolicy } from './CheckpointPolicy.js';
import type { CheckpointStore } from './CheckpointStore.js';
import type { Journal } from './Journal.js';

/** A declared migration: a checkpoint written by another machine version → a snapshot for this one. */
export type CheckpointMigration = (checkpoint: Checkpoint) => unknown;

/** Persistence settings of one durable actor. */
export interface PersistenceOptions {
  readonly store: CheckpointStore;
  readonly journal: Journal;
  readonly machineId: string;
  readonly machineVersion: number | string;
  readonly policy?: CheckpointPolicy;
  /** Migrates checkpoints of other versions; without it they are refused (ERR_CHECKPOINT_VERSION). */
  readonly migrate?: CheckpointMigration;
  /**
   * Where to start from: the newest valid checkpoint (default), a fresh state (journal and
   * checkpoints of the name are then left untouched but ignored), or a given checkpoint (fork).
   */
  readonly from?: 'latest' | 'fresh' | { readonly checkpoint: Checkpoint };
}
