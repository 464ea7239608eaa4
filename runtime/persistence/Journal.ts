import { z } from 'zod';

/**
 * Kinds of journal events (DESIGN.md): a message received, an effect's intent and outcome, a
 * state change, a supervisor decision, a strategy switch, a person's decision about an escalation
 * (`decision`: escalation id, decision, by, note, decidedAt). Journals store any kind; recovery reads
 * `message` (to replay) and the effect pairs (the ledger).
 */
export const JOURNAL_EVENT_KINDS = [
  'message',
  'effect-intent',
  'effect-outcome',
  'state',
  'supervisor',
  'note',
  'decision',
] as const;

/** One journal event. `id` is unique per actor: appends are deduplicated on it. */
export const JournalEventSchema = z.strictObject({
  /** Unique per actor (e.g. `<actor>:<step>:<kind>`); a re-append with the same id is a no-op. */
  id: z.string().min(1).max(256),
  kind: z.enum(JOURNAL_EVENT_KINDS),
  /** Wall time, epoch ms. */
  at: z.number().nonnegative(),
  data: z.unknown(),
});

/** A journal event. */
export type JournalEvent = z.output<typeof JournalEventSchema>;

/** An event read back, with its sequence number. */
export interface JournalEntry {
  /** Increases along one actor's journal; not necessarily contiguous (JetStream: stream seq). */
  readonly seq: number;
  readonly event: JournalEvent;
}

/** Options of {@link Journal.append}. */
export interface AppendOptions {
  /**
   * Fencing: the last sequence of this actor's journal the writer knows (0 for none). When the
   * journal has moved past it, the append fails with ERR_PERSISTENCE_CONFLICT: a stale writer
   * is refused. Absent: no check.
   */
  expectedLastSeq?: number;
}

/** What an open found and repaired. */
export interface JournalRepair {
  readonly actor: string;
  /** Bytes cut off a torn tail, and why. */
  readonly truncatedBytes: number;
  readonly reason: string;
}

/**
 * An append-only, per-actor event log. Three implementations pass one conformance suite: memory,
 * file (append-only, checksummed records, a torn tail cut off and reported on open) and JetStream
 * (one subject per actor, `Nats-Msg-Id` dedupe, expected-last-subject-sequence fencing).
 *
 * @throws {RuntimeError} ERR_PERSISTENCE_CONFLICT when fencing refuses an append;
 *   ERR_VALUE_TOO_LARGE for an event over the store's limit; ERR_STORE_UNAVAILABLE on I/O failure.
 */
export interface Journal {
  /**
   * Appends events in order; resolves with the sequence of each (in order). Events whose id was
   * already appended are not appended again: their original sequence is returned.
   */
  append(
    actor: string,
    events: readonly JournalEvent[],
    options?: AppendOptions,
  ): Promise<number[]>;
  /** Events with `seq > afterSeq`, in order (at most `limit`). Each is validated on read. */
  read(actor: string, afterSeq: number, options?: { limit?: number }): Promise<JournalEntry[]>;
  /** The last sequence of an actor's journal (0 when empty). */
  lastSeq(actor: string): Promise<number>;
  /** Deletes events with `seq < beforeSeq` (those older than the oldest kept checkpoint). */
  truncateBefore(actor: string, beforeSeq: number): Promise<void>;
  /**
   * Largest encoded event this journal keeps in one record for `actor`, in bytes. Durable actors
   * admit only messages whose record fits (ERR_MESSAGE_TOO_LARGE otherwise), so one limit is
   * checked once, before anything is journaled. Absent: 1,000,000.
   */
  maxEventBytes?(actor: string): number;
  /**
   * The last sequence truncated away (0 when the journal still holds every event the actor ever
   * journaled). Recovery uses it to tell a whole journal from one with a gap before the
   * checkpoint it restores; a journal without it (JetStream: purges leave no trace) cannot prove
   * it is whole, so recovery with no valid checkpoint left is refused there.
   */
  baseSeq?(actor: string): Promise<number>;
  /** Repairs made when opening (file journal: torn tails). */
  repairs(): readonly JournalRepair[];
  close(): Promise<void>;
}
