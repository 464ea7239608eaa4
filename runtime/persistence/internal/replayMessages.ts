import { validateEnvelope, type Envelope } from '../../codec/index.js';
import { ErrorCode, RuntimeError } from '../../errors/index.js';
import type { JournalEntry } from '../Journal.js';

/** @internal One journaled message to replay. */
export interface ReplayMessage {
  readonly seq: number;
  readonly envelope: Envelope;
}

/**
 * @internal The messages of `entries` after `afterSeq` to replay, in journal order, leaving out
 * the `failed` ones (the actor failed on them) and every other kind of event.
 *
 * @throws {RuntimeError} ERR_CORRUPT_DATA when a journaled message no longer validates:
 *   recovery stops rather than skip it.
 */
export function replayMessages(
  actor: string,
  entries: readonly JournalEntry[],
  afterSeq: number,
  failed: ReadonlySet<number>,
): ReplayMessage[] {
  return entries
    .filter((e) => e.seq > afterSeq && !failed.has(e.seq))
    .flatMap((entry) => messageOf(actor, entry));
}

function messageOf(actor: string, entry: JournalEntry): ReplayMessage[] {
  if (entry.event.kind !== 'message') return [];
  const valid = validateEnvelope(entry.event.data);
  if (!valid.ok) {
    throw new RuntimeError(
      ErrorCode.CorruptData,
      `Journal of ${actor} holds an invalid message at ${entry.seq}`,
      {
        cause: valid.error,
        details: { actor, seq: entry.seq },
      },
    );
  }
  return [{ seq: entry.seq, envelope: valid.value }];
}
