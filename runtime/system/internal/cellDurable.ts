import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { Envelope } from '../../codec/index.js';
import type { EffectLedger, Persister } from '../../persistence/index.js';
import type { Mailbox } from '../Mailbox.js';
import { duplicateRefusal, journalRefusal, type Refusal } from './admission.js';
import type { StepTracker } from './cellStep.js';

/** Messages journaled together (one append) by a durable actor. */
const DURABLE_BATCH = 64;

/** What the durable drain and the replay need of their cell. */
export interface DurableCell {
  readonly name: string;
  readonly mailbox: Mailbox;
  readonly step: StepTracker;
  isRunning(): boolean;
  hasFailed(): boolean;
  /** Dead-letters `envelope` and answers it when it is an ask. */
  refuse(envelope: Envelope, refusal: Refusal): void;
  /** The refusal of a message for this cell now that it is not running. */
  notRunning(envelope: Envelope): Refusal;
  /** Deadline and schema: the event for the machine, or undefined (refused already). */
  admit(envelope: Envelope): Envelope | undefined;
  /** Hands an admitted message to the machine. */
  process(envelope: Envelope, event: Envelope): void;
  fail(err: unknown, options: { blameMessage?: boolean }): void;
  /** Reads the machine's persisted snapshot (handed to the persister, which reads it when due). */
  readonly persisted: () => unknown;
  /** A journaled message was processed (what a durable mailbox acknowledges on). */
  journaled(envelope: Envelope): void;
}

/**
 * The durable side of one cell: its mailbox drain (write-ahead journaling, dedupe, checkpoints)
 * and its recovery replay, with the two flags the cell reads while they run.
 */
export class DurableRunner {
  /** True while journaled messages are replayed after a restore: no replies, no reports. */
  replaying = false;
  /**
   * True from the cell's creation until its replay is done: its state is the checkpoint's while
   * the persister's position is already past the journal to replay, so no checkpoint may be
   * taken before the replay (it would pair the old state with the new position and processed
   * ids, losing the replayed messages at the next recovery).
   */
  awaitingReplay = true;
  readonly #cell: DurableCell;
  readonly #persistence: Persister;
  #scheduled = false;

  constructor(cell: DurableCell, persistence: Persister) {
    this.#cell = cell;
    this.#persistence = persistence;
  }

  /** True while a drain is under way. */
  get draining(): boolean {
    return this.#scheduled;
  }

  /** A message was queued: drains the mailbox unless a drain is already under way. */
  schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    void this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      await drainDurable(this.#cell, this.#persistence);
    } finally {
      this.#scheduled = false;
      if (this.#cell.isRunning() && this.#cell.mailbox.size > 0) this.schedule();
    }
  }

