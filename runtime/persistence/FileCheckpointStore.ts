import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { z } from 'zod';
import { ErrorCode, RuntimeError, isRuntimeError, parseOptions } from '../errors/index.js';
import type { Checkpoint, SkippedCheckpoint, StoredCheckpoint } from './Checkpoint.js';
import type {
  CheckpointInfo,
  CheckpointStore,
  LatestCheckpoint,
  PutCheckpointOptions,
} from './CheckpointStore.js';
import { DEFAULT_MAX_CHECKPOINT_BYTES, decodeCheckpoint, encodeCheckpoint } from './codec.js';
import { conflict } from './internal/storeErrors.js';
import { actorFileStem } from './internal/actorFileStem.js';
import { frameCheckpoint, unframeCheckpoint } from './internal/checkpointFile.js';
import {
  errnoCode,
  io,
  removeQuietly,
  replaceAtomically,
  storeUnavailable,
  syncDir,
  tempName,
  writeSynced,
} from './internal/durable.js';
import { KeyedSerial } from './internal/KeyedSerial.js';

/** Options of {@link FileCheckpointStore.open}. */
export const FileCheckpointStoreOptionsSchema = z.strictObject({
  /** Directory of the store (one sub-directory per actor); created when missing. */
  dir: z.string().min(1),
  /** Largest encoded checkpoint accepted, in bytes. @default 1_000_000 */
  maxBytes: z
    .number()
    .int()
    .positive()
    .max(2 ** 31)
    .default(DEFAULT_MAX_CHECKPOINT_BYTES),
});

/** What callers pass to {@link FileCheckpointStore.open}. */
export type FileCheckpointStoreOptions = z.input<typeof FileCheckpointStoreOptionsSchema>;
type FileCheckpointStoreConfig = z.output<typeof FileCheckpointStoreOptionsSchema>;

const CHECKPOINT_FILE = /^(\d{16})\.ckpt$/;
/** Highest revision ever used by an actor, kept when its newest checkpoints are deleted. */
const HIGH_WATER_FILE = 'hwm';
// Error codes of `link` on file systems without hard links: fall back to `rename`.
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'ENOSYS', 'EXDEV', 'EOPNOTSUPP']);

/** What an actor's directory holds. */
interface ActorDirListing {
  /** Revisions with a checkpoint file (valid or not), ascending. */
  readonly revisions: number[];
  /** Temp files a crashed writer left behind. */
  readonly temps: string[];
  /** The highest revision ever used, from the high-water file (0 when none). */
  readonly highWater: number;
}

/**
 * Checkpoints in files, one directory per actor: `<dir>/<hex of the actor name>/<revision, 16
 * digits>.ckpt`. A put writes a temp file, fsyncs it, links it into place (never over an existing
 * revision) and fsyncs the directory, so a crash leaves either the whole checkpoint or none. Every
 * file carries a header with its length and CRC-32 (`'AVCK' | version | u32 length | u32 crc32 |
 * payload`), so torn and bit-rotted files are detected: `latest` skips them and reports each in
 * `skipped`.
 *
 * Revisions are per actor: one more than the highest the actor ever used (deleting the newest
 * leaves a high-water file, so a number is never reused). Compare-and-set compares
 * `expectedRevision` with the newest checkpoint file, corrupt or not: a corrupt newest checkpoint
 * was still written by someone, likely the current owner, so a writer that only knows older
 * revisions is refused. After `latest` skipped corrupt checkpoints, the token to pass is therefore
 * `skipped[0]?.revision ?? revision`.
 *
 * Puts, deletes and retains of one actor are serialized within the process; the link makes two
 * processes racing for one revision fail (one gets ERR_PERSISTENCE_CONFLICT), but several
 * processes should not share a directory.
 *
 * @example
 * const store = await FileCheckpointStore.open({ dir: '/var/lib/agentvisor/checkpoints' });
 * const { revision } = await store.put(checkpoint, { expectedRevision: 0 });
 */
export class FileCheckpointStore implements CheckpointStore {
  readonly #dir: string;
  readonly #maxBytes: number;
  readonly #serial = new KeyedSerial();
  #closed = false;

  private constructor(config: FileCheckpointStoreConfig) {
    this.#dir = path.resolve(config.dir);
    this.#maxBytes = config.maxBytes;
  }

  /**
   * Opens (creating when missing) a store in `options.dir`.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS for bad options; ERR_STORE_UNAVAILABLE when the
   *   directory cannot be created.
   */
  static async open(options: FileCheckpointStoreOptions): Promise<FileCheckpointStore> {
    const config = parseOptions(FileCheckpointStoreOptionsSchema, options, 'FileCheckpointStore');
    await io('create directory', config.dir, () => fs.mkdir(config.dir, { recursive: true }));
    return new FileCheckpointStore(config);
  }

