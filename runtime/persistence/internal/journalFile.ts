import { open, type FileHandle } from 'node:fs/promises';
import { decodeValue } from '../../codec/index.js';
import { ErrorCode, RuntimeError } from '../../errors/index.js';
import { crc32 } from './crc32.js';
import { io, writeFully } from './durable.js';

// A journal file (FileJournal), all integers big-endian:
//   header: 'AVJL' | u8 format version (1) | u64 base seq | u32 n | n bytes actor name (UTF-8)
//           | u32 CRC-32 of the header bytes before it
//   record: u32 payload length | u32 CRC-32 of (seq bytes + payload) | u64 seq | payload
// The payload is `encodeJournalEvent` bytes. The base seq is the last sequence the journal had
// before its first record (raised by truncateBefore), so sequences continue after a truncation
// that removed every record. Sequences strictly increase along the file.

/** @internal Magic bytes of a journal file. */
export const JOURNAL_MAGIC = Buffer.from('AVJL', 'latin1');
/** @internal Format version of a journal file. */
export const JOURNAL_FILE_VERSION = 1;
/** @internal Bytes of a record before its payload. */
export const RECORD_HEADER_BYTES = 16;
const HEADER_FIXED_BYTES = 17;
/** Actor names are at most 512 UTF-16 units: at most 1536 UTF-8 bytes. */
const MAX_ACTOR_BYTES = 2048;
const CHUNK_BYTES = 1 << 20;

/** @internal A journal file's header. */
export interface JournalHeader {
  readonly actor: string;
  readonly baseSeq: number;
  /** Its length in bytes: where the first record starts. */
  readonly bytes: number;
}

/** @internal Where one record lives in the file. */
export interface RecordRef {
  readonly seq: number;
  readonly offset: number;
  /** Whole record, header included. */
  readonly size: number;
  /** The event id, when the payload decodes to something with one. */
  readonly id: string | undefined;
}

/** @internal The bytes of a header. */
export function encodeHeader(actor: string, baseSeq: number): Buffer {
  const name = Buffer.from(actor, 'utf8');
  const header = Buffer.alloc(HEADER_FIXED_BYTES + name.byteLength + 4);
  JOURNAL_MAGIC.copy(header, 0);
  header.writeUInt8(JOURNAL_FILE_VERSION, 4);
  header.writeBigUInt64BE(BigInt(baseSeq), 5);
  header.writeUInt32BE(name.byteLength, 13);
  name.copy(header, HEADER_FIXED_BYTES);
  header.writeUInt32BE(crc32(header.subarray(0, header.byteLength - 4)), header.byteLength - 4);
  return header;
}

/** @internal The bytes of one record. */
export function encodeRecord(seq: number, payload: Uint8Array): Buffer {
  const record = Buffer.alloc(RECORD_HEADER_BYTES + payload.byteLength);
  record.writeUInt32BE(payload.byteLength, 0);
  record.writeBigUInt64BE(BigInt(seq), 8);
  record.set(payload, RECORD_HEADER_BYTES);
  record.writeUInt32BE(crc32(record.subarray(8)), 4);
  return record;
}

/**
 * @internal Reads and checks a header.
 * @throws {RuntimeError} ERR_CORRUPT_DATA when it is short, foreign or fails its CRC.
 */
