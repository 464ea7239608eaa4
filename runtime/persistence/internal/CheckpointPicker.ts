import { ErrorCode, RuntimeError } from '../../errors/index.js';
import type { Logger } from '../../telemetry/index.js';
import type { Checkpoint, SkippedCheckpoint, StoredCheckpoint } from '../Checkpoint.js';
import type { LatestCheckpoint } from '../CheckpointStore.js';
import type { PersistenceOptions } from '../PersistenceOptions.js';

/** @internal A checkpoint recovery can start from, with its (migrated) snapshot. */
export interface Restorable extends StoredCheckpoint {
  readonly snapshot: unknown;
}

/** @internal Throws when the machine cannot restore a snapshot (see `RecoverOptions.validate`). */
export type ValidateSnapshot = (snapshot: unknown) => void;

/**
 * @internal Which of an actor's stored checkpoints recovery may start from: migrated to this
 * machine version (or refused), checked to restore into the machine, and, when the newest does
 * not, an older retained one; plus the compare-and-set position the next put must name.
 */
export class CheckpointPicker {
  readonly #actor: string;
  readonly #options: PersistenceOptions;
  readonly #logger: Logger;

  constructor(actor: string, options: PersistenceOptions, logger: Logger) {
    this.#actor = actor;
    this.#options = options;
    this.#logger = logger;
  }

  /**
   * The compare-and-set position: the store's newest entry, corrupt or not, so the next put
   * replaces a corrupt newest checkpoint instead of being refused as a stale writer's.
   */
  async casPosition(latest: LatestCheckpoint | undefined): Promise<number> {
    if (latest !== undefined) return latest.skipped[0]?.revision ?? latest.revision;
    return (await this.#options.store.newestRevision?.(this.#actor)) ?? 0;
  }

  /**
   * `stored` with the snapshot to restore (migrated), or undefined when the machine cannot restore
   * it: then it is recorded in `skipped` as ERR_CORRUPT_DATA and logged, like a corrupt one.
   *
   * @throws {RuntimeError} ERR_CHECKPOINT_VERSION for another version without a migration.
   */
  restorable(
    stored: StoredCheckpoint,
    validate: ValidateSnapshot,
    skipped: SkippedCheckpoint[],
  ): Restorable | undefined {
    const snapshot = this.#migrate(stored.checkpoint);
    try {
      validate(snapshot);
      return { checkpoint: stored.checkpoint, revision: stored.revision, snapshot };
    } catch (cause) {
      const error = new RuntimeError(
        ErrorCode.CorruptData,
        `Checkpoint ${stored.revision} of ${this.#actor} does not restore into its machine`,
        { cause, details: { actor: this.#actor, revision: stored.revision } },
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
  async older(
    belowRevision: number,
    beforeSeq: number,
    validate: ValidateSnapshot,
    skipped: SkippedCheckpoint[],
  ): Promise<Restorable | undefined> {
    const { store } = this.#options;
    const infos = await store.list(this.#actor);
    for (const info of [...infos].reverse()) {
      if (info.revision >= belowRevision || info.journalSeq >= beforeSeq) continue;
      let found: StoredCheckpoint | undefined;
      try {
        found = await store.get(this.#actor, info.revision);
      } catch (err) {
        this.#logger.warn({ err, revision: info.revision }, 'skipped a corrupt checkpoint');
        continue;
      }
      const usable = found === undefined ? undefined : this.restorable(found, validate, skipped);
      if (usable !== undefined) return usable;
    }
    return undefined;
  }

  #migrate(checkpoint: Checkpoint): unknown {
    const { machineVersion, migrate } = this.#options;
    if (checkpoint.machineVersion === machineVersion) return checkpoint.snapshot;
    if (migrate === undefined) {
      throw new RuntimeError(
        ErrorCode.CheckpointVersion,
        `Checkpoint of ${this.#actor} was written by version ${String(checkpoint.machineVersion)}; this is ${String(machineVersion)} and declares no migration`,
        {
          details: {
            actor: this.#actor,
            found: checkpoint.machineVersion,
            expected: machineVersion,
          },
        },
      );
    }
    return migrate(checkpoint);
  }
}