  // --- public API ---

  async put(
    checkpoint: Checkpoint,
    options: PutCheckpointOptions = {},
  ): Promise<{ revision: number; bytes: number }> {
    this.#assertOpen();
    const { actor } = checkpoint;
    const bytes = frameCheckpoint(encodeCheckpoint(checkpoint, this.#maxBytes));
    return this.#serial.run(actor, async () => {
      const actorDir = this.#actorDir(actor);
      const created = await io('create directory', actorDir, () =>
        fs.mkdir(actorDir, { recursive: true }),
      );
      if (created !== undefined) await syncDir(this.#dir);
      const listing = await this.#listDir(actorDir);
      // Puts of one actor are serialized, so every temp file here is a crashed writer's.
      await Promise.all(listing.temps.map((t) => removeQuietly(path.join(actorDir, t))));
      const newest = listing.revisions.at(-1) ?? 0;
      const expected = options.expectedRevision;
      if (expected !== undefined && expected !== newest) throw conflict(actor, expected, newest);
      const revision = await this.#install(
        actor,
        actorDir,
        bytes,
        Math.max(newest, listing.highWater) + 1,
        expected,
      );
      return { revision, bytes: bytes.byteLength };
    });
  }

  async latest(actor: string): Promise<LatestCheckpoint | undefined> {
    this.#assertOpen();
    const { revisions } = await this.#listDir(this.#actorDir(actor));
    const skipped: SkippedCheckpoint[] = [];
    for (const revision of revisions.reverse()) {
      try {
        const checkpoint = await this.#read(actor, revision);
        if (checkpoint !== undefined) return { checkpoint, revision, skipped };
      } catch (error) {
        if (!isRuntimeError(error, ErrorCode.CorruptData)) throw error;
        skipped.push({ revision, error });
      }
    }
    return undefined;
  }

  async get(actor: string, revision: number): Promise<StoredCheckpoint | undefined> {
    this.#assertOpen();
    if (!Number.isSafeInteger(revision) || revision <= 0) return undefined;
    const checkpoint = await this.#read(actor, revision);
    return checkpoint === undefined ? undefined : { checkpoint, revision };
  }

  /** The valid checkpoints of an actor, oldest first (corrupt files are left out). */
  async list(actor: string): Promise<CheckpointInfo[]> {
    this.#assertOpen();
    const { revisions } = await this.#listDir(this.#actorDir(actor));
    const infos: CheckpointInfo[] = [];
    for (const revision of revisions) {
      const file = this.#file(actor, revision);
      const bytes = await this.#readFile(file);
      if (bytes === undefined) continue;
      try {
        const payload = unframeCheckpoint(bytes, file);
        const { journalSeq, createdAt } = this.#decode(actor, payload, file);
        infos.push({ revision, journalSeq, createdAt, size: payload.byteLength });
      } catch (error) {
        if (!isRuntimeError(error, ErrorCode.CorruptData)) throw error;
      }
    }
    return infos;
  }

