import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { NATS_BUCKETS, casWrite, isCasConflict, kvToken, openBucket } from '../nats/index.js';
import type { NatsConnection } from '@nats-io/transport-node';
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
import {
  isNoMessage,
  nats,
  natsStoreError,
  payloadLimit,
  wrongLastSequence,
} from './internal/natsErrors.js';
import {
  lastMessage,
  messageAt,
  readSubject,
  type StreamAccess,
  type SubjectMessage,
} from './internal/natsSubjectReader.js';

/** Options of {@link JetStreamCheckpointStore.open}. */
export const JetStreamCheckpointStoreOptionsSchema = z.strictObject({
  /**
   * KV bucket (stream `KV_<bucket>`), created when missing; an existing bucket is used with the
   * configuration it has. @default 'agentvisor_checkpoints'
   */
  bucket: z
    .string()
    .regex(/^[-\w]+$/, 'must be letters, digits, "-" or "_"')
    .default(NATS_BUCKETS.checkpoints),
  /** Revisions the bucket keeps per actor (KV `history`); the server drops older ones. @default 5 */
  keep: z.number().int().min(1).max(64).default(5),
  /**
   * Largest encoded checkpoint accepted, in bytes; the server's `max_payload` caps it too.
   * @default 1_000_000
   */
  maxBytes: z.number().int().positive().default(DEFAULT_MAX_CHECKPOINT_BYTES),
});

/** What callers pass to {@link JetStreamCheckpointStore.open}. */
export type JetStreamCheckpointStoreOptions = z.input<typeof JetStreamCheckpointStoreOptionsSchema>;
type JetStreamCheckpointStoreConfig = z.output<typeof JetStreamCheckpointStoreOptionsSchema>;

/**
 * The last sequence the server found on a compare-and-set `conflict` (NaN when it did not say),
 * for the conflict error's details.
 */
const foundSeq = (error: unknown): number => wrongLastSequence(error) ?? Number.NaN;

/** Header of KV delete and purge markers (`DEL`, `PURGE`); absent on values. */
const KV_OPERATION = 'KV-Operation';
const isMarker = (m: SubjectMessage): boolean => m.header(KV_OPERATION) !== '';

/**
 * Checkpoints in a NATS JetStream KV bucket, one key per actor: `a.` + base64url of the actor's
 * name (KV keys allow only `[-/_=.a-zA-Z0-9]`). A revision is the KV revision, i.e. the stream
 * sequence of the message: it increases per actor but is shared with the other actors. Puts with
 * `expectedRevision` are compare-and-set on the server (expected last subject sequence), so a
 * zombie owner holding an old revision is refused with ERR_PERSISTENCE_CONFLICT. Every value read
 * back is decoded and validated; `latest` skips corrupt ones. As in the file store, the
 * compare-and-set is against the newest value, corrupt or not: after `latest` skipped some, the
 * token to pass is `skipped[0]?.revision ?? revision`.
 *
 * Deletes: `delete(actor)` purges the actor's key (no tombstone left). `delete(actor, revision)`
 * deletes that stream message; when it is the newest, a KV delete marker is written above it
 * first, because nats-server 2.9 (file storage) loses track of a subject's last message once that
 * message is deleted (`latest` and compare-and-set would then see nothing while older values
 * remain). Reads pass over the marker; a put whose `expectedRevision` is the newest checkpoint
 * below it succeeds and removes it. Otherwise it stays, in one of the key's `keep` history slots,
 * until `retain` or `delete` purges it.
 *
 * The connection belongs to the caller: `close()` does not close it.
 *
 * @example
 * const store = await JetStreamCheckpointStore.open(nc, { keep: 5 });
 * const { revision } = await store.put(checkpoint, { expectedRevision: 0 });
 */
export class JetStreamCheckpointStore implements CheckpointStore {
  readonly #nc: NatsConnection;
  readonly #kv: KV;
  readonly #access: StreamAccess;
  readonly #bucket: string;
  readonly #maxBytes: number;
  readonly #pending = new Set<Promise<unknown>>();
  #closed = false;