  /** A transition no message caused (an effect's result arriving) is a settled step. */
  transitioned(): void {
    const idle = !this.#cell.step.inMessage && !this.replaying && !this.awaitingReplay;
    if (idle && this.#cell.isRunning()) this.#persistence.settled(this.#cell.persisted);
  }

  /** Recovery (see {@link replayJournal}); then the settled checkpoint skipped at start. */
  async replay(items: readonly { readonly seq: number; readonly envelope: Envelope }[]) {
    this.replaying = true;
    try {
      await replayJournal(this.#cell, this.#persistence, items);
    } finally {
      this.replaying = false;
      this.awaitingReplay = false;
    }
    // Now that state and position agree.
    if (this.#cell.isRunning()) this.#persistence.settled(this.#cell.persisted);
  }
}

/**
 * A durable actor's mailbox: a batch is admitted, deduplicated on processed ids, journaled in one
 * fenced append (write-ahead), then processed one by one; checkpoints follow the policy.
 */
async function drainDurable(cell: DurableCell, persistence: Persister): Promise<void> {
  await Promise.resolve(); // let the sender's turn finish, as the in-memory path does
  while (cell.isRunning() && cell.mailbox.size > 0) {
    const batch: { envelope: Envelope; event: Envelope }[] = [];
    const ids = new Map<string, string | undefined>();
    while (batch.length < DURABLE_BATCH) {
      const envelope = cell.mailbox.shift();
      if (envelope === undefined) break;
      if (persistence.isProcessed(envelope.id) || ids.has(envelope.id)) {
        // A redelivery in the batch of its original, to the same reply address: the original's
        // answer goes there; a refusal sent first would reach the caller instead (found by chaos).
        const inBatch = ids.has(envelope.id) && ids.get(envelope.id) === envelope.replyTo;
        cell.refuse(
          envelope,
          duplicateRefusal(envelope, cell.name, {
            unhandled: persistence.wasUnhandled(envelope.id),
            unanswered: inBatch,
          }),
        );
        continue;
      }
      const event = cell.admit(envelope);
      if (event === undefined) continue;
      const tooBig = journalRefusal(envelope, cell.name, persistence.maxMessageBytes);
      if (tooBig !== undefined) {
        cell.refuse(envelope, tooBig);
        continue;
      }
      ids.set(envelope.id, envelope.replyTo);
      batch.push({ envelope, event });
    }
    if (batch.length === 0) continue;
    let seqs: number[];
    try {
      seqs = await persistence.journalMessages(batch.map((b) => b.envelope));
    } catch (err) {
      // Not journaled, so not processed: the actor fails (a fenced append means another writer
      // owns it) and the batch is answered like the rest of its mailbox. No message is blamed:
      // the previous step finished (and was acknowledged) before this batch came.
      for (const b of batch) cell.mailbox.push(b.envelope);
      cell.fail(err, { blameMessage: false });
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const b = batch[i] as { envelope: Envelope; event: Envelope };
      if (!cell.isRunning()) {
        cell.refuse(b.envelope, cell.notRunning(b.envelope));
        continue;
      }
      const seq = seqs[i] as number;
      // The step starts: a checkpoint taken during it (before an effect) already holds this
      // message, so its journal position must too.
      persistence.beginStep(seq, b.envelope.id);
      cell.step.atSeq(seq, true);
      cell.process(b.envelope, b.event);
      if (cell.isRunning()) persistence.applied(b.envelope.id, seq, cell.persisted);
      // Journaled (above) and processed: unless it failed the actor (reported as `failed`).
      if (!cell.hasFailed()) cell.journaled(b.envelope);
    }
  }
}

/**
 * Recovery: the journaled messages after the checkpoint go through the machine again, in order,
 * each preceded by the recorded outcomes that sit before it in the journal (the ledger answers
 * them; nothing runs twice). Between journal positions it waits for the ledger's effects settled
 * signal: every outcome released so far has reached the machine, so the next message finds the
 * state the first run had.
 */
async function replayJournal(
  cell: DurableCell,
  persistence: Persister,
  items: readonly { readonly seq: number; readonly envelope: Envelope }[],
): Promise<void> {
  const { ledger } = persistence;
  try {
    for (const { seq, envelope } of items) {
      if (!cell.isRunning()) break;
      ledger.releaseReplay(seq);
      await ledger.whenSettled();
      ledger.step = seq;
      cell.step.atSeq(seq, false);
      cell.process(envelope, envelope);
      persistence.replayed(seq);
      await ledger.whenSettled();
    }
    ledger.releaseReplay(Infinity);
    await ledger.whenSettled();
  } finally {
    ledger.releaseReplay(Infinity);
  }
}

/**
 * An XState inspector that tells the ledger when an effect is over in the machine: an invoked
 * child that leaves `active` (done, error or stopped) has, by the time XState reports its
 * snapshot, already relayed its done or error event to its parent, which processed it
 * synchronously (XState's `Actor.update` relays before it emits `@xstate.snapshot`).
 */
export function effectsInspector(ledger: EffectLedger): (event: InspectionEvent) => void {
  return (event) => {
    if (event.type !== '@xstate.snapshot') return;
    const { status } = event.snapshot as { status?: string };
    if (status !== 'active') ledger.delivered((event.actorRef as AnyActorRef).id);
  };
}
