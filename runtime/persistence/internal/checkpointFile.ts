import { ErrorCode, RuntimeError } from '../../errors/index.js';
import { crc32 } from './crc32.js';

// A checkpoint file (FileCheckpointStore), all integers big-endian:
//   'AVCK' | u8 format version (1) | u32 payload length | u32 CRC-32 of the payload | payload
// The payload is `encodeCheckpoint` bytes. The length and CRC catch torn and bit-rotted files.

/** @internal Magic bytes of a checkpoint file. */
export const CHECKPOINT_MAGIC = Buffer.from('AVCK', 'latin1');
/** @internal Format version of a checkpoint file. */
export const CHECKPOINT_FILE_VERSION = 1;
/** @internal Bytes before the payload. */
export const CHECKPOINT_HEADER_BYTES = 13;

/** @internal The file bytes that hold `payload`. */
export function frameCheckpoint(payload: Uint8Array): Uint8Array {
  const header = Buffer.alloc(CHECKPOINT_HEADER_BYTES);
  CHECKPOINT_MAGIC.copy(header, 0);
  header.writeUInt8(CHECKPOINT_FILE_VERSION, 4);
  header.writeUInt32BE(payload.byteLength, 5);
  header.writeUInt32BE(crc32(payload), 9);
  return Buffer.concat([header, payload]);
}

/**
 * @internal The payload of a checkpoint file.
 * @throws {RuntimeError} ERR_CORRUPT_DATA when the file is short, foreign, torn or fails its CRC.
 */
export function unframeCheckpoint(file: Uint8Array, where: string): Uint8Array {
  const bytes = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  const fail = (problem: string): RuntimeError =>
    new RuntimeError(ErrorCode.CorruptData, `Checkpoint at ${where} is corrupt: ${problem}`, {
      details: { where, problem, size: bytes.byteLength },
    });
  if (bytes.byteLength < CHECKPOINT_HEADER_BYTES) {
    throw fail(
      `${bytes.byteLength} bytes, shorter than its ${CHECKPOINT_HEADER_BYTES}-byte header`,
    );
  }
  if (!bytes.subarray(0, 4).equals(CHECKPOINT_MAGIC)) throw fail('not a checkpoint file (magic)');
  const version = bytes.readUInt8(4);
  if (version !== CHECKPOINT_FILE_VERSION) throw fail(`unknown file format version ${version}`);
  const length = bytes.readUInt32BE(5);
  const actual = bytes.byteLength - CHECKPOINT_HEADER_BYTES;
  if (length !== actual) throw fail(`header says ${length} payload bytes, file holds ${actual}`);
  const payload = bytes.subarray(CHECKPOINT_HEADER_BYTES);
  if (crc32(payload) !== bytes.readUInt32BE(9)) throw fail('checksum mismatch');
  return payload;
}
