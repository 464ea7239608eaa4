import {
  CHECKPOINT_VERSION,
  CheckpointPolicySchema,
  CheckpointWriter,
  ErrorCode,
  isRuntimeError,
  parseOptions,
  type Checkpoint,
  type CheckpointStore,
  type Clock,
  type Disposable,
  type Journal,
  type Logger,
} from 'agentvisor/internal';
import {
  SUPERVISOR_SNAPSHOT_VERSION,
  parseSupervisorSnapshot,
  type SupervisionTree,
  type SupervisorEvent,
  type SupervisorSnapshot,
} from 'agentvisor/supervisors';

/** The `machineId` of a supervisor snapshot record (a checkpoint record of no actor's machine). */
const SUPERVISOR_RECORD = 'agentvisor:supervisor';

/**
 * Decisions after which a supervisor's snapshot changed: restart history, backoff, parked.
 * `child-started` too: a `resume` counts a restart and starts the child with no other event.
 */
const SAVED_ON: ReadonlySet<SupervisorEvent['type']> = new Set([
  'child-started',
  'restart-scheduled',
  'gave-up',
  'child-parked',
  'escalation-decided',
]);

/** What a {@link TreeSnapshotWriter} reads and writes with: the unit's own stores. */
export interface TreeSnapshotDeps {
  readonly store: CheckpointStore;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * The supervisor snapshot of a tree unit, kept in the node's checkpoint store beside its
 * workers' checkpoints, as a checkpoint record under the unit's agent name (`snapshot` is the
 * tree's `toSnapshot()`), so the tree restored on the next node keeps its restart intensity
 * window, backoff and parked children.
 *
 * Written through the workers' own {@link CheckpointWriter}: coalesced (while one is written,
 * only the newest follows) and compare-and-set on the last revision this owner read or wrote.
 * The new owner's first write (the claim, in {@link claim}) moves the revision, so a stale
 * owner's next write is refused with ERR_PERSISTENCE_CONFLICT; it then stops writing.
 */
export class TreeSnapshotWriter {
  readonly #key: string;
  readonly #epoch: number;
  readonly #deps: TreeSnapshotDeps;
  readonly #writer: CheckpointWriter;
  readonly #supervisorId: string;
  #claimed: SupervisorSnapshot | undefined;
  #tree: SupervisionTree | undefined;
  #subscription: Disposable | undefined;
  #fenced = false;

  private constructor(
    key: string,
    supervisorId: string,
    epoch: number,
    revision: number,
    deps: TreeSnapshotDeps,
  ) {
    this.#key = key;
    this.#supervisorId = supervisorId;
    this.#epoch = epoch;
    this.#deps = deps;
    this.#writer = new CheckpointWriter({
      actor: key,
      store: deps.store,
      journal: deps.journal,
      // Every change is written; the record's history (`keep`) is its store's to bound.
      policy: parseOptions(CheckpointPolicySchema, { everySteps: 1 }, 'tree snapshot policy'),
      clock: deps.clock,
      logger: deps.logger,
      capture: () => this.#capture(),
      fail: (error) => {
        // Refused: another node owns the unit now. Stop writing; its workers are fenced too.
        if (isRuntimeError(error, ErrorCode.PersistenceConflict)) this.#fenced = true;
      },
    });
    this.#writer.revision = revision;
  }

  /**
   * Reads the unit's saved snapshot for the supervisor `supervisorId`. A record that does not
   * decode, or whose snapshot does not validate, is logged with its code (ERR_CORRUPT_DATA,
   * ERR_CHECKPOINT_VERSION, ERR_INVALID_OPTIONS) and the tree starts fresh: the snapshot is only
   * restart bookkeeping (the workers' state is in their own checkpoints), and refusing it would
   * keep the whole subtree down on every node. The claim then replaces it.
   *
   * @throws {RuntimeError} the store's error when it cannot be read (the unit's start fails and is
   *   tried again after a back-off).
   */
  static async open(
    key: string,
    supervisorId: string,
    epoch: number,
    deps: TreeSnapshotDeps,
  ): Promise<{ writer: TreeSnapshotWriter; snapshot: SupervisorSnapshot | undefined }> {
    const { store, logger } = deps;
    const latest = await store.latest(key);
    for (const { revision, error } of latest?.skipped ?? []) {
      logger.error(
        { err: error, code: error.code, key, revision },
        'supervisor snapshot record corrupt: skipped',
      );
    }
    // The compare-and-set is against the newest entry, corrupt or not (see CheckpointStore).
    const revision =
      latest === undefined
        ? ((await store.newestRevision?.(key)) ?? 0)
        : (latest.skipped[0]?.revision ?? latest.revision);
    let snapshot: SupervisorSnapshot | undefined;
    if (latest !== undefined) {
      try {
        snapshot = parseSupervisorSnapshot(latest.checkpoint.snapshot, supervisorId);
      } catch (err) {
        if (!isRuntimeError(err)) throw err;
        logger.error(
          { err, code: err.code, key, revision: latest.revision },
          'supervisor snapshot not restored: the tree starts with a fresh restart history',
        );
      }
    }
    return { writer: new TreeSnapshotWriter(key, supervisorId, epoch, revision, deps), snapshot };
  }

  /**
   * Claims the record for this owner before the tree starts: a fenced write of the snapshot the
   * tree restores from (`snapshot`, or an empty one for a fresh tree), so a stale owner's next
   * write is refused from now on, as fenceRecovery's note does for a worker's journal.
   *
   * @throws {RuntimeError} ERR_PERSISTENCE_CONFLICT when another owner wrote since {@link open}
   *   (the unit's start failed; it is tried again); the store's error otherwise.
   */
  async claim(snapshot: SupervisorSnapshot | undefined): Promise<void> {
    this.#claimed = snapshot ?? {
      v: SUPERVISOR_SNAPSHOT_VERSION,
      id: this.#supervisorId,
      takenAt: this.#deps.clock.now(),
      restarts: [],
      children: {},
    };
    await this.#writer.now(() => undefined);
  }

  /** Writes the tree's snapshot again after every decision that changes it. */
  watch(tree: SupervisionTree): void {
    this.#tree = tree;
    this.#subscription = tree.onEvent((event) => {
      if (SAVED_ON.has(event.type) && !this.#fenced) this.#writer.stepped(() => undefined);
    });
  }

  /** Stops writing and waits for the write in flight (a stop writes nothing new). */
  async close(): Promise<void> {
    this.#subscription?.dispose();
    this.#subscription = undefined;
    await this.#writer.flush();
  }

  #capture(): Checkpoint | undefined {
    const snapshot = this.#tree?.toSnapshot() ?? this.#claimed;
    if (snapshot === undefined || this.#fenced) return undefined;
    return {
      v: CHECKPOINT_VERSION,
      actor: this.#key,
      machineId: SUPERVISOR_RECORD,
      machineVersion: SUPERVISOR_SNAPSHOT_VERSION,
      snapshot,
      journalSeq: 0,
      processedIds: [],
      incarnation: this.#epoch,
      createdAt: this.#deps.clock.now(),
    };
  }
}
