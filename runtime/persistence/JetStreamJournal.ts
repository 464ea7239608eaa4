import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Empty, headers, type NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import { ErrorCode, RuntimeError, parseOptions } from '../errors/index.js';
import { DEFAULT_MAX_CHECKPOINT_BYTES, decodeJournalEvent, encodeJournalEvent } from './codec.js';
import type {
  AppendOptions,
  Journal,
  JournalEntry,
  JournalEvent,
  JournalRepair,
} from './Journal.js';
import { fenced } from './internal/storeErrors.js';
import { appendFenced, type JournalPublish } from './internal/appendFenced.js';
import { MARKER_LAST_SEQ, markerLastSeq } from './internal/markerLastSeq.js';
import { nats, natsStoreError, payloadLimit, wrongLastSequence } from './internal/natsErrors.js';
import { findJournalStream, openJournalStream } from './internal/natsJournalStream.js';
import { NATS_JOURNAL, kvToken } from '../nats/index.js';
import { journalMessageId } from './internal/journalMessageId.js';
import { lastMessage, readSubject, type StreamAccess } from './internal/natsSubjectReader.js';

/** A subject token: no `.`, wildcard or whitespace. */
const TOKEN = String.raw`[^.*>\s]+`;

/** Options of {@link JetStreamJournal.open}. */
export const JetStreamJournalOptionsSchema = z.strictObject({
  /** Stream name, created when missing (file storage, limits retention). @default 'AGENTVISOR_JOURNAL' */
  stream: z
    .string()
    .regex(/^[^.*>\s/\\]+$/, 'must not contain ".", "*", ">", "/", "\\" or whitespace')
    .default(NATS_JOURNAL.stream),
  /** Subjects are `<subjectPrefix>.<actor token>`; the stream takes `<subjectPrefix>.*`. @default 'av.journal' */
  subjectPrefix: z
    .string()
    .regex(new RegExp(`^${TOKEN}(\\.${TOKEN})*$`), 'must be dot-separated tokens, no wildcards')
    .default(NATS_JOURNAL.subjectPrefix),
  /** How long the stream remembers event ids for deduplication (`duplicate_window`), in ms. @default 120_000 */
  duplicateWindowMs: z.number().int().positive().default(120_000),
  /** Largest encoded event accepted, in bytes; the server's `max_payload` caps it too. @default 1_000_000 */
  maxBytes: z.number().int().positive().default(DEFAULT_MAX_CHECKPOINT_BYTES),
  /**
   * Open only to read (a trace, a status page): the stream is never created. While it does not
   * exist every journal reads as empty; appends and truncations are refused with
   * ERR_INVALID_OPTIONS. @default false
   */
  readOnly: z.boolean().default(false),
});

/** What callers pass to {@link JetStreamJournal.open}. */
export type JetStreamJournalOptions = z.input<typeof JetStreamJournalOptionsSchema>;
type JetStreamJournalConfig = z.output<typeof JetStreamJournalOptionsSchema>;

/**
 * A journal in a NATS JetStream stream, one subject per actor: `<subjectPrefix>.<base64url of the
 * actor's name>`. A sequence is the stream sequence, so it increases along an actor's journal but
 * is not contiguous.
 *
 * - Appends publish one message per event with `Nats-Msg-Id` = actor token + event id: a re-append
 *   within `duplicateWindowMs` is answered with the original sequence (JetStream only deduplicates
 *   within that window, where the memory and file journals remember ids for good).
 * - With `expectedLastSeq`, the first publish expects that last subject sequence and each next one
 *   the sequence of the one before, so a concurrent writer is refused mid-batch too (see
 *   internal/appendFenced.ts). Events before the refused one stay appended: nats-server 2.9 has
 *   no atomic batch publish. Without it, the publishes of a call are pipelined.
 * - Reads take the first few events by direct get, then stream the rest through an ephemeral
 *   pull consumer filtered on the actor's subject.
 * - `truncateBefore` purges the subject below a sequence. Truncating everything leaves a marker
 *   that remembers the last sequence, so `lastSeq` and fencing carry on from it (2.9 loses a
 *   subject's last sequence when its last message is deleted).
 *
 * The connection belongs to the caller: `close()` does not close it.
 *
 * @example
 * const journal = await JetStreamJournal.open(nc);
 * const [seq] = await journal.append('agent-1', [event], { expectedLastSeq: 0 });
 */