  private constructor(
    nc: NatsConnection,
    kv: KV,
    access: StreamAccess,
    config: JetStreamCheckpointStoreConfig,
  ) {
    this.#nc = nc;
    this.#kv = kv;
    this.#access = access;
    this.#bucket = config.bucket;
    this.#maxBytes = config.maxBytes;
  }

  /**
   * Opens the store on `nc`, creating its KV bucket (with `history: keep`) when missing.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS for bad options; ERR_STORE_UNAVAILABLE when
   *   JetStream cannot be reached or refuses the bucket.
   */
  static async open(
    nc: NatsConnection,
    options: JetStreamCheckpointStoreOptions = {},
  ): Promise<JetStreamCheckpointStore> {
    const config = parseOptions(
      JetStreamCheckpointStoreOptionsSchema,
      options,
      'JetStreamCheckpointStore',
    );
    return nats('open bucket', config.bucket, async () => {
      const js = jetstream(nc);
      const jsm = await jetstreamManager(nc);
      const kv = await openBucket(nc, config.bucket, { history: config.keep });
      const stream = `KV_${config.bucket}`;
      const info = await jsm.streams.info(stream);
      const direct = info.config.allow_direct;
      return new JetStreamCheckpointStore(nc, kv, { js, jsm, stream, direct }, config);
    });
  }

  // --- public API ---

  put(
    checkpoint: Checkpoint,
    options: PutCheckpointOptions = {},
  ): Promise<{ revision: number; bytes: number }> {
    return this.#run(() => this.#put(checkpoint, options.expectedRevision));
  }

