import { ErrorCode, RuntimeError } from '../../errors/index.js';
import type { Checkpoint, SkippedCheckpoint } from '../Checkpoint.js';
import type { Journal } from '../Journal.js';
import { readFromOf } from './readFromOf.js';

/** @internal What recovery knows when it checks that the journal carries its checkpoint. */
export interface ContinuityFacts {
  readonly actor: string;
  readonly journal: Journal;
  /** The chosen checkpoint; undefined: none valid. */
  readonly checkpoint: Checkpoint | undefined;
  /** The corrupt checkpoints `latest` passed over. */
  readonly skipped: readonly SkippedCheckpoint[];
  /** The journal's last sequence when recovery began. */
  readonly lastSeq: number;
  /** The store's newest revision (the compare-and-set position). */
  readonly newestRevision: number;
}

/**
 * @internal Refuses to start when the journal cannot carry the checkpoint forward to its end.
 *
 * @throws {RuntimeError} ERR_CORRUPT_DATA with `details.reason` `journal-behind-checkpoint`,
 *   `journal-gap` or `no-valid-checkpoint`, and the evidence.
 */
export async function checkContinuity(facts: ContinuityFacts): Promise<void> {
  const { actor, journal, checkpoint, skipped, lastSeq, newestRevision } = facts;
  const base = await journal.baseSeq?.(actor);
  const evidence = {
    actor,
    journalLastSeq: lastSeq,
    ...(base === undefined ? {} : { journalBaseSeq: base }),
    ...(checkpoint === undefined ? {} : { checkpointJournalSeq: checkpoint.journalSeq }),
    newestRevision,
    skipped: skipped.map((s) => ({
      revision: s.revision,
      code: s.error.code,
      error: s.error.message,
    })),
  };
  const refuse = (reason: string, message: string): RuntimeError =>
    new RuntimeError(ErrorCode.CorruptData, `Journal of ${actor}: ${message}`, {
      details: { reason, ...evidence },
    });
  // Sequences only grow: a journal behind its checkpoint was lost and started over.
  if (checkpoint !== undefined && lastSeq < checkpoint.journalSeq) {
    throw refuse(
      'journal-behind-checkpoint',
      `last sequence ${lastSeq} is behind its checkpoint's ${checkpoint.journalSeq} (lost and started over?)`,
    );
  }
  const needsAfter = readFromOf(checkpoint);
  if (base !== undefined && base > needsAfter) {
    throw refuse(
      checkpoint === undefined ? 'no-valid-checkpoint' : 'journal-gap',
      `truncated up to ${base}, but recovery needs it from ${needsAfter + 1}` +
        (checkpoint === undefined ? ' (no valid checkpoint left)' : ''),
    );
  }
  // Checkpoints were written (all corrupt now) and the journal cannot prove it is whole.
  if (checkpoint === undefined && base === undefined && newestRevision > 0) {
    throw refuse(
      'no-valid-checkpoint',
      `no valid checkpoint left (${skipped.length} corrupt), and the journal cannot show it still starts at its first event`,
    );
  }
}