export async function readHeader(
  handle: FileHandle,
  size: number,
  where: string,
): Promise<JournalHeader> {
  const fail = (problem: string): RuntimeError =>
    new RuntimeError(ErrorCode.CorruptData, `Journal ${where} has a bad header: ${problem}`, {
      details: { where, problem },
    });
  const fixed = await readAt(handle, 0, Math.min(size, HEADER_FIXED_BYTES));
  if (fixed.byteLength < HEADER_FIXED_BYTES) throw fail(`file is ${size} bytes`);
  if (!fixed.subarray(0, 4).equals(JOURNAL_MAGIC)) throw fail('not a journal file (magic)');
  const version = fixed.readUInt8(4);
  if (version !== JOURNAL_FILE_VERSION) throw fail(`unknown file format version ${version}`);
  const nameBytes = fixed.readUInt32BE(13);
  const total = HEADER_FIXED_BYTES + nameBytes + 4;
  if (nameBytes > MAX_ACTOR_BYTES || total > size) throw fail(`actor name of ${nameBytes} bytes`);
  const header = await readAt(handle, 0, total);
  if (crc32(header.subarray(0, total - 4)) !== header.readUInt32BE(total - 4)) {
    throw fail('checksum mismatch');
  }
  const baseSeq = toSafe(header.readBigUInt64BE(5));
  if (baseSeq === undefined) throw fail('base sequence out of range');
  const actor = header.subarray(HEADER_FIXED_BYTES, total - 4).toString('utf8');
  return { actor, baseSeq, bytes: total };
}

/** @internal What a scan of the records found. */
export interface ScanResult {
  readonly records: RecordRef[];
  /** End of the last good record. */
  readonly end: number;
  /** Why the scan stopped before the end of the file, if it did. */
  readonly problem: string | undefined;
  /**
   * `'torn'`: what follows the last good record is an incomplete final record (or garbage with no
   * record after it), safe to cut. `'corrupt'`: a complete record lies beyond the bad spot, so the
   * damage is in the middle and cutting would drop acknowledged records.
   */
  readonly damage: 'torn' | 'corrupt' | undefined;
}

/**
 * @internal Walks the records from `header.bytes`, stopping at the first that is partial, fails
 * its CRC or breaks the sequence order (sequences are contiguous: each is one more than the one
 * before). Records whose CRC holds are kept even when their payload does not validate (read
 * reports those): a schema change must never make an open cut data.
 *
 * A torn write leaves a prefix of the last record; it can never leave a checksummed record after
 * the bad spot. So at the first problem the rest of the file is searched for a complete record
 * with a valid CRC and a later sequence: found, the damage is `'corrupt'` (middle of the file);
 * not found, it is `'torn'` (the tail). A whole record in the wrong order is corrupt too.
 */
export async function scanRecords(
  handle: FileHandle,
  size: number,
  header: JournalHeader,
): Promise<ScanResult> {
  const reader = new ChunkReader(handle);
  const records: RecordRef[] = [];
  let offset = header.bytes;
  let previous = header.baseSeq;
  while (offset < size) {
    const problem = await (async (): Promise<string | undefined> => {
      if (size - offset < RECORD_HEADER_BYTES) return 'partial record header';
      const head = await reader.read(offset, RECORD_HEADER_BYTES);
      const length = head.readUInt32BE(0);
      const checksum = head.readUInt32BE(4);
      const seq = toSafe(head.readBigUInt64BE(8));
      if (offset + RECORD_HEADER_BYTES + length > size) return 'record runs past the end';
      const seqBytes = Buffer.from(head.subarray(8, 16));
      const payload = await reader.read(offset + RECORD_HEADER_BYTES, length);
      if (crc32(payload, crc32(seqBytes)) !== checksum) return 'checksum mismatch';
      if (seq !== previous + 1) return `sequence ${String(seq)} after ${previous}`;
      records.push({ seq, offset, size: RECORD_HEADER_BYTES + length, id: eventId(payload) });
      previous = seq;
      offset += RECORD_HEADER_BYTES + length;
      return undefined;
    })();
    if (problem !== undefined) {
      const later = await findRecordAfter(handle, size, offset, previous);
      return { records, end: offset, problem, damage: later ? 'corrupt' : 'torn' };
    }
  }
  return { records, end: offset, problem: undefined, damage: undefined };
}

/**
 * True when the bytes from `from` on hold a complete record with a valid CRC and a sequence above
 * `previous`, starting anywhere (the bad record's own length cannot be trusted). Runs only after a
 * problem was found, so it reads the rest of the file at once.
 */
