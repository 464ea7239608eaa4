import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';
import { ErrorCode, RuntimeError, isRuntimeError, parseOptions } from '../errors/index.js';
import type {
  AppendOptions,
  Journal,
  JournalEntry,
  JournalEvent,
  JournalRepair,
} from './Journal.js';
import { DEFAULT_MAX_CHECKPOINT_BYTES, decodeJournalEvent, encodeJournalEvent } from './codec.js';
import { fenced } from './internal/storeErrors.js';
import { firstIndex, loadActorLog, type ActorLog, type LoadedLog } from './internal/actorLog.js';
import { actorFileStem } from './internal/actorFileStem.js';
import {
  io,
  removeQuietly,
  replaceAtomically,
  storeUnavailable,
  syncDir,
  tempName,
  writeFully,
} from './internal/durable.js';
import {
  encodeHeader,
  encodeRecord,
  readAt,
  recordPayload,
  writeJournalCopy,
  type RecordRef,
} from './internal/journalFile.js';
import { KeyedSerial } from './internal/KeyedSerial.js';

/** Options of {@link FileJournal.open}. */
export const FileJournalOptionsSchema = z.strictObject({
  /** Directory of the journal files (one per actor); created when missing. */
  dir: z.string().min(1),
  /** Largest encoded event accepted, in bytes. @default 1_000_000 */
  maxBytes: z
    .number()
    .int()
    .positive()
    .max(2 ** 31)
    .default(DEFAULT_MAX_CHECKPOINT_BYTES),
  /**
   * `'always'`: every append is fsynced before it resolves (durable across a power cut);
   * `'never'`: appends reach the OS only (durable across a process crash, not a power cut). File
   * creation and truncation are fsynced either way. @default 'always'
   */
  fsync: z.enum(['always', 'never']).default('always'),
});

/** What callers pass to {@link FileJournal.open}. */
export type FileJournalOptions = z.input<typeof FileJournalOptionsSchema>;
type FileJournalConfig = z.output<typeof FileJournalOptionsSchema>;

const SUFFIX = '.journal';
/** Reads gather consecutive records into runs of about this many bytes. */
const READ_RUN_BYTES = 1 << 20;

/**
 * An append-only journal in files, one per actor: `<dir>/<hex of the actor name>.journal`, a
 * checksummed header (actor name, base sequence) then records of `u32 length | u32 crc32 | u64 seq
 * | payload`. Sequences are per actor and contiguous (1, 2, 3, …).
 *
 * Opening scans every journal. A torn tail (an incomplete final record, or garbage with no record
 * after it) is cut back to the last good record and reported in `repairs()`: it was never
 * acknowledged. Damage before the end (a bad CRC, an undecodable or out-of-order record with a
 * checksummed record after it) is not cut, since the records after it were acknowledged: the file
 * is left untouched for a person, reported, and its actor's calls fail with ERR_CORRUPT_DATA
 * (`details.offset`, `details.lastGoodSeq`). So is a journal whose header is unreadable.
 *
 * Calls for one actor are serialized within the process; the last sequence, an id → sequence index
 * (for dedupe) and record offsets are kept in memory. One process per directory.
 *
 * @example
 * const journal = await FileJournal.open({ dir: '/var/lib/agentvisor/journal' });
 * for (const repair of journal.repairs()) log.warn(repair, 'journal repaired');
 */
export class FileJournal implements Journal {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #fsync: boolean;
  readonly #slots = new Map<string, LoadedLog>();
  readonly #repairs: JournalRepair[] = [];
  readonly #serial = new KeyedSerial();
  #closed = false;

  private constructor(dir: string, config: FileJournalConfig) {
    this.#dir = dir;
    this.#maxBytes = config.maxBytes;
    this.#fsync = config.fsync === 'always';
  }

  /**
   * Opens (creating when missing) a journal in `options.dir`, checking and repairing every file.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS for bad options; ERR_STORE_UNAVAILABLE on I/O failure.
   */
  static async open(options: FileJournalOptions): Promise<FileJournal> {
    const config = parseOptions(FileJournalOptionsSchema, options, 'FileJournal');
    const dir = path.resolve(config.dir);
    await io('create directory', dir, () => fs.mkdir(dir, { recursive: true }));
    const journal = new FileJournal(dir, config);
    try {
      for (const name of await io('list', dir, () => fs.readdir(dir))) {
        // Temp files are half-done creations or truncations: the original is still in place.
        if (name.endsWith('.tmp')) await removeQuietly(path.join(dir, name));
        else if (name.endsWith(SUFFIX)) {
          const stem = name.slice(0, -SUFFIX.length);
          journal.#slots.set(stem, await journal.#load(stem, undefined));
        }
      }
    } catch (error) {
      await journal.close();
      throw error;
    }
    return journal;
  }

