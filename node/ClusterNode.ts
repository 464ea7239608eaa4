import {
  DurableMailbox,
  ErrorCode,
  RuntimeError,
  createActorSystem,
  type ActorSystem,
  type Disposable,
  type Membership,
  type NatsTransport,
  type PlacementTable,
  type ReliableReceipt,
  type ReliableSendOptions,
} from 'agentvisor/internal';
import { EscalationService, JetStreamEscalationStore } from 'agentvisor/supervisors';
import type { ClusterEvent, NodeStatus } from './ClusterEvent.js';
import {
  mailboxShardUnit,
  type ClusterAgent,
  type ClusterNodeDeps,
  type ClusterNodeOptions,
  type ClusterUnit,
} from './ClusterNodeOptions.js';
import {
  connectNode,
  joinCluster,
  parseNodeOptions,
  shutdownNode,
  type Joined,
} from './internal/boot.js';
import { Heartbeat } from './internal/Heartbeat.js';
import { NodeCore, type NodeParts } from './internal/NodeCore.js';
import { nodeStatus } from './internal/nodeStatus.js';
import { PlacedShards, SHARD_AGENT, startShardUnit } from './internal/PlacedShards.js';
import { Reconciler } from './internal/Reconciler.js';
import { treeUnits } from './internal/treeUnits.js';
import { UnitHost } from './internal/UnitHost.js';

/**
 * A cluster node: one process's {@link ActorSystem} on a {@link NatsTransport}, plus the units
 * (durable actors) placed on it. Nodes find each other through heartbeats in a KV bucket
 * ({@link Membership}) and agree on where each unit runs through compare-and-set writes to
 * another ({@link PlacementTable}); checkpoints and journals are JetStream's, so a unit restored
 * on another node carries on from its last checkpoint plus the journal after it.
 *
 * - **Placement.** Every `heartbeatMs` the node plans where units without a live owner go
 *   (`planPlacements`: preferred node, role, least loaded) and claims those planned for it; when
 *   the planned node has not claimed a unit within 2 × `deadAfterMs`, any eligible node may. A claim
 *   raises the unit's epoch; exactly one claim per epoch wins.
 * - **Failover.** A node silent for `deadAfterMs` is dead: its units are orphans and are claimed
 *   by survivors, which restore them (`spawnDurable`). With the defaults (250 ms heartbeats, dead
 *   after 1 s) a killed node's actors run again elsewhere in about 1-1.5 s.
 * - **Fencing.** A node that finds a unit it runs owned by another (through the placement watch,
 *   or by re-reading every placement after it was stalled or its heartbeats failed) stops its copy
 *   without writing. Its writes could not land anyway: checkpoints are compare-and-set on the
 *   revision and journal appends expect the last sequence, both of which the new owner moved.
 *   A node whose own heartbeats fail claims nothing (it may be the one cut off).
 * - **A unit that does not start** (its restore failed: store unreachable, corrupt checkpoint, an
 *   agent's `start` throwing) is released at once, so any node may try it, and this node claims
 *   it again only after a back-off doubling from 250 ms to 30 s (reset by a start that works):
 *   OTP's supervisor retries a child whose `init` failed; a cluster also lets another node try.
 * - **Drain.** {@link drain} stops taking messages, lets each unit finish its queue, checkpoints
 *   it, stops it and releases its placement, so survivors take over at once.
 *
 * @example
 * const node = await ClusterNode.start(
 *   { node: 'worker-1', servers: 'nats://127.0.0.1:4222', units: [{ name: 'writer', agent: 'writer' }] },
 *   { agents: { writer: { logic: writerAgent } } },
 * );
 * node.onEvent((e) => console.log(e));
 * await node.drain();
 */
export class ClusterNode {
  /** This node's id. */
  readonly id: string;
  /** This process's run id (a restart under the same node id gets a new one). */
  readonly run: string;
  readonly namespace: string;
  readonly system: ActorSystem;
  readonly transport: NatsTransport;
  readonly membership: Membership;
  readonly placements: PlacementTable;
  /**
   * The cluster's escalations (JetStream KV, shared by every node of the namespace): `list`,
   * `get` and `resolve` any of them from here, whichever node parked the child; the decision
   * reaches the child on the node where it runs now (also after a failover), exactly once.
   */
  readonly escalations: EscalationService;
  /** Resolves when the node has closed (drained or closed); never rejects. */
  readonly closed: Promise<Error | undefined>;

  readonly #core: NodeCore;
  readonly #host: UnitHost;
  readonly #heartbeat: Heartbeat;
  readonly #startedAt: number;
  readonly #shards = new PlacedShards();
  readonly #escalationStore: JetStreamEscalationStore;
  #mailbox: DurableMailbox | undefined;
  #joined: Joined | undefined;
  #resolveClosed!: (error: Error | undefined) => void;

  private constructor(
    parts: NodeParts,
    agents: Readonly<Record<string, ClusterAgent>>,
    escalationStore: JetStreamEscalationStore,
  ) {
    const { config } = parts;
    this.#escalationStore = escalationStore;
    this.escalations = new EscalationService(escalationStore, {
      clock: parts.clock,
      logger: parts.logger,
    });
    this.id = config.node;
    this.namespace = config.namespace;
    this.run = parts.run;
    this.transport = parts.transport;
    this.membership = parts.membership;
    this.placements = parts.placements;
    this.system = createActorSystem(
      { namespace: config.namespace },
      {
        transport: parts.transport,
        clock: parts.clock,
        logger: parts.logger,
        ...(parts.metrics === undefined ? {} : { metrics: parts.metrics }),
      },
    );
    const { mailbox } = config;
    const shardUnits: ClusterUnit[] = Array.from({ length: mailbox?.shards ?? 0 }, (_, s) => ({
      name: mailboxShardUnit(s),
      agent: SHARD_AGENT,
      placement: 'any',
    }));
    const withShards: Readonly<Record<string, ClusterAgent>> =
      mailbox === undefined
        ? agents
        : {
            ...agents,
            [SHARD_AGENT]: {
              start: (ctx) => startShardUnit(this.#core, this.#host, this.#shards, ctx),
            },
          };
    const tree = treeUnits(config, agents, escalationStore);
    this.#core = new NodeCore(parts, this.system, [...config.units, ...tree.units, ...shardUnits], {
      ...withShards,
      ...tree.agents,
    });
    this.#host = new UnitHost(this.#core);
    new Reconciler(this.#core, this.#host);
    this.#heartbeat = new Heartbeat(this.#core, this.#host);
    this.#startedAt = parts.clock.now();
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
  }

