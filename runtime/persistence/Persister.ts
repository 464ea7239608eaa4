import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock/index.js';
import { validateEnvelope, type Envelope } from '../codec/index.js';
import { ErrorCode, RuntimeError, isRuntimeError, parseOptions } from '../errors/index.js';
import type { Logger } from '../telemetry/index.js';
import {
  CHECKPOINT_VERSION,
  type Checkpoint,
  type SkippedCheckpoint,
  type StoredCheckpoint,
} from './Checkpoint.js';
import type { CheckpointStore, LatestCheckpoint } from './CheckpointStore.js';
import { DEFAULT_MAX_CHECKPOINT_BYTES } from './codec.js';
import { EffectLedger } from './EffectLedger.js';
import type { Journal, JournalEntry, JournalEvent } from './Journal.js';

/** When an actor writes a checkpoint (DESIGN.md "Checkpoints and the journal"). */
export const CheckpointPolicySchema = z.strictObject({
  /** After every N messages processed. @default 1 */
  everySteps: z.number().int().positive().default(1),
  /** Also after each settled step: a transition not caused by a message (an effect's result). @default true */
  onSettled: z.boolean().default(true),
  /** Also at least this often while the actor changes (0: off). @default 0 */
  intervalMs: z.number().nonnegative().default(0),
  /**
   * Also when the messages journaled since the last checkpoint exceed this many bytes, so replay
   * after a crash stays bounded (0: off). @default 0
   */
  maxJournalBytes: z.number().nonnegative().default(0),
  /** Also when the process heap exceeds this many bytes: state on disk before memory runs out (0: off). @default 0 */
  maxHeapBytes: z.number().nonnegative().default(0),
  /** Checkpoints kept; journal entries older than the oldest kept one are truncated. @default 3 */
  keep: z.number().int().positive().default(3),
  /** Processed message ids remembered for dedupe. @default 1000 */
  processedIds: z.number().int().nonnegative().default(1_000),
});

/** What callers pass. */
export type CheckpointPolicy = z.input<typeof CheckpointPolicySchema>;

/** A declared migration: a checkpoint written by another machine version → a snapshot for this one. */
export type CheckpointMigration = (checkpoint: Checkpoint) => unknown;

/** Persistence settings of one durable actor. */
export interface PersistenceOptions {
  readonly store: CheckpointStore;
  readonly journal: Journal;
  readonly machineId: string;
  readonly machineVersion: number | string;
  readonly policy?: CheckpointPolicy;
  /** Migrates checkpoints of other versions; without it they are refused (ERR_CHECKPOINT_VERSION). */
  readonly migrate?: CheckpointMigration;
  /**
   * Where to start from: the newest valid checkpoint (default), a fresh state (journal and
   * checkpoints of the name are then left untouched but ignored), or a given checkpoint (fork).
   */
  readonly from?: 'latest' | 'fresh' | { readonly checkpoint: Checkpoint };
}

/** The result of recovery: what to create the actor with and what to replay. */
export interface Recovered {
  readonly snapshot: unknown;
  /** Journaled messages after the checkpoint, to replay in order (their replies suppressed). */
  readonly replay: readonly { readonly seq: number; readonly envelope: Envelope }[];
  /** Effects recorded in the journal (intent/outcome) after the checkpoint, by key. */
  readonly checkpointRevision: number;
  readonly journalSeq: number;
}

/** Options of {@link Persister.recover}. */
export interface RecoverOptions {
  /**
   * Throws when the machine cannot restore `snapshot` (XState's restore fails, the shape is
   * wrong): that checkpoint is then skipped like a corrupt one and an older one tried.
   */
  readonly validate?: (snapshot: unknown) => void;
}

/** A checkpoint recovery can start from, with its (migrated) snapshot. */
interface Restorable extends StoredCheckpoint {
  readonly snapshot: unknown;
}

const MESSAGE_PREFIX = 'm:';

/**
 * Bytes a message's journal record adds around its encoded envelope, rounded up: the event's
 * keys, kind and time, and its id `m:<incarnation>:<envelope id>` (an envelope id is at most 128
 * code units, 384 bytes of UTF-8). A test holds the largest admitted message to its record.
 */
const MESSAGE_RECORD_OVERHEAD_BYTES = 512;

/**
 * Where recovery reads the journal from: after the checkpoint's position, or earlier when the
 * ledger needs the intents of effects still running when it was taken.
 */