export class JetStreamJournal implements Journal {
  readonly #nc: NatsConnection;
  #access: StreamAccess;
  readonly #config: JetStreamJournalConfig;
  readonly #prefix: string;
  readonly #maxBytes: number;
  readonly #pending = new Set<Promise<unknown>>();
  /** False while a read-only journal's stream does not exist (yet). */
  #present: boolean;
  #closed = false;

  private constructor(
    nc: NatsConnection,
    access: StreamAccess,
    config: JetStreamJournalConfig,
    present: boolean,
  ) {
    this.#nc = nc;
    this.#access = access;
    this.#config = config;
    this.#prefix = config.subjectPrefix;
    this.#maxBytes = config.maxBytes;
    this.#present = present;
  }

  /**
   * Opens the journal on `nc`, creating its stream when missing (unless `readOnly`).
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS for bad options, or when the stream exists without
   *   the journal's subjects; ERR_STORE_UNAVAILABLE when JetStream cannot be reached.
   */
  static async open(
    nc: NatsConnection,
    options: JetStreamJournalOptions = {},
  ): Promise<JetStreamJournal> {
    const config = parseOptions(JetStreamJournalOptionsSchema, options, 'JetStreamJournal');
    const { jsm, info } = config.readOnly
      ? await nats('open stream', config.stream, () => jetstreamManager(nc)).then(async (m) => ({
          jsm: m,
          info: await findJournalStream(m, config),
        }))
      : await openJournalStream(nc, config);
    const access = {
      js: jetstream(nc),
      jsm,
      stream: config.stream,
      direct: info?.config.allow_direct ?? false,
    };
    return new JetStreamJournal(nc, access, config, info !== undefined);
  }

  // --- public API ---

  append(
    actor: string,
    events: readonly JournalEvent[],
    options: AppendOptions = {},
  ): Promise<number[]> {
    return this.#run(async () => {
      const subject = this.#subject(actor);
      this.#assertWritable('append');
      const token = kvToken(actor);
      const batch = events.map((event) => {
        const msgID = journalMessageId(token, event.id);
        const limit = payloadLimit(this.#nc, this.#maxBytes, msgID.length);
        return { msgID, bytes: encodeJournalEvent(event, limit) };
      });
      const expected = options.expectedLastSeq;
      if (expected !== undefined && (!Number.isSafeInteger(expected) || expected < 0)) {
        // Never a sequence; the server would ignore an expectation it cannot parse.
        throw fenced(actor, expected, await this.#lastSeq(actor));
      }
      return expected === undefined
        ? this.#appendUnfenced(actor, subject, batch)
        : appendFenced({
            access: this.#access,
            actor,
            subject,
            where: this.#where(actor),
            batch,
            expected,
            lastSeq: () => this.#lastSeq(actor),
          });
    });
  }