  /**
   * Connects to NATS, joins the cluster and starts placing units.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS for bad options (with paths); ERR_UNKNOWN_AGENT
   *   for a unit whose agent is not in `deps.agents`; ERR_NODE_EXISTS when a live node already
   *   heartbeats under this id; ERR_STORE_UNAVAILABLE when JetStream cannot be reached; ERR_AUTH
   *   when the server refuses `auth`, ERR_TLS when the TLS handshake fails (at once, not retried).
   */
  static async start(options: ClusterNodeOptions, deps: ClusterNodeDeps): Promise<ClusterNode> {
    const config = parseNodeOptions(options, deps.agents);
    const parts = await connectNode(config, deps);
    try {
      const escalations = await JetStreamEscalationStore.open(parts.transport.connection, {
        namespace: config.namespace,
      });
      const node = new ClusterNode(parts, deps.agents, escalations);
      if (config.mailbox !== undefined) {
        const { actors: _actors, ...settings } = config.mailbox;
        // Consumes nothing until a shard unit starts here (the node's placement drives it).
        node.#mailbox = await DurableMailbox.open(
          parts.transport.connection,
          { ...settings, namespace: config.namespace, nodeId: config.node },
          {
            system: node.system,
            ownership: node.#shards,
            clock: parts.clock,
            logger: parts.logger,
          },
        );
      }
      node.#joined = await joinCluster(node.#core, {
        host: node.#host,
        heartbeat: node.#heartbeat,
        status: () => node.status(),
      });
      return node;
    } catch (err) {
      await parts.transport.close();
      throw err;
    }
  }

  // --- public API ---

  /** Delivers this node's cluster events from now on. */
  onEvent(listener: (event: ClusterEvent) => void): Disposable {
    return this.#core.events.add(listener);
  }

  /**
   * The units this node runs, with their actor state; a subtree unit whose handle describes
   * itself lists its children (parked ones included) with their actors' counters, and its open
   * escalations.
   */
  status(): NodeStatus {
    return nodeStatus(this.#core, this.#startedAt);
  }

  /** The durable mailbox, when the `mailbox` section is on (else undefined). */
  get mailbox(): DurableMailbox | undefined {
    return this.#mailbox;
  }

  /**
   * Sends a message through the cluster's durable mailbox (see {@link DurableMailbox.sendReliable}):
   * resolves once JetStream stored it; the node owning the actor's shard processes it once.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS when the node has no `mailbox` section; otherwise
   *   as {@link DurableMailbox.sendReliable}.
   */
  sendReliable(
    to: string,
    type: string,
    payload?: unknown,
    options?: ReliableSendOptions,
  ): Promise<ReliableReceipt> {
    if (this.#mailbox === undefined) {
      return Promise.reject(
        new RuntimeError(
          ErrorCode.InvalidOptions,
          `Cluster node ${this.id} has no durable mailbox: set the \`mailbox\` option`,
          { details: { issues: [{ path: 'mailbox', message: 'required for sendReliable' }] } },
        ),
      );
    }
    return this.#mailbox.sendReliable(to, type, payload, options);
  }

  /** Names of the units running here. */
  localUnits(): string[] {
    return [...this.#core.local.keys()];
  }

  /**
   * Leaves the cluster gracefully: stops taking messages, lets each unit finish what it has
   * queued (up to `drainTimeoutMs`), checkpoints it, stops it and releases its placement (other
   * nodes take it over at once, without waiting for this node to be declared dead), removes its
   * heartbeat and closes the connection.
   */
  async drain(): Promise<void> {
    const core = this.#core;
    if (core.state !== 'running') {
      await this.closed;
      return;
    }
    core.state = 'draining';
    core.logger.info({ units: core.local.size }, 'draining');
    await this.membership.beat(core.local.size, 'leaving');
    await Promise.all(core.busy.values());
    const units = [...core.local.keys()];
    for (const unit of units) this.system.detach(unit);
    await Promise.all(units.map((unit) => this.#host.handOver(unit)));
    await this.membership.leave();
    await this.#shutdown(true);
  }

  /**
   * Closes at once, like a crash as far as the cluster is concerned: nothing is checkpointed or
   * released, and other nodes take the units over once this node's heartbeat is missed.
   */
  async close(): Promise<void> {
    if (this.#core.state === 'closed') {
      await this.closed;
      return;
    }
    this.#core.state = 'closed';
    // The connection goes first, so nothing more is written.
    await this.transport.close();
    await this.#shutdown(false);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain();
  }

  async #shutdown(graceful: boolean): Promise<void> {
    await shutdownNode(this.#core, {
      heartbeat: this.#heartbeat,
      joined: this.#joined,
      mailbox: this.#mailbox,
      graceful,
    });
    this.escalations.dispose();
    await this.#escalationStore.close();
    this.#resolveClosed(undefined);
  }
}
