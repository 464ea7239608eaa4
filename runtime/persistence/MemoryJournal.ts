import { ErrorCode, RuntimeError } from '../errors/index.js';
import type {
  AppendOptions,
  Journal,
  JournalEntry,
  JournalEvent,
  JournalRepair,
} from './Journal.js';
import { DEFAULT_MAX_CHECKPOINT_BYTES, decodeJournalEvent, encodeJournalEvent } from './codec.js';
import { fenced } from './internal/storeErrors.js';

interface Stored {
  readonly seq: number;
  readonly bytes: Uint8Array;
}

/** A journal in memory (events encoded, as in the durable journals). Gone with the process. */
export class MemoryJournal implements Journal {
  readonly #logs = new Map<
    string,
    { entries: Stored[]; ids: Map<string, number>; last: number; base: number }
  >();
  readonly #maxBytes: number;
  #closed = false;

  constructor(options: { maxBytes?: number } = {}) {
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_CHECKPOINT_BYTES;
  }

  append(
    actor: string,
    events: readonly JournalEvent[],
    options: AppendOptions = {},
  ): Promise<number[]> {
    this.#open();
    const log = this.#log(actor);
    if (options.expectedLastSeq !== undefined && options.expectedLastSeq !== log.last) {
      return Promise.reject(fenced(actor, options.expectedLastSeq, log.last));
    }
    const encoded = events.map((e) => encodeJournalEvent(e, this.#maxBytes));
    const seqs: number[] = [];
    events.forEach((event, i) => {
      const existing = log.ids.get(event.id);
      if (existing !== undefined) {
        seqs.push(existing);
        return;
      }
      const seq = ++log.last;
      log.entries.push({ seq, bytes: encoded[i] as Uint8Array });
      log.ids.set(event.id, seq);
      seqs.push(seq);
    });
    return Promise.resolve(seqs);
  }

  /** The `maxBytes` this journal was created with. */
  maxEventBytes(): number {
    return this.#maxBytes;
  }

  read(actor: string, afterSeq: number, options: { limit?: number } = {}): Promise<JournalEntry[]> {
    this.#open();
    const limit = options.limit ?? Infinity;
    const out: JournalEntry[] = [];
    for (const e of this.#logs.get(actor)?.entries ?? []) {
      if (e.seq <= afterSeq) continue;
      if (out.length >= limit) break;
      out.push({ seq: e.seq, event: decodeJournalEvent(e.bytes, `memory:${actor}#${e.seq}`) });
    }
    return Promise.resolve(out);
  }

  lastSeq(actor: string): Promise<number> {
    this.#open();
    return Promise.resolve(this.#logs.get(actor)?.last ?? 0);
  }

  truncateBefore(actor: string, beforeSeq: number): Promise<void> {
    this.#open();
    const log = this.#logs.get(actor);
    if (log !== undefined) {
      for (const e of log.entries) if (e.seq < beforeSeq) log.base = Math.max(log.base, e.seq);
      log.entries = log.entries.filter((e) => e.seq >= beforeSeq);
    }
    return Promise.resolve();
  }

  baseSeq(actor: string): Promise<number> {
    this.#open();
    return Promise.resolve(this.#logs.get(actor)?.base ?? 0);
  }

  repairs(): readonly JournalRepair[] {
    return [];
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  #log(actor: string) {
    let log = this.#logs.get(actor);
    if (log === undefined) {
      log = { entries: [], ids: new Map(), last: 0, base: 0 };
      this.#logs.set(actor, log);
    }
    return log;
  }

  #open(): void {
    if (this.#closed) throw new RuntimeError(ErrorCode.Closed, 'Journal is closed');
  }
}
