import type { Clock } from '../clock/index.js';
import type { Envelope } from '../codec/index.js';
import { parseOptions } from '../errors/index.js';
import type { Logger, MetricsRegistry } from '../telemetry/index.js';
import { CHECKPOINT_VERSION, type Checkpoint } from './Checkpoint.js';
import { CheckpointPolicySchema, type CheckpointPolicyConfig } from './CheckpointPolicy.js';
import { DEFAULT_MAX_CHECKPOINT_BYTES } from './codec.js';
import { EffectLedger } from './EffectLedger.js';
import { CheckpointPicker } from './internal/CheckpointPicker.js';
import { CheckpointWriter } from './internal/CheckpointWriter.js';
import { fenceRecovery } from './internal/fenceRecovery.js';
import {
  MESSAGE_RECORD_OVERHEAD_BYTES,
  failureRecord,
  messageRecords,
} from './internal/journalRecords.js';
import { planRecovery } from './internal/planRecovery.js';
import { PersistenceMetrics } from './internal/PersistenceMetrics.js';
import { ProcessedIds } from './internal/ProcessedIds.js';
import { replayMessages } from './internal/replayMessages.js';
import type { JournalEvent } from './Journal.js';
import type { PersistenceOptions } from './PersistenceOptions.js';
import type { Recovered, RecoverOptions } from './Recovered.js';

/**
 * The persistence of one durable actor: write-ahead journaling of its messages, checkpoints by
 * policy (coalesced: while one is written, only the newest pending snapshot follows), retention
 * and journal truncation, processed-id dedupe, and recovery (newest valid checkpoint + the
 * journal after it). Fenced: every journal append carries the last sequence this writer saw, and
 * every checkpoint put the last revision, so a stale owner is refused rather than corrupting state.
 *
 * Checkpoint writes are in internal/CheckpointWriter.ts, the choice of checkpoint and journal
 * to recover from in internal/planRecovery.ts (with CheckpointPicker and checkContinuity), the
 * fencing of the previous owner in internal/fenceRecovery.ts.
 */
export class Persister {
  readonly actor: string;
  readonly #options: PersistenceOptions;
  readonly #policy: CheckpointPolicyConfig;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #picker: CheckpointPicker;
  readonly #writer: CheckpointWriter;
  readonly #processed: ProcessedIds;
  #lastSeq = 0;
  /** The append in flight, if any: the next one waits for it (see {@link #append}). */
  #appending: Promise<void> | undefined;
  #applied = 0;
  #background: Promise<void> = Promise.resolve();
  #incarnation = 0;
  #failed: ((error: unknown) => void) | undefined;
  /** First sequence this writer journaled a message at: failure marks may only name its own. */
  #firstOwnSeq = Infinity;
  /** The effect ledger, kept in this actor's journal through the same fenced appends. */
  readonly ledger: EffectLedger;
  /** Checkpoint, append and recovery timings (with a registry), by `actor_kind`. */
  readonly #metrics: { of: PersistenceMetrics; kind: string } | undefined;