function readFromOf(checkpoint: Checkpoint | undefined): number {
  const afterSeq = checkpoint?.journalSeq ?? 0;
  return Math.min(afterSeq, (checkpoint?.effectsFromSeq ?? afterSeq + 1) - 1);
}

/** A cheap size estimate of a message (JSON length of its payload plus headers). */
function approximateSize(envelope: Envelope): number {
  try {
    const json: string | undefined = stringify(envelope.payload);
    return (json === undefined ? 0 : json.length) + 64;
  } catch {
    return 64;
  }
}

/** JSON.stringify, typed as it behaves: undefined for undefined, functions and symbols. */
function stringify(value: unknown): string | undefined {
  return JSON.stringify(value);
}

/** Sequences of messages an actor failed on, from the failure notes in its journal. */
function failedSeqs(entries: readonly JournalEntry[]): Set<number> {
  return new Set(
    entries.flatMap((e) => {
      const seq = (e.event.data as { failedSeq?: unknown } | undefined)?.failedSeq;
      return e.event.kind === 'note' && typeof seq === 'number' ? [seq] : [];
    }),
  );
}

/**
 * The persistence of one durable actor: write-ahead journaling of its messages, checkpoints by
 * policy (coalesced: while one is written, only the newest pending snapshot follows), retention
 * and journal truncation, processed-id dedupe, and recovery (newest valid checkpoint + the
 * journal after it). Fenced: every journal append carries the last sequence this writer saw, and
 * every checkpoint put the last revision, so a stale owner is refused rather than corrupting state.
 */
export class Persister {
  readonly actor: string;
  readonly #options: PersistenceOptions;
  readonly #policy: z.output<typeof CheckpointPolicySchema>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  #lastSeq = 0;
  /** The append in flight, if any: the next one waits for it (see {@link #append}). */
  #appending: Promise<void> | undefined;
  #revision = 0;
  #applied = 0;
  #stepsSince = 0;
  #lastCheckpointAt = 0;
  #processed: string[] = [];
  readonly #processedSet = new Set<string>();
  #dirty = false;
  /** Approximate bytes of messages journaled since the last checkpoint (for maxJournalBytes). */
  #bytesSince = 0;
  #background: Promise<void> = Promise.resolve();
  #snapshot: (() => unknown) | undefined;
  #writing: Promise<void> | undefined;
  /** Checkpoint writes that failed so far, and the last failure (checkpointNow rejects with it). */
  #writeFailures = 0;
  #lastWriteError: unknown;
  #incarnation = 0;
  #failed: ((error: unknown) => void) | undefined;
  /** First sequence this writer journaled a message at: failure marks may only name its own. */
  #firstOwnSeq = Infinity;
  /** The effect ledger, kept in this actor's journal through the same fenced appends. */
  readonly ledger: EffectLedger;

  constructor(actor: string, options: PersistenceOptions, deps: { clock: Clock; logger: Logger }) {
    this.actor = actor;
    this.#options = options;
    this.#policy = parseOptions(CheckpointPolicySchema, options.policy ?? {}, 'checkpoint policy');
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.ledger = new EffectLedger({
      append: (events) => this.#append(events),
      now: () => this.#clock.now(),
    });
  }

  /** Every append of this writer is fenced on the last sequence it saw. */
  /**
   * This writer's appends, one after another: each is fenced on the sequence the one before it
   * left. Two at once (an effect's outcome and a message arriving meanwhile) would both be fenced
   * on the same last sequence, and the second refused as a stale writer's.
   */
  #append(events: readonly JournalEvent[]): Promise<number[]> {
    const before = this.#appending;
    const appended =
      before === undefined ? this.#appendNow(events) : before.then(() => this.#appendNow(events));
    const settled = appended.then(
      () => undefined,
      () => undefined,
    );
    this.#appending = settled;
    void settled.then(() => {
      if (this.#appending === settled) this.#appending = undefined;
    });
    return appended;
  }