  /**
   * The `maxBytes` option, or less when the connected server's `max_payload` (less the headers:
   * the `Nats-Msg-Id` of the longest event id, 256 code units base64url-encoded) is smaller.
   */
  maxEventBytes(actor: string): number {
    return payloadLimit(this.#nc, this.#maxBytes, kvToken(actor).length + 1 + 1 + 1024);
  }

  read(actor: string, afterSeq: number, options: { limit?: number } = {}): Promise<JournalEntry[]> {
    return this.#run(async () => {
      const subject = this.#subject(actor);
      const limit = options.limit ?? Infinity;
      if (limit <= 0 || !(await this.#streamExists())) return [];
      const top = await this.#nats('read', actor, () => lastMessage(this.#access, subject));
      if (top === undefined || top.seq <= afterSeq) return [];
      const messages = await this.#nats('read', actor, () =>
        readSubject(this.#access, subject, {
          afterSeq: Number.isNaN(afterSeq) ? 0 : Math.max(0, Math.floor(afterSeq)),
          untilSeq: top.seq,
          limit,
          accept: (m) => markerLastSeq(m) === undefined,
        }),
      );
      return messages.map((m) => ({
        seq: m.seq,
        event: decodeJournalEvent(m.data, `${this.#where(actor)}#${m.seq}`),
      }));
    });
  }

  lastSeq(actor: string): Promise<number> {
    return this.#run(() => this.#lastSeq(actor));
  }

  truncateBefore(actor: string, beforeSeq: number): Promise<void> {
    return this.#run(async () => {
      const subject = this.#subject(actor);
      this.#assertWritable('truncate');
      const purgeBelow = (seq: number) =>
        this.#nats('truncate', actor, () =>
          this.#access.jsm.streams.purge(this.#access.stream, { filter: subject, seq }),
        );
      const before = Math.ceil(beforeSeq); // the purge takes whole sequences
      if (!(before > 1)) return; // sequences start at 1: nothing is below
      // Loops only while other writers append in between.
      for (;;) {
        const top = await this.#nats('read', actor, () => lastMessage(this.#access, subject));
        if (top === undefined) return;
        // `seq` purges below it only: the newest message stays.
        if (before <= top.seq || markerLastSeq(top) !== undefined) {
          await purgeBelow(Math.min(before, top.seq));
          return;
        }
        const marker = await this.#publishMarker(actor, subject, top.seq);
        if (marker === undefined) continue;
        await purgeBelow(marker);
        return;
      }
    });
  }

  repairs(): readonly JournalRepair[] {
    return [];
  }

  /** Waits for calls in flight, then refuses every call with ERR_CLOSED. Leaves `nc` open. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#pending]);
  }

  // --- internals ---

  async #appendUnfenced(
    actor: string,
    subject: string,
    batch: readonly JournalPublish[],
  ): Promise<number[]> {
    // Nothing waits on an ack, so the publishes are pipelined: the client writes them to the
    // socket in call order and the server stores them in that order.
    const acks = await Promise.allSettled(
      batch.map(({ msgID, bytes }) => this.#access.js.publish(subject, bytes, { msgID })),
    );
    return acks.map((ack) => {
      if (ack.status === 'rejected')
        throw natsStoreError('append to', this.#where(actor), ack.reason);
      return ack.value.seq;
    });
  }

  /**
   * Publishes a truncation marker above `lastSeq`; undefined when another append got there first.
   * @returns the marker's sequence.
   */
  async #publishMarker(
    actor: string,
    subject: string,
    lastSeq: number,
  ): Promise<number | undefined> {
    const h = headers();
    h.set(MARKER_LAST_SEQ, String(lastSeq));
    try {
      const ack = await this.#access.js.publish(subject, Empty, {
        headers: h,
        expect: { lastSubjectSequence: lastSeq },
      });
      return ack.seq;
    } catch (error) {
      if (wrongLastSequence(error) !== undefined) return undefined;
      throw natsStoreError('truncate', this.#where(actor), error);
    }
  }

  /** Whether the stream exists; a read-only journal looks again until it does. */
  async #streamExists(): Promise<boolean> {
    if (this.#present) return true;
    const info = await findJournalStream(this.#access.jsm, this.#config);
    if (info === undefined) return false;
    this.#access = { ...this.#access, direct: info.config.allow_direct };
    this.#present = true;
    return true;
  }

  #assertWritable(op: string): void {
    if (!this.#config.readOnly) return;
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `Journal ${this.#config.stream} was opened read-only: cannot ${op}`,
      { details: { stream: this.#config.stream, readOnly: true } },
    );
  }

  async #lastSeq(actor: string): Promise<number> {
    const subject = this.#subject(actor);
    if (!(await this.#streamExists())) return 0;
    const top = await this.#nats('read', actor, () => lastMessage(this.#access, subject));
    return top === undefined ? 0 : (markerLastSeq(top) ?? top.seq);
  }

  #subject(actor: string): string {
    if (actor === '') {
      throw new RuntimeError(ErrorCode.InvalidOptions, 'Expected `actor` to be a non-empty string');
    }
    return `${this.#prefix}.${kvToken(actor)}`;
  }

  #where(actor: string): string {
    return `jetstream:${this.#access.stream}/${actor}`;
  }

  #nats<T>(op: string, actor: string, step: () => Promise<T>): Promise<T> {
    return nats(op, this.#where(actor), step);
  }

  /** Runs a call unless closed, and tracks it so `close()` can wait for it. */
  #run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#closed)
      return Promise.reject(new RuntimeError(ErrorCode.Closed, 'Journal is closed'));
    const result = call();
    this.#pending.add(result);
    const done = (): void => {
      this.#pending.delete(result);
    };
    void result.then(done, done);
    return result;
  }
}
