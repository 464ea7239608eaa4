/**
 * Crash simulation for the recovery property tests (recovery.property.test.ts).
 *
 * A "process" is one ActorSystem on its own TestClock. A crash is modelled at the journal: the
 * process's journal lets its first `budget` appends through, and the next one hangs forever
 * (optionally after the write landed in the shared journal: the process died before it saw the
 * acknowledgement). From that moment the process is dead: every later journal or checkpoint-store
 * call of it hangs too, so nothing it does after the crash reaches the shared stores. The test
 * stops driving it and drops it; a second process recovers from the same stores.
 */
import {
  encodeEnvelope,
  type AppendOptions,
  type Checkpoint,
  type CheckpointInfo,
  type CheckpointStore,
  type DeadLetter,
  type Envelope,
  type Journal,
  type JournalEntry,
  type JournalEvent,
  type JournalRepair,
  type LatestCheckpoint,
  type PutCheckpointOptions,
  type StoredCheckpoint,
} from 'agentvisor/internal';
import type { TestClock } from 'agentvisor/testing';

/** Whether the simulated process has died. Shared by its journal and checkpoint store. */
export interface Gate {
  dead: boolean;
}

/** A promise that never settles: a write the dead process never finished. */
function hang<T>(): Promise<T> {
  return new Promise<T>(() => undefined);
}

/**
 * The journal of a process that dies at its `budget + 1`-th append. With `landed`, that last
 * append reaches the shared journal before the process dies (write done, acknowledgement lost).
 * Events of successful (and landed) appends are kept in `appended`, in order.
 */
export class CrashingJournal implements Journal {
  readonly inner: Journal;
  readonly budget: number;
  readonly gate: Gate;
  readonly landed: boolean;
  /** Events this process wrote to the shared journal, in order. */
  readonly appended: JournalEvent[] = [];
  #appends = 0;

  constructor(inner: Journal, options: { budget: number; gate: Gate; landed?: boolean }) {
    this.inner = inner;
    this.budget = options.budget;
    this.gate = options.gate;
    this.landed = options.landed ?? false;
  }

  /** Appends that went through (not counting the one the process died in). */
  get appends(): number {
    return this.#appends;
  }

  append(
    actor: string,
    events: readonly JournalEvent[],
    options?: AppendOptions,
  ): Promise<number[]> {
    if (this.gate.dead) return hang();
    if (this.#appends >= this.budget) {
      this.gate.dead = true;
      if (this.landed) {
        // The write reaches the store; the process dies before it learns so.
        void this.inner.append(actor, events, options).then(
          () => {
            this.appended.push(...events);
          },
          () => undefined,
        );
      }
      return hang();
    }
    this.#appends++;
    return this.inner.append(actor, events, options).then((seqs) => {
      this.appended.push(...events);
      return seqs;
    });
  }

  read(actor: string, afterSeq: number, options?: { limit?: number }): Promise<JournalEntry[]> {
    return this.gate.dead ? hang() : this.inner.read(actor, afterSeq, options);
  }

  lastSeq(actor: string): Promise<number> {
    return this.gate.dead ? hang() : this.inner.lastSeq(actor);
  }

  truncateBefore(actor: string, beforeSeq: number): Promise<void> {
    return this.gate.dead ? hang() : this.inner.truncateBefore(actor, beforeSeq);
  }

  repairs(): readonly JournalRepair[] {
    return this.inner.repairs();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The checkpoint store as a process sees it: once the process is dead, nothing gets through. */
export class GatedCheckpointStore implements CheckpointStore {
  readonly inner: CheckpointStore;
  readonly gate: Gate;

  constructor(inner: CheckpointStore, gate: Gate) {
    this.inner = inner;
    this.gate = gate;
  }

  put(checkpoint: Checkpoint, options?: PutCheckpointOptions): Promise<{ revision: number }> {
    return this.gate.dead ? hang() : this.inner.put(checkpoint, options);
  }

  latest(actor: string): Promise<LatestCheckpoint | undefined> {
    return this.gate.dead ? hang() : this.inner.latest(actor);
  }

  get(actor: string, revision: number): Promise<StoredCheckpoint | undefined> {
    return this.gate.dead ? hang() : this.inner.get(actor, revision);
  }

  list(actor: string): Promise<CheckpointInfo[]> {
    return this.gate.dead ? hang() : this.inner.list(actor);
  }

  delete(actor: string, revision?: number): Promise<void> {
    return this.gate.dead ? hang() : this.inner.delete(actor, revision);
  }

  retain(actor: string, keep: number): Promise<number> {
    return this.gate.dead ? hang() : this.inner.retain(actor, keep);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** The wire bytes of an envelope, so a test can deliver (and redeliver) it with a fixed id. */
export function envelopeBytes(envelope: Envelope): Uint8Array {
  const encoded = encodeEnvelope(envelope);
  if (!encoded.ok) throw encoded.error;
  return encoded.value;
}

/**
 * Drives a process until `done()` holds: lets promise chains run and fires its clock's timers one
 * at a time. Resolves false when the process died (`gate`) or nothing is left to make progress.
 */
export async function settle(
  clock: TestClock,
  done: () => boolean,
  gate?: Gate,
  maxSteps = 400,
): Promise<boolean> {
  let idle = 0;
  for (let step = 0; step < maxSteps; step++) {
    await clock.advance(0); // fires nothing not yet due; lets what is running settle
    if (gate?.dead === true) return false;
    if (done()) return true;
    if (clock.pendingTimers > 0) {
      idle = 0;
      await clock.runNext();
    } else if (++idle > 3) {
      return false;
    }
  }
  return false;
}

/** Collects the dead letters of a system by reason. */
export function deadLetterLog(): {
  readonly letters: DeadLetter[];
  readonly listener: (letter: DeadLetter) => void;
  count(reason: DeadLetter['reason']): number;
} {
  const letters: DeadLetter[] = [];
  return {
    letters,
    listener: (letter) => letters.push(letter),
    count: (reason) => letters.filter((l) => l.reason === reason).length,
  };
}
