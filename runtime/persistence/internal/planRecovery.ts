import { ErrorCode, RuntimeError } from '../../errors/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { SkippedCheckpoint } from '../Checkpoint.js';
import type { JournalEntry } from '../Journal.js';
import type { PersistenceOptions } from '../PersistenceOptions.js';
import { checkContinuity } from './checkContinuity.js';
import type { CheckpointPicker, Restorable, ValidateSnapshot } from './CheckpointPicker.js';
import { readFromOf } from './readFromOf.js';

/** @internal What recovery found: where to start and the journal to bring forward from there. */
export interface RecoveryPlan {
  /** The journal's last sequence when recovery began. */
  readonly lastSeq: number;
  /** The compare-and-set position of the next checkpoint put. */
  readonly revision: number;
  /** The checkpoint to start from; undefined: the machine's initial state. */
  readonly chosen: Restorable | undefined;
  /** Journal entries from where the chosen checkpoint needs them (`latest` only). */
  readonly entries: readonly JournalEntry[];
  /** Sequences of messages the actor failed on: not replayed. */
  readonly failed: ReadonlySet<number>;
}

/** @internal What {@link planRecovery} reads with. */
export interface RecoveryInputs {
  readonly actor: string;
  readonly options: PersistenceOptions;
  readonly picker: CheckpointPicker;
  readonly logger: Logger;
  readonly validate: ValidateSnapshot;
}

/** Sequences of messages an actor failed on, from the failure notes in its journal. */
function failedSeqs(entries: readonly JournalEntry[]): Set<number> {
  return new Set(
    entries.flatMap((e) => {
      const seq = (e.event.data as { failedSeq?: unknown } | undefined)?.failedSeq;
      return e.event.kind === 'note' && typeof seq === 'number' ? [seq] : [];
    }),
  );
}

/**
 * @internal Reads what recovery starts from (see `Persister.recover`): for `latest` the newest
 * valid checkpoint (corrupt newer ones skipped and logged), or an older one when the actor failed
 * on a step the newest already holds, with the journal after it, checked for continuity; for a
 * fork the given checkpoint; for `fresh` nothing but the positions.
 *
 * @throws {RuntimeError} ERR_CHECKPOINT_VERSION for another version without a migration;
 *   ERR_CORRUPT_DATA when a forked checkpoint does not restore or the journal cannot bridge to
 *   the checkpoint.
 */
export async function planRecovery(inputs: RecoveryInputs): Promise<RecoveryPlan> {
  const { actor, options, picker, logger, validate } = inputs;
  const { store, journal, from = 'latest' } = options;
  const lastSeq = await journal.lastSeq(actor);
  if (from === 'fresh') {
    const revision = await picker.casPosition(await store.latest(actor));
    return { lastSeq, revision, chosen: undefined, entries: [], failed: new Set() };
  }
  if (from !== 'latest') {
    const revision = await picker.casPosition(await store.latest(actor));
    const chosen = picker.restorable({ checkpoint: from.checkpoint, revision: 0 }, validate, []);
    if (chosen === undefined) {
      throw new RuntimeError(
        ErrorCode.CorruptData,
        `The checkpoint given to ${actor} does not restore into its machine`,
        { details: { actor } },
      );
    }
    return { lastSeq, revision, chosen, entries: [], failed: new Set() };
  }
  const skipped: SkippedCheckpoint[] = [];
  const latest = await store.latest(actor);
  for (const skip of latest?.skipped ?? []) {
    skipped.push(skip);
    logger.warn({ err: skip.error, revision: skip.revision }, 'skipped a corrupt checkpoint');
  }
  const revision = await picker.casPosition(latest);
  let chosen: Restorable | undefined;
  if (latest !== undefined) {
    chosen =
      picker.restorable(latest, validate, skipped) ??
      (await picker.older(latest.revision, Infinity, validate, skipped));
  }
  let entries = await journal.read(actor, readFromOf(chosen?.checkpoint));
  // A message its actor failed on is not replayed (it would fail again): as in OTP, the
  // crashing message goes with the crashed process; a person's `retry` re-sends it. When the
  // newest checkpoint already holds that step's state (it failed later, in an effect), recovery
  // starts from an older retained checkpoint taken before it.
  const failed = failedSeqs(entries);
  const firstFailed = Math.min(...failed);
  if (chosen !== undefined && chosen.checkpoint.journalSeq >= firstFailed) {
    const older = await picker.older(Infinity, firstFailed, validate, []);
    if (older === undefined) {
      logger.warn(
        { failedSeq: firstFailed },
        'no retained checkpoint before the failed step; restoring the newest',
      );
    } else {
      chosen = older;
      entries = await journal.read(actor, readFromOf(chosen.checkpoint));
      for (const seq of failedSeqs(entries)) failed.add(seq);
    }
  }
  await checkContinuity({
    actor,
    journal,
    checkpoint: chosen?.checkpoint,
    skipped,
    lastSeq,
    newestRevision: revision,
  });
  return { lastSeq, revision, chosen, entries, failed };
}