  /**
   * `deps.metrics` and `deps.kind` (the `actor_kind` label) time checkpoint writes, journal
   * appends and recoveries; without a registry nothing is measured.
   */
  constructor(
    actor: string,
    options: PersistenceOptions,
    deps: { clock: Clock; logger: Logger; metrics?: MetricsRegistry; kind?: string },
  ) {
    this.actor = actor;
    const metrics =
      deps.metrics === undefined
        ? undefined
        : { of: PersistenceMetrics.of(deps.metrics), kind: deps.kind ?? 'unknown' };
    this.#metrics = metrics;
    this.#options = options;
    this.#policy = parseOptions(CheckpointPolicySchema, options.policy ?? {}, 'checkpoint policy');
    this.#clock = deps.clock;
    this.#logger = deps.logger;
    this.#picker = new CheckpointPicker(actor, options, deps.logger);
    this.#processed = new ProcessedIds(this.#policy.processedIds);
    this.#writer = new CheckpointWriter({
      actor,
      store: options.store,
      journal: options.journal,
      policy: this.#policy,
      clock: deps.clock,
      logger: deps.logger,
      capture: (snapshot) => this.#capture(snapshot),
      fail: (error) => this.#failed?.(error),
      ...(metrics === undefined
        ? {}
        : {
            written: (seconds: number, bytes: number | undefined) => {
              metrics.of.checkpoint(metrics.kind, seconds, bytes);
            },
          }),
    });
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
    const started = this.#clock.monotonic();
    const seqs = await this.#options.journal.append(this.actor, events, {
      expectedLastSeq: this.#lastSeq,
    });
    this.#metrics?.of.append(this.#metrics.kind, (this.#clock.monotonic() - started) / 1_000);
    this.#lastSeq = Math.max(this.#lastSeq, ...seqs);
    return seqs;
  }

  /** Journal sequence of the last message applied to the actor's state. */
  get journalSeq(): number {
    return this.#applied;
  }

  /** Revision of the last checkpoint this writer wrote or restored. */
  get revision(): number {
    return this.#writer.revision;
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
    const started = this.#clock.monotonic();
    const recovered = await this.#recover(options);
    this.#metrics?.of.recovery(this.#metrics.kind, (this.#clock.monotonic() - started) / 1_000);
    return recovered;
  }

  async #recover(options: RecoverOptions): Promise<Recovered> {
    const from = this.#options.from ?? 'latest';
    const plan = await planRecovery({
      actor: this.actor,
      options: this.#options,
      picker: this.#picker,
      logger: this.#logger,
      validate: options.validate ?? (() => undefined),
    });
    this.#lastSeq = plan.lastSeq;
    this.#writer.revision = plan.revision;
    if (from === 'fresh') {
      this.#applied = this.#lastSeq;
      await this.#fence(0);
      return {
        snapshot: undefined,
        replay: [],
        checkpointRevision: this.#writer.revision,
        journalSeq: this.#applied,
      };
    }
    const checkpoint = plan.chosen?.checkpoint;
    const afterSeq = checkpoint?.journalSeq ?? 0;
    for (const id of checkpoint?.processedIds ?? []) this.#processed.remember(id);
    for (const id of checkpoint?.unhandledIds ?? []) this.#processed.markUnhandled(id);
    this.ledger.load(plan.entries, from === 'latest' ? (checkpoint?.effects ?? {}) : {});
    // Effects restored as running deliver their recorded outcomes only when the replay reaches
    // them (the cell releases them in journal order).
    this.ledger.holdReplay();
    const replay = replayMessages(this.actor, plan.entries, afterSeq, plan.failed);
    for (const r of replay) this.#processed.remember(r.envelope.id);
    this.#applied = replay.at(-1)?.seq ?? afterSeq;
    if (from !== 'latest') this.#applied = this.#lastSeq;
    await this.#fence(replay.length);
    return {
      snapshot: plan.chosen?.snapshot,
      replay,
      checkpointRevision: this.#writer.revision,
      journalSeq: afterSeq,
    };
  }

  /** Fences out the previous owner (see internal/fenceRecovery.ts). */
  #fence(replayed: number): Promise<void> {
    return fenceRecovery({
      actor: this.actor,
      store: this.#options.store,
      picker: this.#picker,
      append: (events) => this.#append(events),
      now: this.#clock.now(),
      lastSeq: this.#lastSeq,
      revision: this.#writer.revision,
      applied: this.#applied,
      replayed,
    });
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
    return this.#processed.has(id);
  }

  /**
   * Records that the machine had no transition for the processed message `id` (live or on
   * replay, which meets the same state): a retry of it is answered ERR_UNHANDLED again.
   */
  processedUnhandled(id: string): void {
    this.#processed.markUnhandled(id);
  }

  /** True when the processed message `id` was refused unhandled. */
  wasUnhandled(id: string): boolean {
    return this.#processed.wasUnhandled(id);
  }

  /**
   * Journals messages before they are processed (write-ahead), fenced on the last sequence this
   * writer saw; resolves with each message's sequence.
   */
  async journalMessages(envelopes: readonly Envelope[]): Promise<number[]> {
    if (envelopes.length === 0) return [];
    const at = this.#clock.now();
    this.#writer.journaled(envelopes);
    const seqs = await this.#append(messageRecords(this.#incarnation, envelopes, at));
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
    const note = failureRecord(this.#incarnation, seq, effectKey, this.#clock.now());
    if (note === undefined) return;
    const write = this.#append([note]).then(
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
    this.#processed.remember(id);
    this.ledger.step = seq;
  }

  /** Marks a replayed message as applied (recovery; no checkpoint scheduled). */
  replayed(seq: number): void {
    this.#applied = seq;
  }

  /** Records that the message at `seq` was applied; checkpoints when the policy says so. */
  applied(id: string, seq: number, snapshot: () => unknown): void {
    this.#applied = Math.max(this.#applied, seq);
    this.#processed.remember(id);
    this.#writer.stepped(snapshot);
  }

  /** A transition not caused by a message (an effect's result): checkpoint when `onSettled`. */
  settled(snapshot: () => unknown): void {
    this.#writer.settled(snapshot);
  }

  /**
   * Writes a checkpoint now (on demand, or before an uncertain side effect); resolves with its
   * revision when stored.
   *
   * @throws {RuntimeError} ERR_PERSISTENCE_CONFLICT when another writer owns the actor now (the
   *   actor fails too), or the store's error when the write failed.
   */
  async checkpointNow(snapshot: () => unknown): Promise<number> {
    return this.#writer.now(snapshot);
  }

  /**
   * @internal What this actor's persistence has in flight: a journal append, a checkpoint write,
   * a recorded effect outcome on its way to the machine. A promise that resolves when those are
   * over (more may start meanwhile), or undefined when none is.
   */
  whenIdle(): Promise<void> | undefined {
    if (this.#appending === undefined && !this.#writer.writing && this.ledger.isSettled) return;
    return Promise.all([this.#appending, this.#writer.flush(), this.ledger.whenSettled()]).then(
      () => undefined,
    );
  }

  /**
   * @internal The checkpoint write in flight, if any: a graceful stop and the system's shutdown
   * wait for it (bounded), so the actor's last checkpoint is not lost when the process goes on to
   * close its stores. Undefined when no write is in flight (the stop then takes no extra tick).
   */
  writeInFlight(): Promise<void> | undefined {
    return this.#writer.inFlight;
  }

  /** Resolves when every scheduled checkpoint is written. */
  async flush(): Promise<void> {
    await this.#writer.flush();
  }

  /**
   * The checkpoint of `snapshot` at the position applied now (the writer captures on start), or
   * undefined when that state is a failure (XState's `status: 'error'`): restoring it would fail
   * again at once, so it is never written.
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
      processedIds: this.#processed.toArray(),
      ...unhandledIds(this.#processed.unhandledArray()),
      incarnation: this.#incarnation,
      createdAt: this.#clock.now(),
    };
  }
}

/** The checkpoint's `unhandledIds`, left out when there are none (older readers never see it). */
function unhandledIds(ids: string[]): { unhandledIds?: string[] } {
  return ids.length === 0 ? {} : { unhandledIds: ids };
}