  async #appendNow(events: readonly JournalEvent[]): Promise<number[]> {
    const seqs = await this.#options.journal.append(this.actor, events, {
      expectedLastSeq: this.#lastSeq,
    });
    this.#lastSeq = Math.max(this.#lastSeq, ...seqs);
    return seqs;
  }

  /** Journal sequence of the last message applied to the actor's state. */
  get journalSeq(): number {
    return this.#applied;
  }

  /** Revision of the last checkpoint this writer wrote or restored. */
  get revision(): number {
    return this.#revision;
  }

  /** @internal Wires the owning incarnation: its number, and how to fail it on a fenced write. */
  bind(incarnation: number, fail: (error: unknown) => void): void {
    this.#incarnation = incarnation;
    this.#failed = fail;
  }

  // --- recovery ---

  /**
   * Finds the state to start from: the newest valid checkpoint (corrupt newer ones are skipped
   * and logged), migrated or refused when another machine version wrote it, plus the journaled
   * messages after it.
   *
   * Refuses rather than start from a partial state: a journal whose last sequence is below the
   * checkpoint's `journalSeq` (it restarted: what it acknowledged since would be lost at the next
   * truncation), a journal truncated past what the checkpoint needs, and no valid checkpoint left
   * with a journal that cannot prove it still starts at the actor's first event.
   *
   * @throws {RuntimeError} ERR_CHECKPOINT_VERSION for another version without a migration;
   *   ERR_CORRUPT_DATA when the journal cannot bridge to the checkpoint (`details.reason`:
   *   `journal-behind-checkpoint`, `journal-gap` or `no-valid-checkpoint`, with the evidence).
   */
  async recover(options: RecoverOptions = {}): Promise<Recovered> {
    const { store, journal, from = 'latest' } = this.#options;
    const validate = options.validate ?? (() => undefined);
    this.#lastSeq = await journal.lastSeq(this.actor);
    if (from === 'fresh') {
      this.#revision = await this.#casPosition(await store.latest(this.actor));
      this.#applied = this.#lastSeq;
      await this.#fence(0);
      return {
        snapshot: undefined,
        replay: [],
        checkpointRevision: this.#revision,
        journalSeq: this.#applied,
      };
    }
    let chosen: Restorable | undefined;
    const skipped: SkippedCheckpoint[] = [];
    if (from === 'latest') {
      const latest = await store.latest(this.actor);
      for (const skip of latest?.skipped ?? []) {
        skipped.push(skip);
        this.#logger.warn(
          { err: skip.error, revision: skip.revision },
          'skipped a corrupt checkpoint',
        );
      }
      this.#revision = await this.#casPosition(latest);
      if (latest !== undefined) {
        chosen =
          this.#restorable(latest, validate, skipped) ??
          (await this.#olderRestorable(latest.revision, Infinity, validate, skipped));
      }
    } else {
      this.#revision = await this.#casPosition(await store.latest(this.actor));
      chosen = this.#restorable({ checkpoint: from.checkpoint, revision: 0 }, validate, []);
      if (chosen === undefined) {
        throw new RuntimeError(
          ErrorCode.CorruptData,
          `The checkpoint given to ${this.actor} does not restore into its machine`,
          { details: { actor: this.actor } },
        );
      }
    }
    let entries =
      from === 'latest' ? await journal.read(this.actor, readFromOf(chosen?.checkpoint)) : [];
    // A message its actor failed on is not replayed (it would fail again): as in OTP, the
    // crashing message goes with the crashed process; a person's `retry` re-sends it. When the
    // newest checkpoint already holds that step's state (it failed later, in an effect), recovery
    // starts from an older retained checkpoint taken before it.
    const failed = failedSeqs(entries);
    const firstFailed = Math.min(...failed);
    if (from === 'latest' && chosen !== undefined && chosen.checkpoint.journalSeq >= firstFailed) {
      const older = await this.#olderRestorable(Infinity, firstFailed, validate, []);
      if (older === undefined) {
        this.#logger.warn(
          { failedSeq: firstFailed },
          'no retained checkpoint before the failed step; restoring the newest',
        );
      } else {
        chosen = older;
        entries = await journal.read(this.actor, readFromOf(chosen.checkpoint));
        for (const seq of failedSeqs(entries)) failed.add(seq);
      }
    }
    const checkpoint = chosen?.checkpoint;
    if (from === 'latest') await this.#checkContinuity(checkpoint, skipped);
    const snapshot = chosen?.snapshot;
    const afterSeq = checkpoint?.journalSeq ?? 0;
    for (const id of checkpoint?.processedIds ?? []) this.#remember(id);
    this.ledger.load(entries, from === 'latest' ? (checkpoint?.effects ?? {}) : {});
    // Effects restored as running deliver their recorded outcomes only when the replay reaches
    // them (the cell releases them in journal order).
    this.ledger.holdReplay();
    const replay = entries
      .filter((e) => e.seq > afterSeq && !failed.has(e.seq))
      .flatMap((entry) => this.#messageOf(entry));
    for (const r of replay) this.#remember(r.envelope.id);
    this.#applied = replay.at(-1)?.seq ?? afterSeq;
    if (from !== 'latest') this.#applied = this.#lastSeq;
    await this.#fence(replay.length);
    return { snapshot, replay, checkpointRevision: this.#revision, journalSeq: afterSeq };
  }

  /**
   * The new owner's first write: a `recovered` note, fenced on the sequence recovery started
   * from. A previous writer (a paused or partitioned owner) then fails on its very next append
   * instead of fencing this one; a writer that appended during this recovery makes it fail
   * here (ERR_PERSISTENCE_CONFLICT, nothing restored), so the caller recovers again. A `note`,
   * so every journal reader (and older versions of them) tolerates it; replay skips it.
   */
  async #fence(replayed: number): Promise<void> {
    // Nothing stored yet: a previous writer has written nothing either, so its state is this
    // one's; whichever appends first fences the other, and no stale state is ever answered.
    if (this.#lastSeq !== 0 || this.#revision !== 0) await this.#appendRecovered(replayed);
    // A checkpoint the previous writer put during this recovery would fence this owner's first
    // checkpoint: refuse now, before anything runs, so the caller recovers again from it.
    const revision = await this.#casPosition(await this.#options.store.latest(this.actor));
    if (revision !== this.#revision) {
      throw new RuntimeError(
        ErrorCode.PersistenceConflict,
        `Checkpoints of ${this.actor} moved during recovery: expected revision ${this.#revision}, found ${revision} (a stale writer?)`,
        { details: { actor: this.actor, expected: this.#revision, found: revision } },
      );
    }
  }

  async #appendRecovered(replayed: number): Promise<void> {
    await this.#append([
      {
        // Unique across nodes (incarnations restart at 1 in every process): never deduplicated.
        id: `r:${this.#lastSeq}:${randomUUID()}`,
        kind: 'note',
        at: this.#clock.now(),
        data: {
          recovered: {
            checkpointRevision: this.#revision,
            journalSeq: this.#applied,
            replayed,
          },
        },
      },
    ]);
  }

  /**
   * `stored` with the snapshot to restore (migrated), or undefined when the machine cannot restore
   * it: then it is recorded in `skipped` as ERR_CORRUPT_DATA and logged, like a corrupt one.
   *
   * @throws {RuntimeError} ERR_CHECKPOINT_VERSION for another version without a migration.
   */
  #restorable(
    stored: StoredCheckpoint,
    validate: (snapshot: unknown) => void,
    skipped: SkippedCheckpoint[],
  ): Restorable | undefined {
    const snapshot = this.#migrate(stored.checkpoint);
    try {
      validate(snapshot);
      return { checkpoint: stored.checkpoint, revision: stored.revision, snapshot };
    } catch (cause) {
      const error = new RuntimeError(
        ErrorCode.CorruptData,
        `Checkpoint ${stored.revision} of ${this.actor} does not restore into its machine`,
        { cause, details: { actor: this.actor, revision: stored.revision } },
      );
      skipped.push({ revision: stored.revision, error });
      this.#logger.warn({ err: error, revision: stored.revision }, 'skipped a corrupt checkpoint');
      return undefined;
    }
  }

  /**
   * The newest retained checkpoint below revision `belowRevision` whose journal position is before
   * `beforeSeq` and that restores (corrupt ones are logged and passed over).
   */
  async #olderRestorable(
    belowRevision: number,
    beforeSeq: number,
    validate: (snapshot: unknown) => void,
    skipped: SkippedCheckpoint[],
  ): Promise<Restorable | undefined> {
    const infos = await this.#options.store.list(this.actor);
    for (const info of [...infos].reverse()) {
      if (info.revision >= belowRevision || info.journalSeq >= beforeSeq) continue;
      let found: StoredCheckpoint | undefined;
      try {
        found = await this.#options.store.get(this.actor, info.revision);
      } catch (err) {
        this.#logger.warn({ err, revision: info.revision }, 'skipped a corrupt checkpoint');
        continue;
      }
      const usable = found === undefined ? undefined : this.#restorable(found, validate, skipped);
      if (usable !== undefined) return usable;
    }
    return undefined;
  }

  /**
   * The compare-and-set position: the store's newest entry, corrupt or not, so the next put
   * replaces a corrupt newest checkpoint instead of being refused as a stale writer's.
   */
  async #casPosition(latest: LatestCheckpoint | undefined): Promise<number> {
    if (latest !== undefined) return latest.skipped[0]?.revision ?? latest.revision;
    return (await this.#options.store.newestRevision?.(this.actor)) ?? 0;
  }

  /**
   * Refuses to start when the journal cannot carry `checkpoint` (undefined: none valid) forward
   * to its end. `skipped` are the corrupt checkpoints `latest` passed over.
   */
  async #checkContinuity(
    checkpoint: Checkpoint | undefined,
    skipped: readonly SkippedCheckpoint[],
  ): Promise<void> {
    const journal = this.#options.journal;
    const base = await journal.baseSeq?.(this.actor);
    const evidence = {
      actor: this.actor,
      journalLastSeq: this.#lastSeq,
      ...(base === undefined ? {} : { journalBaseSeq: base }),
      ...(checkpoint === undefined ? {} : { checkpointJournalSeq: checkpoint.journalSeq }),
      newestRevision: this.#revision,
      skipped: skipped.map((s) => ({
        revision: s.revision,
        code: s.error.code,
        error: s.error.message,
      })),
    };
    const refuse = (reason: string, message: string): RuntimeError =>
      new RuntimeError(ErrorCode.CorruptData, `Journal of ${this.actor}: ${message}`, {
        details: { reason, ...evidence },
      });
    // Sequences only grow: a journal behind its checkpoint was lost and started over.
    if (checkpoint !== undefined && this.#lastSeq < checkpoint.journalSeq) {
      throw refuse(
        'journal-behind-checkpoint',
        `last sequence ${this.#lastSeq} is behind its checkpoint's ${checkpoint.journalSeq} (lost and started over?)`,
      );
    }
    const needsAfter = readFromOf(checkpoint);
    if (base !== undefined && base > needsAfter) {
      throw refuse(
        checkpoint === undefined ? 'no-valid-checkpoint' : 'journal-gap',
        `truncated up to ${base}, but recovery needs it from ${needsAfter + 1}` +
          (checkpoint === undefined ? ' (no valid checkpoint left)' : ''),
      );
    }
    // Checkpoints were written (all corrupt now) and the journal cannot prove it is whole.
    if (checkpoint === undefined && base === undefined && this.#revision > 0) {
      throw refuse(
        'no-valid-checkpoint',
        `no valid checkpoint left (${skipped.length} corrupt), and the journal cannot show it still starts at its first event`,
      );
    }
  }

  #migrate(checkpoint: Checkpoint): unknown {
    const { machineVersion, migrate } = this.#options;
    if (checkpoint.machineVersion === machineVersion) return checkpoint.snapshot;
    if (migrate === undefined) {
      throw new RuntimeError(
        ErrorCode.CheckpointVersion,
        `Checkpoint of ${this.actor} was written by version ${String(checkpoint.machineVersion)}; this is ${String(machineVersion)} and declares no migration`,
        {
          details: {
            actor: this.actor,
            found: checkpoint.machineVersion,
            expected: machineVersion,
          },
        },
      );
    }
    return migrate(checkpoint);
  }

  #messageOf(entry: JournalEntry): { seq: number; envelope: Envelope }[] {
    if (entry.event.kind !== 'message') return [];
    const valid = validateEnvelope(entry.event.data);
    if (!valid.ok) {
      // A journaled message that no longer validates: stop recovery rather than skip it.
      throw new RuntimeError(
        ErrorCode.CorruptData,
        `Journal of ${this.actor} holds an invalid message at ${entry.seq}`,
        {
          cause: valid.error,
          details: { actor: this.actor, seq: entry.seq },
        },
      );
    }
    return [{ seq: entry.seq, envelope: valid.value }];
  }

  // --- live operation ---

  /**
   * Largest encoded envelope this actor admits: its journal's record limit less the record's
   * own overhead. One limit, checked once at admission (before anything is journaled), so a
   * message admitted always fits its journal record.
   */
  get maxMessageBytes(): number {
    const journal = this.#options.journal;
    const record = journal.maxEventBytes?.(this.actor) ?? DEFAULT_MAX_CHECKPOINT_BYTES;
    return record - MESSAGE_RECORD_OVERHEAD_BYTES;
  }

  /** True when a message with this id was processed already (it is then skipped, not redone). */
  isProcessed(id: string): boolean {
    return this.#processedSet.has(id);
  }

  /**
   * Journals messages before they are processed (write-ahead), fenced on the last sequence this
   * writer saw; resolves with each message's sequence.
   */
  async journalMessages(envelopes: readonly Envelope[]): Promise<number[]> {
    if (envelopes.length === 0) return [];
    const at = this.#clock.now();
    if (this.#policy.maxJournalBytes > 0) {
      for (const envelope of envelopes) this.#bytesSince += approximateSize(envelope);
    }
    const seqs = await this.#append(
      envelopes.map((envelope) => ({
        // Per incarnation: a message retried by a later incarnation is a new journal entry.
        id: `${MESSAGE_PREFIX}${this.#incarnation}:${envelope.id}`,
        kind: 'message' as const,
        at,
        data: envelope,
      })),
    );
    this.#firstOwnSeq = Math.min(this.#firstOwnSeq, ...seqs);
    return seqs;
  }

  /**
   * Records that the actor failed on the message at `seq`, so recovery does not replay it, and
   * when `error` is a recorded effect failure the ledger delivered, that effect's key, so a
   * restore runs the effect again (a fresh attempt) instead of delivering the same failure.
   * The next incarnation's recovery waits for this write (see {@link settle}).
   */
  markFailed(seq: number | undefined, error?: unknown): void {
    if (seq !== undefined && seq < this.#firstOwnSeq) {
      // Journaled by an earlier writer, which processed and acknowledged it: a failure now is
      // not that message's, and marking it would drop it from every later recovery.
      this.#logger.warn({ seq }, 'not marking a message an earlier incarnation processed');
      seq = undefined;
    }
    const effectKey = this.ledger.failedBy(error);
    if (seq === undefined && effectKey === undefined) return;
    const write = this.#append([
      {
        id: `f:${this.#incarnation}:${seq ?? effectKey}`,
        kind: 'note',
        at: this.#clock.now(),
        data: {
          ...(seq === undefined ? {} : { failedSeq: seq }),
          ...(effectKey === undefined ? {} : { effectKey }),
        },
      },
    ]).then(
      () => undefined,
      (err: unknown) => {
        this.#logger.error({ err, seq }, 'could not record the failed message');
      },
    );
    this.#background = this.#background.then(() => write);
  }

  /** Resolves when this writer's background writes (checkpoints, failure marks) are done. */
  async settle(): Promise<void> {
    await this.#background;
    await this.flush();
  }

  /** A message's step begins: its position counts as applied from now on (see the cell). */
  beginStep(seq: number, id: string): void {
    this.#applied = Math.max(this.#applied, seq);
    this.#remember(id);
    this.ledger.step = seq;
  }

  /** Marks a replayed message as applied (recovery; no checkpoint scheduled). */
  replayed(seq: number): void {
    this.#applied = seq;
  }

  /** Records that the message at `seq` was applied; checkpoints when the policy says so. */
  applied(id: string, seq: number, snapshot: () => unknown): void {
    this.#applied = Math.max(this.#applied, seq);
    this.#remember(id);
    this.#stepsSince++;
    if (this.#stepsSince >= this.#policy.everySteps || this.#intervalDue() || this.#sizeDue())
      this.#schedule(snapshot);
  }

  /** A transition not caused by a message (an effect's result): checkpoint when `onSettled`. */
  settled(snapshot: () => unknown): void {
    if (this.#policy.onSettled || this.#intervalDue()) this.#schedule(snapshot);
  }

  /**
   * Writes a checkpoint now (on demand, or before an uncertain side effect); resolves with its
   * revision when stored.
   *
   * @throws {RuntimeError} ERR_PERSISTENCE_CONFLICT when another writer owns the actor now (the
   *   actor fails too), or the store's error when the write failed.
   */
  async checkpointNow(snapshot: () => unknown): Promise<number> {
    const failuresBefore = this.#writeFailures;
    this.#schedule(snapshot);
    await this.flush();
    // The write this call asked for (or the one that coalesced it) did not land: say so.
    if (this.#writeFailures !== failuresBefore) throw this.#lastWriteError;
    return this.#revision;
  }

  /** Resolves when every scheduled checkpoint is written. */
  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  /** Size and memory triggers: journal bytes since the last checkpoint, process heap. */
  #sizeDue(): boolean {
    const { maxJournalBytes, maxHeapBytes } = this.#policy;
    if (maxJournalBytes > 0 && this.#bytesSince >= maxJournalBytes) return true;
    return maxHeapBytes > 0 && process.memoryUsage().heapUsed >= maxHeapBytes;
  }

  #intervalDue(): boolean {
    return (
      this.#policy.intervalMs > 0 &&
      this.#clock.monotonic() - this.#lastCheckpointAt >= this.#policy.intervalMs
    );
  }

  /**
   * Coalescing: a write captures the snapshot and the journal position together when it starts
   * (between two deliveries, so they agree); steps that arrive while a write is in flight make
   * one more write, not one each. A burst of N steps costs two writes.
   */
  #schedule(snapshot: () => unknown): void {
    this.#snapshot = snapshot;
    this.#dirty = true;
    this.#stepsSince = 0;
    if (this.#writing === undefined) this.#writing = this.#writeLoop();
  }

  /**
   * The checkpoint of the actor's state now, or undefined when that state is a failure (XState's
   * `status: 'error'`): restoring it would fail again at once, so it is never written.
   */
  #capture(snapshot: () => unknown): Checkpoint | undefined {
    const state = snapshot();
    if ((state as { status?: unknown } | null)?.status === 'error') return undefined;
    const effectsFromSeq = this.ledger.lowestActiveSeq();
    return {
      effects: this.ledger.activeEffects(),
      ...(effectsFromSeq === undefined ? {} : { effectsFromSeq }),
      v: CHECKPOINT_VERSION,
      actor: this.actor,
      machineId: this.#options.machineId,
      machineVersion: this.#options.machineVersion,
      snapshot: state,
      journalSeq: this.#applied,
      processedIds: [...this.#processed],
      incarnation: this.#incarnation,
      createdAt: this.#clock.now(),
    };
  }

  async #writeLoop(): Promise<void> {
    try {
      while (this.#dirty && this.#snapshot !== undefined) {
        this.#dirty = false;
        const checkpoint = this.#capture(this.#snapshot);
        // The actor failed since the write was asked for: its last good checkpoint stands.
        if (checkpoint === undefined) break;
        const { revision } = await this.#options.store.put(checkpoint, {
          expectedRevision: this.#revision,
        });
        this.#revision = revision;
        this.#lastCheckpointAt = this.#clock.monotonic();
        this.#bytesSince = 0;
        await this.#retain();
      }
    } catch (err) {
      this.#dirty = false;
      this.#writeFailures += 1;
      this.#lastWriteError = err;
      if (isRuntimeError(err, ErrorCode.PersistenceConflict)) {
        // Another writer owns this actor now: stop rather than fight it.
        this.#logger.error({ err }, 'checkpoint refused: another writer owns this actor');
        this.#failed?.(err);
      } else {
        this.#logger.error({ err }, 'checkpoint write failed');
        this.#failed?.(err);
      }
    } finally {
      this.#writing = undefined;
    }
  }

  /** Keeps `keep` checkpoints and truncates the journal before the oldest kept one. */
  async #retain(): Promise<void> {
    const { store, journal } = this.#options;
    await store.retain(this.actor, this.#policy.keep);
    const oldest = (await store.list(this.actor))[0];
    if (oldest === undefined || oldest.journalSeq === 0) return;
    // Keep what recovery from the oldest kept checkpoint needs: messages after it, and the
    // intents of effects that were running when it was taken.
    const kept = await store.get(this.actor, oldest.revision);
    const before = Math.min(oldest.journalSeq + 1, kept?.checkpoint.effectsFromSeq ?? Infinity);
    await journal.truncateBefore(this.actor, before);
  }

  #remember(id: string): void {
    if (this.#policy.processedIds === 0 || this.#processedSet.has(id)) return;
    this.#processed.push(id);
    this.#processedSet.add(id);
    if (this.#processed.length > this.#policy.processedIds) {
      const dropped = this.#processed.shift();
      if (dropped !== undefined) this.#processedSet.delete(dropped);
    }
  }
}
