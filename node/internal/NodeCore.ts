import {
  Listeners,
  type ActorSystem,
  type Clock,
  type JetStreamCheckpointStore,
  type JetStreamJournal,
  type Logger,
  type MetricsRegistry,
  type Membership,
  type NatsTransport,
  type Placement,
  type PlacementTable,
  type UnitHandle,
  type UnitReport,
} from 'agentvisor/internal';
import type { ClusterEvent } from '../ClusterEvent.js';
import type { ClusterAgent, ClusterNodeConfig, ClusterUnit } from '../ClusterNodeOptions.js';

/** A unit this node owns (or is starting). */
export interface LocalUnit {
  epoch: number;
  status: 'starting' | 'running' | 'failed';
  /** A subtree unit's handle (a single-actor unit is the actor under the unit's name). */
  handle?: UnitHandle;
}

/** What a node is made of once it is connected and its tables are open. */
export interface NodeParts {
  readonly config: ClusterNodeConfig;
  readonly run: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The node system's registry (`deps.metrics`); the system's default when absent. */
  readonly metrics: MetricsRegistry | undefined;
  readonly transport: NatsTransport;
  readonly membership: Membership;
  readonly placements: PlacementTable;
  readonly store: JetStreamCheckpointStore;
  readonly journal: JetStreamJournal;
}

/**
 * The state a cluster node's parts share (boot, heartbeat, reconcile, unit host): who it is, what
 * it runs, what is in progress, and its event listeners. No behaviour beyond bookkeeping lives
 * here; each part owns its own concern.
 */
export class NodeCore {
  readonly config: ClusterNodeConfig;
  readonly id: string;
  readonly run: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly transport: NatsTransport;
  readonly membership: Membership;
  readonly placements: PlacementTable;
  readonly store: JetStreamCheckpointStore;
  readonly journal: JetStreamJournal;
  readonly system: ActorSystem;
  /** Every unit of the cluster (configured ones and the mailbox's shard units), by name. */
  readonly units: ReadonlyMap<string, ClusterUnit>;
  /** The agents units refer to (the mailbox's shard agent included). */
  readonly agents: Readonly<Record<string, ClusterAgent>>;
  /** Units this node owns or is starting. */
  readonly local = new Map<string, LocalUnit>();
  /** One operation per unit at a time (claim, restart). */
  readonly busy = new Map<string, Promise<void>>();
  readonly events = new Listeners<ClusterEvent>();
  state: 'running' | 'draining' | 'closed' = 'running';
  /** Actors found stuck at the last check. */
  stuck: ReadonlySet<string> = new Set();
  /** Asks for a reconcile pass (the reconciler sets it). */
  requestReconcile: () => void = () => undefined;

  constructor(
    parts: NodeParts,
    system: ActorSystem,
    units: readonly ClusterUnit[],
    agents: Readonly<Record<string, ClusterAgent>>,
  ) {
    this.config = parts.config;
    this.id = parts.config.node;
    this.run = parts.run;
    this.clock = parts.clock;
    this.logger = parts.logger;
    this.transport = parts.transport;
    this.membership = parts.membership;
    this.placements = parts.placements;
    this.store = parts.store;
    this.journal = parts.journal;
    this.system = system;
    this.units = new Map(units.map((u) => [u.name, u]));
    this.agents = agents;
  }

  emit(event: ClusterEvent): void {
    this.events.emit(event);
  }

  /** The placement is this node's, in this run. */
  isMine(placement: Placement | undefined): boolean {
    const record = placement?.record;
    return record?.status === 'active' && record.node === this.id && record.run === this.run;
  }

  /** Runs one operation per unit at a time (claim, restart); others wait for the next pass. */
  track(unit: string, work: Promise<void>): void {
    this.busy.set(unit, work);
    void work.finally(() => {
      if (this.busy.get(unit) === work) this.busy.delete(unit);
      this.requestReconcile();
    });
  }

  /** A subtree unit's report of itself; undefined without one, or when `describe` throws. */
  describeUnit(unit: string, handle: UnitHandle | undefined): UnitReport | undefined {
    try {
      return handle?.describe?.();
    } catch (err) {
      this.logger.warn({ err, unit }, 'a unit handle failed to describe itself');
      return undefined;
    }
  }
}
