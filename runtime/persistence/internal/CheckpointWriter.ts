import type { Clock } from '../../clock/index.js';
import type { Envelope } from '../../codec/index.js';
import { ErrorCode, isRuntimeError } from '../../errors/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { Checkpoint } from '../Checkpoint.js';
import type { CheckpointPolicyConfig } from '../CheckpointPolicy.js';
import type { CheckpointStore } from '../CheckpointStore.js';
import type { Journal } from '../Journal.js';

/** What a {@link CheckpointWriter} writes with. */
export interface CheckpointWriterDeps {
  readonly actor: string;
  readonly store: CheckpointStore;
  readonly journal: Journal;
  readonly policy: CheckpointPolicyConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The checkpoint of `snapshot` at the actor's current journal position. */
  /** The checkpoint to write now; undefined when the actor's state is a failure (never written). */
  readonly capture: (snapshot: () => unknown) => Checkpoint | undefined;
  /** Fails the owning incarnation (a refused or failed write). */
  readonly fail: (error: unknown) => void;
  /** A checkpoint was written in `seconds` (`bytes` long when the store said). */
  readonly written?: ((seconds: number, bytes: number | undefined) => void) | undefined;
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

/**
 * The checkpoint writes of one actor (a Persister's; a node's tree unit writes its supervisor
 * snapshot through one too; reached through `agentvisor/internal`, not the root): when its policy says (steps, settled steps,
 * interval, journal bytes, heap), coalesced (while one is written, only the newest pending
 * snapshot follows), compare-and-set on the last revision, then retention and journal truncation.
 */
export class CheckpointWriter {
  /** Revision of the last checkpoint written or restored: the next put's compare-and-set. */
  revision = 0;
  readonly #deps: CheckpointWriterDeps;
  #stepsSince = 0;
  #lastCheckpointAt = 0;
  #dirty = false;
  /** Approximate bytes of messages journaled since the last checkpoint (for maxJournalBytes). */
  #bytesSince = 0;
  #snapshot: (() => unknown) | undefined;
  #writing: Promise<void> | undefined;
  /** Checkpoint writes that failed so far, and the last failure (`now` rejects with it). */
  #writeFailures = 0;
  #lastWriteError: unknown;

  constructor(deps: CheckpointWriterDeps) {
    this.#deps = deps;
  }

  /** Counts messages journaled since the last checkpoint, for the `maxJournalBytes` trigger. */
  journaled(envelopes: readonly Envelope[]): void {
    if (this.#deps.policy.maxJournalBytes === 0) return;
    for (const envelope of envelopes) this.#bytesSince += approximateSize(envelope);
  }

  /** A message's step was applied: checkpoints when the policy says so. */
  stepped(snapshot: () => unknown): void {
    this.#stepsSince++;
    if (this.#stepsSince >= this.#deps.policy.everySteps || this.#intervalDue() || this.#sizeDue())
      this.#schedule(snapshot);
  }

  /** A transition not caused by a message: checkpoints when `onSettled`. */
  settled(snapshot: () => unknown): void {
    if (this.#deps.policy.onSettled || this.#intervalDue()) this.#schedule(snapshot);
  }

  /**
   * Writes a checkpoint now; resolves with its revision when stored.
   *
   * @throws {RuntimeError} ERR_PERSISTENCE_CONFLICT when another writer owns the actor now, or
   *   the store's error when the write failed.
   */
  async now(snapshot: () => unknown): Promise<number> {
    const failuresBefore = this.#writeFailures;
    this.#schedule(snapshot);
    await this.flush();
    // The write this call asked for (or the one that coalesced it) did not land: say so.
    if (this.#writeFailures !== failuresBefore) throw this.#lastWriteError;
    return this.revision;
  }

  /** True while a checkpoint write is under way (see {@link flush}). */
  get writing(): boolean {
    return this.#writing !== undefined;
  }

  /**
  /**
   * While a checkpoint is being written: resolves when it and any coalesced after it are done
   * (never rejects: a failed write is reported through `fail`). Undefined when nothing is written.
   */
  get inFlight(): Promise<void> | undefined {
    return this.#writing === undefined ? undefined : this.flush();
  }

  /** Resolves when every scheduled checkpoint is written. */
  async flush(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
  }

  /** Size and memory triggers: journal bytes since the last checkpoint, process heap. */
  #sizeDue(): boolean {
    const { maxJournalBytes, maxHeapBytes } = this.#deps.policy;
    if (maxJournalBytes > 0 && this.#bytesSince >= maxJournalBytes) return true;
    return maxHeapBytes > 0 && process.memoryUsage().heapUsed >= maxHeapBytes;
  }

  #intervalDue(): boolean {
    const { policy, clock } = this.#deps;
    return policy.intervalMs > 0 && clock.monotonic() - this.#lastCheckpointAt >= policy.intervalMs;
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

  async #writeLoop(): Promise<void> {
    const { store, clock, logger, capture, fail } = this.#deps;
    try {
      while (this.#dirty && this.#snapshot !== undefined) {
        this.#dirty = false;
        const checkpoint = capture(this.#snapshot);
        // The actor failed since the write was asked for: its last good checkpoint stands.
        if (checkpoint === undefined) break;
        const started = clock.monotonic();
        const { revision, bytes } = await store.put(checkpoint, {
          expectedRevision: this.revision,
        });
        this.#deps.written?.((clock.monotonic() - started) / 1_000, bytes);
        this.revision = revision;
        this.#lastCheckpointAt = clock.monotonic();
        this.#bytesSince = 0;
        await this.#retain();
      }
    } catch (err) {
      this.#dirty = false;
      this.#writeFailures += 1;
      this.#lastWriteError = err;
      if (isRuntimeError(err, ErrorCode.PersistenceConflict)) {
        // Another writer owns this actor now: stop rather than fight it.
        logger.error({ err }, 'checkpoint refused: another writer owns this actor');
        fail(err);
      } else {
        logger.error({ err }, 'checkpoint write failed');
        fail(err);
      }
    } finally {
      this.#writing = undefined;
    }
  }

  /** Keeps `keep` checkpoints and truncates the journal before the oldest kept one. */
  async #retain(): Promise<void> {
    const { actor, store, journal, policy } = this.#deps;
    await store.retain(actor, policy.keep);
    const oldest = (await store.list(actor))[0];
    if (oldest === undefined || oldest.journalSeq === 0) return;
    // Keep what recovery from the oldest kept checkpoint needs: messages after it, and the
    // intents of effects that were running when it was taken.
    const kept = await store.get(actor, oldest.revision);
    const before = Math.min(oldest.journalSeq + 1, kept?.checkpoint.effectsFromSeq ?? Infinity);
    await journal.truncateBefore(actor, before);
  }
}
