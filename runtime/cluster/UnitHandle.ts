import type { CheckpointStore, Journal } from '../persistence/index.js';
import type { ActorSystem } from '../system/index.js';

/**
 * What a unit that starts itself (a supervision subtree, typically) gets from the node that
 * placed it. The contract between the cluster and what runs in a unit: it sits in the substrate so
 * that `supervisors/` (which describes a tree as a {@link UnitReport}) and `node/` (which places
 * units) both depend on it and not on each other.
 */
export interface UnitContext {
  /** The unit's name (its placement key). */
  readonly unit: string;
  readonly system: ActorSystem;
  /** The node's checkpoint store and journal (JetStream, per namespace). */
  readonly store: CheckpointStore;
  readonly journal: Journal;
  readonly input: unknown;
  /** The placement's epoch: it grows with every change of the unit's owner. */
  readonly epoch: number;
}

/** A started subtree unit. */
export interface UnitHandle {
  /** Stops everything the unit started, without checkpointing. */
  stop(): Promise<void>;
  /**
   * What the unit runs, for `status`: its children and open escalations (`describeTree` in
   * `agentvisor/supervisors` reads a supervision tree). Without it, status shows the unit alone.
   */
  describe?(): UnitReport;
}

/** A subtree unit's own report of itself (see {@link UnitHandle.describe}). */
export interface UnitReport {
  /** Every child at every level, parents before their children. */
  readonly children: readonly UnitChildReport[];
  /** Escalations opened in the unit and waiting for a person. */
  readonly openEscalations: number;
}

/** One child of a subtree unit, as its supervisor sees it. */
export interface UnitChildReport {
  readonly id: string;
  /** The actor name it runs under. */
  readonly name: string;
  readonly type: 'worker' | 'supervisor';
  /** `running`, `restarting`, `parked` (waiting for a person), `terminated`. */
  readonly status: string;
  readonly restarts: number;
}
