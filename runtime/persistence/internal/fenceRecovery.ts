import { randomUUID } from 'node:crypto';
import { ErrorCode, RuntimeError } from '../../errors/index.js';
import type { CheckpointStore } from '../CheckpointStore.js';
import type { JournalEvent } from '../Journal.js';
import type { CheckpointPicker } from './CheckpointPicker.js';

/** @internal Where a recovering owner stands when it fences out the previous one. */
export interface FenceFacts {
  readonly actor: string;
  readonly store: CheckpointStore;
  readonly picker: CheckpointPicker;
  /** The owner's fenced journal append (on the last sequence it saw). */
  readonly append: (events: readonly JournalEvent[]) => Promise<number[]>;
  /** Wall time for the note. */
  readonly now: number;
  /** The journal's last sequence recovery started from. */
  readonly lastSeq: number;
  /** The checkpoint revision recovery started from (the compare-and-set position). */
  readonly revision: number;
  /** The journal position recovery restored to. */
  readonly applied: number;
  /** Messages to replay. */
  readonly replayed: number;
}

/**
 * @internal The new owner's first write: a `recovered` note, fenced on the sequence recovery
 * started from. A previous writer (a paused or partitioned owner) then fails on its very next
 * append instead of fencing this one; a writer that appended during this recovery makes it fail
 * here (ERR_PERSISTENCE_CONFLICT, nothing restored), so the caller recovers again. A `note`, so
 * every journal reader (and older versions of them) tolerates it; replay skips it.
 *
 * @throws {RuntimeError} ERR_PERSISTENCE_CONFLICT when the journal or the checkpoints moved
 *   during recovery.
 */
export async function fenceRecovery(facts: FenceFacts): Promise<void> {
  const { actor, store, picker, lastSeq, revision } = facts;
  // Nothing stored yet: a previous writer has written nothing either, so its state is this
  // one's; whichever appends first fences the other, and no stale state is ever answered.
  if (lastSeq !== 0 || revision !== 0) {
    await facts.append([
      {
        // Unique across nodes (incarnations restart at 1 in every process): never deduplicated.
        id: `r:${lastSeq}:${randomUUID()}`,
        kind: 'note',
        at: facts.now,
        data: {
          recovered: {
            checkpointRevision: revision,
            journalSeq: facts.applied,
            replayed: facts.replayed,
          },
        },
      },
    ]);
  }
  // A checkpoint the previous writer put during this recovery would fence this owner's first
  // checkpoint: refuse now, before anything runs, so the caller recovers again from it.
  const found = await picker.casPosition(await store.latest(actor));
  if (found !== revision) {
    throw new RuntimeError(
      ErrorCode.PersistenceConflict,
      `Checkpoints of ${actor} moved during recovery: expected revision ${revision}, found ${found} (a stale writer?)`,
      { details: { actor, expected: revision, found } },
    );
  }
}
