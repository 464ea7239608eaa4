import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { ErrorCode, RuntimeError } from '../../errors/index.js';

/** @internal The errno code of a Node.js system error (`ENOENT`, …), if it is one. */
export function errnoCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** @internal The error every file store raises when the file system fails. */
export function storeUnavailable(op: string, target: string, cause: unknown): RuntimeError {
  const code = errnoCode(cause);
  return new RuntimeError(
    ErrorCode.StoreUnavailable,
    `File store failed to ${op} ${target}${code === undefined ? '' : ` (${code})`}`,
    { cause, details: { op, path: target, ...(code === undefined ? {} : { errno: code }) } },
  );
}

/** @internal Runs one file-system step; a failure becomes ERR_STORE_UNAVAILABLE (RuntimeErrors pass). */
export async function io<T>(op: string, target: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof RuntimeError) throw error;
    throw storeUnavailable(op, target, error);
  }
}

// Platforms that cannot open or fsync a directory (Windows) fail with one of these; there the
// rename itself is as durable as it gets.
const NO_DIR_SYNC = new Set(['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'EBADF', 'ENOTSUP']);

/** @internal fsyncs a directory, so entries created, renamed or removed in it survive a crash. */
export async function syncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(dir, 'r');
  } catch (error) {
    if (NO_DIR_SYNC.has(errnoCode(error) ?? '')) return;
    throw storeUnavailable('open directory', dir, error);
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!NO_DIR_SYNC.has(errnoCode(error) ?? '')) throw storeUnavailable('fsync', dir, error);
  } finally {
    await handle.close();
  }
}

/** @internal A fresh temporary name beside `file` (`*.tmp`: ignored by readers, swept by writers). */
export function tempName(file: string): string {
  return `${file}.${randomBytes(6).toString('hex')}.tmp`;
}

/** @internal Writes `pieces` to a new file (it must not exist) and fsyncs it. */
export async function writeSynced(file: string, pieces: readonly Uint8Array[]): Promise<void> {
  await io('write', file, async () => {
    const handle = await fs.open(file, 'wx');
    try {
      for (const piece of pieces) await writeFully(handle, piece, null);
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
}

/** @internal Writes all of `bytes` at `position` (or the current position when null). */
export async function writeFully(
  handle: fs.FileHandle,
  bytes: Uint8Array,
  position: number | null,
): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const { bytesWritten } = await handle.write(
      bytes,
      done,
      bytes.byteLength - done,
      position === null ? null : position + done,
    );
    done += bytesWritten;
  }
}

/** @internal Writes `pieces` to `file` atomically: a synced temp file renamed over it, then the directory synced. */
export async function replaceAtomically(
  file: string,
  dir: string,
  pieces: readonly Uint8Array[],
): Promise<void> {
  const temp = tempName(file);
  try {
    await writeSynced(temp, pieces);
    await io('rename', temp, () => fs.rename(temp, file));
  } catch (error) {
    await removeQuietly(temp).catch(() => false); // the original failure is the one to report
    throw error;
  }
  await syncDir(dir);
}

/** @internal Deletes a file; one that is already gone is fine. */
export async function removeQuietly(file: string): Promise<boolean> {
  try {
    await fs.unlink(file);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw storeUnavailable('delete', file, error);
  }
}
