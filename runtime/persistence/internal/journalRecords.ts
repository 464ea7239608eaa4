import type { Envelope } from '../../codec/index.js';
import type { JournalEvent } from '../Journal.js';

const MESSAGE_PREFIX = 'm:';

/**
 * @internal Bytes a message's journal record adds around its encoded envelope, rounded up: the
 * event's keys, kind and time, and its id `m:<incarnation>:<envelope id>` (an envelope id is at
 * most 128 code units, 384 bytes of UTF-8). A test holds the largest admitted message to its
 * record.
 */
export const MESSAGE_RECORD_OVERHEAD_BYTES = 512;

/**
 * @internal The journal records of messages about to be processed (write-ahead). Ids are per
 * incarnation: a message retried by a later incarnation is a new journal entry.
 */
export function messageRecords(
  incarnation: number,
  envelopes: readonly Envelope[],
  at: number,
): JournalEvent[] {
  return envelopes.map((envelope) => ({
    id: `${MESSAGE_PREFIX}${incarnation}:${envelope.id}`,
    kind: 'message' as const,
    at,
    data: envelope,
  }));
}

/**
 * @internal The `note` that marks a failure: the message the actor failed on (`failedSeq`, not
 * replayed by recovery) and/or the recorded effect failure it delivered (`effectKey`, run again
 * as a fresh attempt). Undefined when there is neither.
 */
export function failureRecord(
  incarnation: number,
  seq: number | undefined,
  effectKey: string | undefined,
  at: number,
): JournalEvent | undefined {
  if (seq === undefined && effectKey === undefined) return undefined;
  return {
    id: `f:${incarnation}:${seq ?? effectKey}`,
    kind: 'note',
    at,
    data: {
      ...(seq === undefined ? {} : { failedSeq: seq }),
      ...(effectKey === undefined ? {} : { effectKey }),
    },
  };
}