async function findRecordAfter(
  handle: FileHandle,
  size: number,
  from: number,
  previous: number,
): Promise<boolean> {
  const rest = await readAt(handle, from, size - from);
  // A file of n bytes holds fewer than n / 16 records: a sequence beyond that is no record's.
  const maxSeq = previous + Math.ceil(size / RECORD_HEADER_BYTES);
  for (let at = 0; at + RECORD_HEADER_BYTES <= rest.byteLength; at++) {
    const seq = toSafe(rest.readBigUInt64BE(at + 8));
    if (seq === undefined || seq <= previous || seq > maxSeq) continue;
    const length = rest.readUInt32BE(at);
    if (at + RECORD_HEADER_BYTES + length > rest.byteLength) continue;
    const checked = rest.subarray(at + 8, at + RECORD_HEADER_BYTES + length);
    if (crc32(checked) === rest.readUInt32BE(at + 4)) return true;
  }
  return false;
}

/**
 * @internal The payload of the record at `ref` within `bytes` (read from the file at `base`).
 * @throws {RuntimeError} ERR_CORRUPT_DATA when it changed on disk since it was written or scanned.
 */
export function recordPayload(bytes: Buffer, base: number, ref: RecordRef, where: string): Buffer {
  const record = bytes.subarray(ref.offset - base, ref.offset - base + ref.size);
  const intact =
    record.byteLength === ref.size &&
    record.readUInt32BE(0) === ref.size - RECORD_HEADER_BYTES &&
    toSafe(record.readBigUInt64BE(8)) === ref.seq &&
    crc32(record.subarray(8)) === record.readUInt32BE(4);
  if (!intact) {
    throw new RuntimeError(ErrorCode.CorruptData, `Journal record at ${where} is corrupt`, {
      details: { where, offset: ref.offset, seq: ref.seq },
    });
  }
  return record.subarray(RECORD_HEADER_BYTES);
}

/** @internal Reads exactly `length` bytes at `position` (fewer only at the end of the file). */
export async function readAt(
  handle: FileHandle,
  position: number,
  length: number,
): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buffer.subarray(0, done);
}

function toSafe(value: bigint): number | undefined {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}

function eventId(payload: Uint8Array): string | undefined {
  const decoded = decodeValue(payload, { maxBytes: Number.MAX_SAFE_INTEGER });
  if (!decoded.ok || typeof decoded.value !== 'object' || decoded.value === null) return undefined;
  const id: unknown = (decoded.value as { id?: unknown }).id;
  return typeof id === 'string' ? id : undefined;
}

/** Sequential reads through a 1 MiB window, so a scan costs one read per MiB, not two per record. */
class ChunkReader {
  readonly #handle: FileHandle;
  #start = 0;
  #window: Buffer = Buffer.alloc(0);

  constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  /** The bytes at `[position, position + length)`; valid until the next call. */
  async read(position: number, length: number): Promise<Buffer> {
    const from = position - this.#start;
    if (from < 0 || from + length > this.#window.byteLength) {
      this.#window = await readAt(this.#handle, position, Math.max(length, CHUNK_BYTES));
      this.#start = position;
    }
    return this.#window.subarray(position - this.#start, position - this.#start + length);
  }
}

/**
 * @internal Writes a new journal file `target`: `header`, then the bytes `[from, end)` of `source`
 * (copied in 1 MiB chunks), fsynced. `target` must not exist.
 */
export async function writeJournalCopy(
  target: string,
  header: Uint8Array,
  source: FileHandle,
  from: number,
  end: number,
): Promise<void> {
  await io('write', target, async () => {
    const out = await open(target, 'wx');
    try {
      await writeFully(out, header, null);
      for (let at = from; at < end; at += CHUNK_BYTES) {
        await writeFully(out, await readAt(source, at, Math.min(CHUNK_BYTES, end - at)), null);
      }
      await out.sync();
    } finally {
      await out.close();
    }
  });
}