  latest(actor: string): Promise<LatestCheckpoint | undefined> {
    return this.#run(async () => {
      const subject = this.#subject(actor);
      const top = await this.#nats('read', actor, () => lastMessage(this.#access, subject));
      if (top === undefined) return undefined;
      const skipped: SkippedCheckpoint[] = [];
      // The common case: the newest message is a valid checkpoint, found by one direct get.
      if (!isMarker(top)) {
        const found = this.#tryDecode(actor, top, skipped);
        if (found !== undefined) return { ...found, skipped };
      }
      const older = await this.#values(actor, top.seq - 1);
      for (const message of older.reverse()) {
        const found = this.#tryDecode(actor, message, skipped);
        if (found !== undefined) return { ...found, skipped };
      }
      return undefined;
    });
  }

  get(actor: string, revision: number): Promise<StoredCheckpoint | undefined> {
    return this.#run(async () => {
      const subject = this.#subject(actor);
      if (!Number.isSafeInteger(revision) || revision <= 0) return undefined;
      const message = await this.#nats('read', actor, () => messageAt(this.#access, revision));
      // A sequence of the bucket's stream may hold another actor's checkpoint.
      if (message?.subject !== subject || isMarker(message)) return undefined;
      return { checkpoint: this.#decode(actor, message), revision };
    });
  }

  /** The valid checkpoints of an actor, oldest first (corrupt values are left out). */
  list(actor: string): Promise<CheckpointInfo[]> {
    return this.#run(async () => {
      const infos: CheckpointInfo[] = [];
      for (const message of await this.#values(actor)) {
        const found = this.#tryDecode(actor, message, []);
        if (found === undefined) continue;
        const { journalSeq, createdAt } = found.checkpoint;
        infos.push({ revision: message.seq, journalSeq, createdAt, size: message.data.byteLength });
      }
      return infos;
    });
  }

  /**
   * The newest value's revision, valid or not (below a delete marker: the newest value under it),
   * which is what a compare-and-set put must name.
   */
  newestRevision(actor: string): Promise<number> {
    return this.#run(async () => {
      const subject = this.#subject(actor);
      const top = await this.#nats('read', actor, () => lastMessage(this.#access, subject));
      if (top === undefined) return 0;
      if (!isMarker(top)) return top.seq;
      return (await this.#values(actor, top.seq - 1)).at(-1)?.seq ?? 0;
    });
  }

  /**
   * Deletes one revision (see the class notes for the newest), or all of an actor's checkpoints
   * (a purge of its key) when `revision` is absent. Deleting what is not there does nothing.
   */
  delete(actor: string, revision?: number): Promise<void> {
    return this.#run(async () => {
      const subject = this.#subject(actor);
      if (revision === undefined) {
        await this.#nats('purge', actor, () =>
          this.#access.jsm.streams.purge(this.#access.stream, { filter: subject }),
        );
        return;
      }
      if (!Number.isSafeInteger(revision) || revision <= 0) return;
      const message = await this.#nats('read', actor, () => messageAt(this.#access, revision));
      if (message?.subject !== subject || isMarker(message)) return;
      const top = await this.#nats('read', actor, () => lastMessage(this.#access, subject));
      if (top?.seq === revision) {
        try {
          // 2.9: never delete a subject's last message; put a marker above it first.
          await this.#kv.delete(this.#key(actor), { previousSeq: revision });
        } catch (error) {
          // Refused only when a put landed after it: then it is no longer the newest.
          if (!isCasConflict(error)) throw natsStoreError('delete', actor, error);
        }
      }
      await this.#deleteMessage(actor, revision);
    });
  }

  /**
   * Keeps the newest `keep` valid checkpoints and deletes every revision older than the oldest of
   * them (one purge); corrupt values among the kept ones stay. Deletes nothing when fewer than
   * `keep` are valid, so corruption never makes it drop good checkpoints.
   */
  retain(actor: string, keep: number): Promise<number> {
    return this.#run(async () => {
      const subject = this.#subject(actor);
      const values = await this.#values(actor);
      let valid = 0;
      let cutoff = Infinity; // revisions below this go
      for (const message of [...values].reverse()) {
        if (valid >= keep) break;
        if (this.#tryDecode(actor, message, []) !== undefined) {
          valid++;
          cutoff = message.seq;
        }
      }
      if (valid < keep) return 0;
      const doomed = values.filter((m) => m.seq < cutoff).length;
      if (doomed === 0) return 0;
      // seq: purges messages below it only, so the newest message is never deleted (see delete).
      const purge = cutoff === Infinity ? { filter: subject } : { filter: subject, seq: cutoff };
      await this.#nats('purge', actor, () =>
        this.#access.jsm.streams.purge(this.#access.stream, purge),
      );
      return doomed;
    });
  }

  /** Waits for calls in flight, then refuses every call with ERR_CLOSED. Leaves `nc` open. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#pending]);
  }

  // --- internals ---

  async #put(
    checkpoint: Checkpoint,
    expected: number | undefined,
  ): Promise<{ revision: number; bytes: number }> {
    const bytes = encodeCheckpoint(checkpoint, payloadLimit(this.#nc, this.#maxBytes));
    const { revision } = await this.#putEncoded(checkpoint.actor, bytes, expected);
    return { revision, bytes: bytes.byteLength };
  }

  async #putEncoded(
    actor: string,
    bytes: Uint8Array,
    expected: number | undefined,
  ): Promise<{ revision: number }> {
    const key = this.#key(actor);
    if (expected === undefined) {
      return { revision: await this.#nats('put', actor, () => this.#kv.put(key, bytes)) };
    }
    if (!Number.isSafeInteger(expected) || expected < 0) {
      // Never a revision; the server would ignore an expectation it cannot parse.
      const top = await this.#nats('read', actor, () =>
        lastMessage(this.#access, this.#subject(actor)),
      );
      throw conflict(actor, expected, top?.seq ?? 0);
    }
    const outcome = await casWrite(this.#kv, key, bytes, expected);
    switch (outcome.status) {
      case 'ok':
        return { revision: outcome.revision };
      case 'unavailable':
        throw natsStoreError('put', this.#where(actor), outcome.error);
      case 'conflict':
        return this.#putAboveMarker(actor, bytes, expected, foundSeq(outcome.error));
    }
  }

  /**
   * The compare-and-set found another message than `expected` on top. That is no conflict when it
   * is the marker a delete of the newest revision left and `expected` is the newest checkpoint
   * below it: then the put is retried against the marker (still compare-and-set).
   */
  async #putAboveMarker(
    actor: string,
    bytes: Uint8Array,
    expected: number,
    found: number,
  ): Promise<{ revision: number }> {
    const subject = this.#subject(actor);
    const top = await this.#nats('read', actor, () => lastMessage(this.#access, subject));
    if (top === undefined || !isMarker(top)) {
      throw conflict(actor, expected, top?.seq ?? (Number.isNaN(found) ? 0 : found));
    }
    const newest = (await this.#values(actor, top.seq - 1)).at(-1)?.seq ?? 0;
    if (newest !== expected) throw conflict(actor, expected, newest);
    const outcome = await casWrite(this.#kv, this.#key(actor), bytes, top.seq);
    if (outcome.status === 'unavailable') {
      throw natsStoreError('put', this.#where(actor), outcome.error);
    }
    if (outcome.status === 'conflict') {
      const again = foundSeq(outcome.error);
      throw conflict(actor, expected, Number.isNaN(again) ? top.seq : again);
    }
    // No longer the subject's last message, so deleting it is safe (see the class notes).
    await this.#deleteMessage(actor, top.seq).catch(() => undefined);
    return { revision: outcome.revision };
  }

  /** The values (not markers) of an actor up to `untilSeq`, oldest first. */
  async #values(actor: string, untilSeq = Number.MAX_SAFE_INTEGER): Promise<SubjectMessage[]> {
    const subject = this.#subject(actor);
    return this.#nats('read', actor, () =>
      readSubject(this.#access, subject, {
        afterSeq: 0,
        untilSeq,
        limit: Infinity,
        accept: (m) => !isMarker(m),
      }),
    );
  }

  async #deleteMessage(actor: string, seq: number): Promise<void> {
    try {
      await this.#access.jsm.streams.deleteMessage(this.#access.stream, seq);
    } catch (error) {
      if (!isNoMessage(error)) throw natsStoreError('delete', this.#where(actor), error);
    }
  }

  #decode(actor: string, message: SubjectMessage): Checkpoint {
    const where = `${this.#where(actor)}@${message.seq}`;
    // Only a raw write puts another actor's checkpoint under this key.
    return decodeCheckpoint(message.data, where, actor);
  }

  /** Decodes `message`; a corrupt one is recorded in `skipped` and gives undefined. */
  #tryDecode(
    actor: string,
    message: SubjectMessage,
    skipped: SkippedCheckpoint[],
  ): StoredCheckpoint | undefined {
    try {
      return { checkpoint: this.#decode(actor, message), revision: message.seq };
    } catch (error) {
      if (!isRuntimeError(error, ErrorCode.CorruptData)) throw error;
      skipped.push({ revision: message.seq, error });
      return undefined;
    }
  }

  #key(actor: string): string {
    if (actor === '') {
      throw new RuntimeError(ErrorCode.InvalidOptions, 'Expected `actor` to be a non-empty string');
    }
    return `a.${kvToken(actor)}`;
  }

  #subject(actor: string): string {
    return `$KV.${this.#bucket}.${this.#key(actor)}`;
  }

  #where(actor: string): string {
    return `kv:${this.#bucket}/${actor}`;
  }

  #nats<T>(op: string, actor: string, step: () => Promise<T>): Promise<T> {
    return nats(op, this.#where(actor), step);
  }

  /** Runs a call unless closed, and tracks it so `close()` can wait for it. */
  #run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new RuntimeError(ErrorCode.Closed, 'Checkpoint store is closed'));
    }
    const result = call();
    this.#pending.add(result);
    const done = (): void => {
      this.#pending.delete(result);
    };
    void result.then(done, done);
    return result;
  }
}