  // --- public API ---

  async append(
    actor: string,
    events: readonly JournalEvent[],
    options: AppendOptions = {},
  ): Promise<number[]> {
    this.#assertOpen();
    // Encode first: an event over the limit refuses the whole call before anything is written.
    const payloads = events.map((e) => encodeJournalEvent(e, this.#maxBytes));
    return this.#run(actor, async (log) => {
      const expected = options.expectedLastSeq;
      if (expected !== undefined && expected !== log.last) throw fenced(actor, expected, log.last);
      const seqs: number[] = [];
      const fresh: { seq: number; id: string; bytes: Buffer }[] = [];
      const batch = new Map<string, number>();
      let next = log.last;
      events.forEach((event, i) => {
        const existing = log.ids.get(event.id) ?? batch.get(event.id);
        if (existing !== undefined) {
          seqs.push(existing);
          return;
        }
        const seq = ++next;
        batch.set(event.id, seq);
        fresh.push({ seq, id: event.id, bytes: encodeRecord(seq, payloads[i] as Uint8Array) });
        seqs.push(seq);
      });
      if (fresh.length === 0) return seqs;
      const handle = await this.#ensureFile(log);
      const bytes = Buffer.concat(fresh.map((f) => f.bytes));
      // One write for the whole call, then one fsync: a crash leaves a prefix of it at most, and
      // the next open cuts a partial record.
      await writeFully(handle, bytes, log.end);
      if (this.#fsync) await handle.datasync();
      let offset = log.end;
      for (const { seq, id, bytes: record } of fresh) {
        log.records.push({ seq, offset, size: record.byteLength, id });
        log.ids.set(id, seq);
        offset += record.byteLength;
      }
      log.end = offset;
      log.last = next;
      return seqs;
    });
  }

  /** The `maxBytes` option. */
  maxEventBytes(): number {
    return this.#maxBytes;
  }

  async read(
    actor: string,
    afterSeq: number,
    options: { limit?: number } = {},
  ): Promise<JournalEntry[]> {
    this.#assertOpen();
    const limit = options.limit ?? Infinity;
    return this.#run(actor, async (log) => {
      const from = firstIndex(log.records, (r) => r.seq > afterSeq);
      const refs = log.records.slice(from, from + Math.max(0, limit));
      const entries: JournalEntry[] = [];
      // Consecutive records are adjacent in the file: read them in runs of about 1 MiB.
      for (let i = 0; i < refs.length;) {
        const first = refs[i] as RecordRef;
        let j = i + 1;
        let bytes = first.size;
        for (; j < refs.length && bytes + (refs[j] as RecordRef).size <= READ_RUN_BYTES; j++) {
          bytes += (refs[j] as RecordRef).size;
        }
        const chunk = await readAt(log.handle as fs.FileHandle, first.offset, bytes);
        for (const ref of refs.slice(i, j)) {
          const where = `${log.file}#${ref.seq}`;
          const payload = recordPayload(chunk, first.offset, ref, where);
          entries.push({ seq: ref.seq, event: decodeJournalEvent(payload, where) });
        }
        i = j;
      }
      return entries;
    });
  }

  async lastSeq(actor: string): Promise<number> {
    this.#assertOpen();
    return this.#run(actor, (log) => Promise.resolve(log.last));
  }

  /** The base sequence of the actor's file header: the last sequence truncated away. */
  async baseSeq(actor: string): Promise<number> {
    this.#assertOpen();
    return this.#run(actor, (log) => Promise.resolve(log.baseSeq));
  }

  /** Rewrites the actor's file without the records below `beforeSeq` (temp file, fsync, rename). */
  async truncateBefore(actor: string, beforeSeq: number): Promise<void> {
    this.#assertOpen();
    await this.#run(actor, async (log) => {
      const keepFrom = firstIndex(log.records, (r) => r.seq >= beforeSeq);
      if (keepFrom === 0) return;
      const handle = log.handle as fs.FileHandle; // records exist, so the file does
      const removed = log.records.slice(0, keepFrom);
      const kept = log.records.slice(keepFrom);
      const from = kept[0]?.offset ?? log.end;
      const baseSeq = Math.max(log.baseSeq, (removed.at(-1) as RecordRef).seq);
      const header = encodeHeader(actor, baseSeq);
      const temp = tempName(log.file);
      try {
        await writeJournalCopy(temp, header, handle, from, log.end);
        await io('rename', temp, () => fs.rename(temp, log.file));
      } finally {
        await removeQuietly(temp).catch(() => false);
      }
      await syncDir(this.#dir);
      log.handle = undefined;
      await handle.close();
      log.handle = await io('open', log.file, () => fs.open(log.file, 'r+'));
      const shift = header.byteLength - from;
      log.records = kept.map((r) => ({ ...r, offset: r.offset + shift }));
      // Forget the ids truncated away, as a reopen would (the index only covers the file).
      for (const r of removed) {
        if (r.id !== undefined && log.ids.get(r.id) === r.seq) log.ids.delete(r.id);
      }
      log.baseSeq = baseSeq;
      log.end += shift;
    });
  }

  /** Repairs made when opening (and when reloading an actor after an I/O failure). */
  repairs(): readonly JournalRepair[] {
    return [...this.#repairs];
  }

  /** Waits for pending calls, closes every file; later calls fail with ERR_CLOSED. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#serial.idle();
    for (const slot of this.#slots.values()) {
      if (slot.status === 'ready') await slot.log.handle?.close().catch(() => undefined);
    }
    this.#slots.clear();
  }

  // --- internals ---

  #assertOpen(): void {
    if (this.#closed) throw new RuntimeError(ErrorCode.Closed, 'Journal is closed');
  }

  /**
   * Runs `task` on the actor's log, after the actor's earlier calls. When it fails on I/O the log
   * is dropped from memory (its file handle closed), so the next call reloads it from disk,
   * cutting whatever a failed write left behind.
   */
  #run<T>(actor: string, task: (log: ActorLog) => Promise<T>): Promise<T> {
    if (actor === '') {
      throw new RuntimeError(ErrorCode.InvalidOptions, 'Expected `actor` to be a non-empty string');
    }
    const stem = actorFileStem(actor);
    return this.#serial.run(stem, async () => {
      const log = await this.#logFor(stem, actor);
      try {
        return await task(log);
      } catch (error) {
        // Refusals (conflict, corrupt record, too large) leave the log as it was; I/O failures don't.
        if (isRuntimeError(error) && error.code !== ErrorCode.StoreUnavailable) throw error;
        this.#slots.delete(stem);
        if (log.handle !== undefined) {
          await log.handle.truncate(log.end).catch(() => undefined);
          await log.handle.close().catch(() => undefined);
        }
        throw isRuntimeError(error) ? error : storeUnavailable('write', log.file, error);
      }
    });
  }

  async #logFor(stem: string, actor: string): Promise<ActorLog> {
    let slot = this.#slots.get(stem);
    if (slot === undefined) {
      slot = await this.#load(stem, actor);
      this.#slots.set(stem, slot);
    }
    if (slot.status === 'broken') {
      throw new RuntimeError(ErrorCode.CorruptData, `Journal of ${actor} is unreadable`, {
        cause: slot.error,
        details: { actor, ...slot.error.details },
      });
    }
    if (slot.log.actor !== actor) {
      throw new RuntimeError(
        ErrorCode.CorruptData,
        `Journal ${slot.log.file} belongs to ${slot.log.actor}, not ${actor}`,
        { details: { where: slot.log.file, actor, found: slot.log.actor } },
      );
    }
    return slot.log;
  }

  /** Loads the journal file of `stem`, recording what it repaired. */
  #load(stem: string, actor: string | undefined): Promise<LoadedLog> {
    const file = path.join(this.#dir, stem + SUFFIX);
    return loadActorLog(file, stem, actor, (repair) => this.#repairs.push(repair));
  }

  /** The log's file handle, creating the file (header only, atomically) on first use. */
  async #ensureFile(log: ActorLog): Promise<fs.FileHandle> {
    if (log.handle !== undefined) return log.handle;
    const header = encodeHeader(log.actor, log.baseSeq);
    await replaceAtomically(log.file, this.#dir, [header]);
    log.handle = await io('open', log.file, () => fs.open(log.file, 'r+'));
    log.end = header.byteLength;
    return log.handle;
  }
}