  /** The newest checkpoint file's revision, valid or not: what compare-and-set compares with. */
  async newestRevision(actor: string): Promise<number> {
    this.#assertOpen();
    return (await this.#listDir(this.#actorDir(actor))).revisions.at(-1) ?? 0;
  }

  async delete(actor: string, revision?: number): Promise<void> {
    this.#assertOpen();
    await this.#serial.run(actor, async () => {
      const actorDir = this.#actorDir(actor);
      const listing = await this.#listDir(actorDir);
      const doomed =
        revision === undefined
          ? listing.revisions
          : listing.revisions.filter((r) => r === revision);
      await this.#remove(actorDir, listing, doomed);
    });
  }

  /**
   * Keeps the newest `keep` valid checkpoints and deletes every file older than the oldest of
   * them; corrupt files among the kept ones stay (they hold their revision). Deletes nothing when
   * fewer than `keep` are valid, so corruption never makes it drop good checkpoints.
   */
  async retain(actor: string, keep: number): Promise<number> {
    this.#assertOpen();
    return this.#serial.run(actor, async () => {
      const actorDir = this.#actorDir(actor);
      const listing = await this.#listDir(actorDir);
      let valid = 0;
      let cutoff = Infinity; // delete revisions below this
      for (const revision of [...listing.revisions].reverse()) {
        if (valid >= keep) break;
        if (await this.#isValid(actor, revision)) {
          valid++;
          cutoff = revision;
        }
      }
      if (valid < keep) return 0;
      const doomed = listing.revisions.filter((r) => r < cutoff);
      await this.#remove(actorDir, listing, doomed);
      return doomed.length;
    });
  }

  /** Waits for pending writes, then refuses every call with ERR_CLOSED. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#serial.idle();
  }

  // --- internals ---

  #assertOpen(): void {
    if (this.#closed) throw new RuntimeError(ErrorCode.Closed, 'Checkpoint store is closed');
  }

  #actorDir(actor: string): string {
    // An empty name would address the store's own directory.
    if (actor === '') {
      throw new RuntimeError(ErrorCode.InvalidOptions, 'Expected `actor` to be a non-empty string');
    }
    return path.join(this.#dir, actorFileStem(actor));
  }

  #file(actor: string, revision: number): string {
    return path.join(this.#actorDir(actor), `${String(revision).padStart(16, '0')}.ckpt`);
  }

  /**
   * Writes `bytes` as revision `revision` (or the next free one when another process took it and
   * no compare-and-set was asked for). `link` refuses an existing name, unlike `rename`.
   */
  async #install(
    actor: string,
    actorDir: string,
    bytes: Uint8Array,
    first: number,
    expected: number | undefined,
  ): Promise<number> {
    const temp = tempName(path.join(actorDir, 'checkpoint'));
    try {
      await writeSynced(temp, [bytes]);
      for (let revision = first; ; revision++) {
        const file = path.join(actorDir, `${String(revision).padStart(16, '0')}.ckpt`);
        try {
          await fs.link(temp, file);
        } catch (error) {
          const code = errnoCode(error);
          if (code === 'EEXIST') {
            if (expected !== undefined) throw conflict(actor, expected, revision);
            continue;
          }
          if (!NO_HARD_LINKS.has(code ?? '')) throw storeUnavailable('link', file, error);
          await io('rename', temp, () => fs.rename(temp, file));
        }
        await removeQuietly(temp);
        await syncDir(actorDir);
        return revision;
      }
    } finally {
      await removeQuietly(temp).catch(() => false);
    }
  }

  async #listDir(actorDir: string): Promise<ActorDirListing> {
    let names: string[];
    try {
      names = await fs.readdir(actorDir);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { revisions: [], temps: [], highWater: 0 };
      throw storeUnavailable('list', actorDir, error);
    }
    const revisions: number[] = [];
    const temps: string[] = [];
    let highWater = 0;
    for (const name of names) {
      const match = CHECKPOINT_FILE.exec(name);
      if (match?.[1] !== undefined) revisions.push(Number(match[1]));
      else if (name.endsWith('.tmp')) temps.push(name);
      else if (name === HIGH_WATER_FILE) {
        const text = await this.#readFile(path.join(actorDir, name));
        const value = Number(
          Buffer.from(text ?? [])
            .toString('latin1')
            .trim(),
        );
        if (Number.isSafeInteger(value) && value > 0) highWater = value; // garbage: ignored
      }
    }
    return { revisions: revisions.sort((a, b) => a - b), temps, highWater };
  }

  /** Deletes `doomed` revisions; deleting the newest first records it in the high-water file. */
  async #remove(
    actorDir: string,
    listing: ActorDirListing,
    doomed: readonly number[],
  ): Promise<void> {
    if (doomed.length === 0) return;
    const newest = listing.revisions.at(-1) ?? 0;
    if (doomed.includes(newest) && newest > listing.highWater) {
      const text = Buffer.from(`${newest}\n`, 'latin1');
      await replaceAtomically(path.join(actorDir, HIGH_WATER_FILE), actorDir, [text]);
    }
    for (const revision of doomed) {
      await removeQuietly(path.join(actorDir, `${String(revision).padStart(16, '0')}.ckpt`));
    }
    await syncDir(actorDir);
  }

  /** A file's bytes, or undefined when it does not exist. */
  async #readFile(file: string): Promise<Uint8Array | undefined> {
    try {
      return await fs.readFile(file);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return undefined;
      throw storeUnavailable('read', file, error);
    }
  }

  /** Reads and validates one checkpoint. @throws ERR_CORRUPT_DATA */
  async #read(actor: string, revision: number): Promise<Checkpoint | undefined> {
    const file = this.#file(actor, revision);
    const bytes = await this.#readFile(file);
    if (bytes === undefined) return undefined;
    return this.#decode(actor, unframeCheckpoint(bytes, file), file);
  }

  #decode(actor: string, payload: Uint8Array, file: string): Checkpoint {
    // A file moved between actor directories (or a hashed-name collision) is not this actor's.
    return decodeCheckpoint(payload, file, actor);
  }

  async #isValid(actor: string, revision: number): Promise<boolean> {
    try {
      return (await this.#read(actor, revision)) !== undefined;
    } catch (error) {
      if (isRuntimeError(error, ErrorCode.CorruptData)) return false;
      throw error;
    }
  }
}
