import { randomBytes } from 'node:crypto';
import type { Subscription as NatsSubscription } from '@nats-io/transport-node';
import {
  DurableMailbox,
  ErrorCode,
  NatsTransport,
  RuntimeError,
  backoffDelays,
  createActorSystem,
  disposable,
  isActorTemplate,
  isRuntimeError,
  openClusterTables,
  parseOptions,
  shardOf,
  silentLogger,
  systemClock,
  type ActorSystem,
  type BackoffConfig,
  type Clock,
  type Disposable,
  type JetStreamCheckpointStore,
  type JetStreamJournal,
  type Logger,
  type Membership,
  type OwnershipListener,
  type Placement,
  type PlacementTable,
  type ReliableReceipt,
  type ReliableSendOptions,
  type ShardOwnership,
  type TimerHandle,
  type UnitContext,
  type UnitHandle,
  type UnitReport,
} from 'agentvisor';
import type { ClusterEvent, NodeStatus, UnitStatus } from './ClusterEvent.js';
import {
  ClusterNodeOptionsSchema,
  mailboxShardUnit,
  type ClusterActorAgent,
  type ClusterAgent,
  type ClusterNodeConfig,
  type ClusterNodeDeps,
  type ClusterNodeOptions,
  type ClusterUnit,
} from './ClusterNodeOptions.js';
import { StuckWatch } from './StuckWatch.js';
import {
  isOwnedByLive,
  planPlacements,
  type PlacementCandidate,
  type PlannedUnit,
} from './planPlacements.js';

/** A unit this node owns (or is starting). */
/** Back-off before this node claims again a unit whose start failed here: 250 ms doubling to 30 s. */
const START_BACKOFF: BackoffConfig = {
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 'none',
};

interface LocalUnit {
  epoch: number;
  status: 'starting' | 'running' | 'failed';
  /** A subtree unit's handle (a single-actor unit is the actor under the unit's name). */
  handle?: UnitHandle;
}

/** Agent of the mailbox's shard units (a name no registry key can take: the registry is merged). */
const SHARD_AGENT = 'agentvisor:mailbox-shard';

/**
 * Shard ownership driven by the cluster's placement of the shard units: a shard is acquired when
 * its unit starts here and lost when the unit stops (drained, fenced, closed). Its epoch is the
 * placement's, so it grows with every change of owner.
 */
class PlacedShards implements ShardOwnership {
  #listener: OwnershipListener | undefined;
  readonly #owned = new Map<number, number>();

  start(listener: OwnershipListener): Promise<void> {
    this.#listener = listener;
    return Promise.resolve();
  }

  owned(): ReadonlyMap<number, number> {
    return this.#owned;
  }

  acquire(shard: number, epoch: number): void {
    this.release(shard);
    this.#owned.set(shard, epoch);
    this.#listener?.({ type: 'acquired', shard, epoch });
  }

  release(shard: number): void {
    const epoch = this.#owned.get(shard);
    if (epoch === undefined) return;
    this.#owned.delete(shard);
    this.#listener?.({ type: 'lost', shard, epoch, reason: 'released' });
  }

  stop(): Promise<void> {
    for (const shard of [...this.#owned.keys()]) this.release(shard);
    this.#listener = undefined;
    return Promise.resolve();
  }
}

interface NodeParts {
  config: ClusterNodeConfig;
  run: string;
  agents: Readonly<Record<string, ClusterAgent>>;
  clock: Clock;
  logger: Logger;
  transport: NatsTransport;
  membership: Membership;
  placements: PlacementTable;
  store: JetStreamCheckpointStore;
  journal: JetStreamJournal;
}

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
  /** Resolves when the node has closed (drained or closed); never rejects. */
  readonly closed: Promise<Error | undefined>;

  readonly #config: ClusterNodeConfig;
  readonly #agents: Readonly<Record<string, ClusterAgent>>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #store: JetStreamCheckpointStore;
  readonly #journal: JetStreamJournal;
  readonly #units: Map<string, ClusterUnit>;
  readonly #planned: PlannedUnit[];
  readonly #startedAt: number;
  readonly #local = new Map<string, LocalUnit>();
  readonly #orphanSince = new Map<string, number>();
  readonly #busy = new Map<string, Promise<void>>();
  /** Units whose start failed here: how often in a row, and when this node may claim them again. */
  readonly #startFailures = new Map<
    string,
    { count: number; retryAt: number; delays: Generator<number, never, void> }
  >();
  readonly #listeners = new Set<(event: ClusterEvent) => void>();
  readonly #disposables: Disposable[] = [];
  #control: NatsSubscription | undefined;
  #state: 'running' | 'draining' | 'closed' = 'running';
  #timer: TimerHandle = undefined;
  #lastTick: number;
  #beating = false;
  /** Set once `minMembers` live nodes were seen: placement starts then. */
  #quorate = false;
  #mailbox: DurableMailbox | undefined;
  readonly #shards = new PlacedShards();
  readonly #stuckWatch: StuckWatch;
  /** Subtree units whose `start` is running (workers started meanwhile are theirs). */
  readonly #starting = new Set<string>();
  /** Worker actor → the subtree unit that started it. */
  readonly #workerUnits = new Map<string, string>();
  /** Actors found stuck at the last check. */
  #stuck = new Set<string>();
  #reconciling = false;
  #again = false;
  #resolveClosed!: (error: Error | undefined) => void;

  private constructor(parts: NodeParts) {
    const { config } = parts;
    this.#config = config;
    this.id = config.node;
    this.namespace = config.namespace;
    this.run = parts.run;
    const { mailbox } = config;
    this.#agents =
      mailbox === undefined
        ? parts.agents
        : { ...parts.agents, [SHARD_AGENT]: { start: (ctx) => this.#startShard(ctx) } };
    this.#clock = parts.clock;
    this.#logger = parts.logger;
    this.transport = parts.transport;
    this.membership = parts.membership;
    this.placements = parts.placements;
    this.#store = parts.store;
    this.#journal = parts.journal;
    const shardUnits: ClusterUnit[] = Array.from({ length: mailbox?.shards ?? 0 }, (_, s) => ({
      name: mailboxShardUnit(s),
      agent: SHARD_AGENT,
      placement: 'any',
    }));
    const units = [...config.units, ...shardUnits];
    this.#units = new Map(units.map((u) => [u.name, u]));
    this.#planned = units.map((u) => ({
      name: u.name,
      placement: u.placement === 'any' ? {} : u.placement,
    }));
    this.#startedAt = parts.clock.now();
    this.#lastTick = parts.clock.monotonic();
    this.system = createActorSystem(
      { namespace: config.namespace },
      { transport: parts.transport, clock: parts.clock, logger: parts.logger },
    );
    this.#stuckWatch = new StuckWatch(this.system, { clock: parts.clock });
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
    const config = parseOptions(ClusterNodeOptionsSchema, options, 'cluster node');
    config.units.forEach((unit, i) => {
      if (!Object.hasOwn(deps.agents, unit.agent)) {
        throw new RuntimeError(
          ErrorCode.UnknownAgent,
          `units[${i}].agent: no agent named ${JSON.stringify(unit.agent)} (known: ${Object.keys(deps.agents).join(', ')})`,
          { details: { path: `units[${i}].agent`, agent: unit.agent } },
        );
      }
    });
    config.mailbox?.actors.forEach((actor, i) => {
      const path = `mailbox.actors[${i}].agent`;
      if (!Object.hasOwn(deps.agents, actor.agent)) {
        throw new RuntimeError(
          ErrorCode.UnknownAgent,
          `${path}: no agent named ${JSON.stringify(actor.agent)} (known: ${Object.keys(deps.agents).join(', ')})`,
          { details: { path, agent: actor.agent } },
        );
      }
      if (!('logic' in (deps.agents[actor.agent] as ClusterAgent))) {
        throw new RuntimeError(
          ErrorCode.InvalidOptions,
          `${path}: agent ${JSON.stringify(actor.agent)} starts a subtree; a mailbox actor needs \`logic\``,
          { details: { issues: [{ path, message: 'must be a single-actor agent' }] } },
        );
      }
    });
    const clock = deps.clock ?? systemClock;
    const run = randomBytes(6).toString('base64url');
    const logger = (deps.logger ?? silentLogger()).child({ node: config.node, run });
    const transport = await NatsTransport.connect(
      { ...deps.connectOptions, servers: config.servers, name: `agentvisor-${config.node}` },
      {
        ...(config.auth === undefined ? {} : { auth: config.auth }),
        ...(config.tls === undefined ? {} : { tls: config.tls }),
      },
      { clock, logger },
    );
    try {
      const nc = transport.connection;
      const {
        membership,
        placements: table,
        store,
        journal,
      } = await openClusterTables(
        nc,
        {
          namespace: config.namespace,
          node: config.node,
          run,
          roles: config.roles,
          startedAt: clock.now(),
          deadAfterMs: config.deadAfterMs,
          memberTtlMs: config.memberTtlMs,
          buckets: config.buckets,
        },
        { clock, logger },
      );
      const node = new ClusterNode({
        config,
        run,
        agents: deps.agents,
        clock,
        logger,
        transport,
        membership,
        placements: table,
        store,
        journal,
      });
      if (config.mailbox !== undefined) {
        const { actors: _actors, ...settings } = config.mailbox;
        // Consumes nothing until a shard unit starts here (the node's placement drives it).
        node.#mailbox = await DurableMailbox.open(
          nc,
          { ...settings, namespace: config.namespace, nodeId: config.node },
          { system: node.system, ownership: node.#shards, clock, logger },
        );
      }
      await node.#start();
      return node;
    } catch (err) {
      await transport.close();
      throw err;
    }
  }

  // --- public API ---

  /** Delivers this node's cluster events from now on. */
  onEvent(listener: (event: ClusterEvent) => void): Disposable {
    this.#listeners.add(listener);
    return disposable(() => {
      this.#listeners.delete(listener);
    });
  }

  /**
   * The units this node runs, with their actor state; a subtree unit whose handle describes
   * itself lists its children (parked ones included) with their actors' counters, and its open
   * escalations.
   */
  status(): NodeStatus {
    const units: UnitStatus[] = [...this.#local].map(([name, local]) => {
      const info = local.handle === undefined ? this.system.describe(name) : undefined;
      const base = {
        name,
        agent: this.#units.get(name)?.agent ?? '',
        epoch: local.epoch,
        status:
          (info?.status === 'running' && this.#stuck.has(name) ? 'stuck' : info?.status) ??
          (local.status === 'starting'
            ? 'starting'
            : local.status === 'failed'
              ? 'failed'
              : 'running'),
        incarnation: info?.incarnation ?? 0,
        processed: info?.processed ?? 0,
        mailboxSize: info?.mailboxSize ?? 0,
      } as const;
      const report = this.#describeSubtree(name, local.handle);
      if (report === undefined) return base;
      const children = report.children.map((child) => {
        const actor = child.type === 'worker' ? this.system.describe(child.name) : undefined;
        return {
          ...child,
          ...(this.#stuck.has(child.name) ? { status: 'stuck' } : {}),
          incarnation: actor?.incarnation ?? 0,
          processed: actor?.processed ?? 0,
          mailboxSize: actor?.mailboxSize ?? 0,
        };
      });
      return {
        ...base,
        processed: children.reduce((sum, c) => sum + c.processed, 0),
        mailboxSize: children.reduce((sum, c) => sum + c.mailboxSize, 0),
        children,
        openEscalations: report.openEscalations,
      };
    });
    return {
      node: this.id,
      run: this.run,
      roles: this.#config.roles,
      namespace: this.namespace,
      state: this.#state,
      startedAt: this.#startedAt,
      units,
    };
  }

  #describeSubtree(unit: string, handle: UnitHandle | undefined): UnitReport | undefined {
    try {
      return handle?.describe?.();
    } catch (err) {
      this.#logger.warn({ err, unit }, 'a unit handle failed to describe itself');
      return undefined;
    }
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
    return [...this.#local.keys()];
  }

  /**
   * Leaves the cluster gracefully: stops taking messages, lets each unit finish what it has
   * queued (up to `drainTimeoutMs`), checkpoints it, stops it and releases its placement (other
   * nodes take it over at once, without waiting for this node to be declared dead), removes its
   * heartbeat and closes the connection.
   */
  async drain(): Promise<void> {
    if (this.#state !== 'running') {
      await this.closed;
      return;
    }
    this.#state = 'draining';
    this.#logger.info({ units: this.#local.size }, 'draining');
    await this.membership.beat(this.#local.size, 'leaving');
    await Promise.all(this.#busy.values());
    const units = [...this.#local.keys()];
    for (const unit of units) this.system.detach(unit);
    await Promise.all(units.map((unit) => this.#handOver(unit)));
    await this.membership.leave();
    await this.#shutdown(true);
  }

  /**
   * Closes at once, like a crash as far as the cluster is concerned: nothing is checkpointed or
   * released, and other nodes take the units over once this node's heartbeat is missed.
   */
  async close(): Promise<void> {
    if (this.#state === 'closed') {
      await this.closed;
      return;
    }
    this.#state = 'closed';
    // The connection goes first, so nothing more is written.
    await this.transport.close();
    await this.#shutdown(false);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.drain();
  }

  // --- lifecycle ---

  async #start(): Promise<void> {
    await this.membership.start();
    await this.#refuseDuplicate();
    await this.membership.beat(0);
    await this.placements.start();
    this.#disposables.push(
      this.placements.onChange(() => {
        this.#requestReconcile();
      }),
      this.membership.onEvent((event) => {
        this.#emit({ type: 'member', event });
        this.#requestReconcile();
      }),
      this.system.onLifecycle((event) => {
        if (event.type === 'started' && !this.#units.has(event.name) && this.#starting.size === 1)
          for (const unit of this.#starting) this.#workerUnits.set(event.name, unit);
        if (event.type !== 'failed') return;
        if (this.#local.has(event.name)) {
          this.#onUnitFailed(event.name, event.error);
          return;
        }
        // A subtree's worker refused as a stale writer: its supervisor stops it (never restarts
        // it in place); the unit is re-checked, and restarted here while its placement is ours.
        const unit = this.#unitOfWorker(event.name);
        if (unit !== undefined && isRuntimeError(event.error, ErrorCode.PersistenceConflict))
          this.#onUnitFailed(unit, event.error);
      }),
    );
    this.#control = this.transport.connection.subscribe(this.system.subjects.node(this.id), {
      callback: (err, msg) => {
        if (err === null) msg.respond(JSON.stringify(this.status()));
      },
    });
    this.#logger.info({ roles: this.#config.roles }, 'node joined');
    this.#tick();
  }

  /** Another process heartbeating under this node id makes this one refuse to start. */
  async #refuseDuplicate(): Promise<void> {
    const first = await this.membership.readOwn();
    if (first === undefined) return;
    // A key from an earlier run may linger until it expires: it is live only if it moves.
    await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, this.#config.deadAfterMs));
    const again = await this.membership.readOwn();
    if (
      again !== undefined &&
      again.revision !== first.revision &&
      again.record?.run !== this.run
    ) {
      throw new RuntimeError(
        ErrorCode.NodeExists,
        `A live node already heartbeats as ${this.id} (run ${again.record?.run ?? '?'})`,
        { details: { node: this.id } },
      );
    }
  }

  async #shutdown(graceful: boolean): Promise<void> {
    this.#state = 'closed';
    this.#clock.clearTimeout(this.#timer);
    this.membership.stop();
    this.placements.stop();
    this.#stuckWatch.dispose();
    for (const d of this.#disposables.splice(0)) d.dispose();
    try {
      this.#control?.unsubscribe();
    } catch {
      // The connection is already closed.
    }
    try {
      // Gives up every shard still owned and settles what is in progress.
      await this.#mailbox?.stop();
    } catch (err) {
      this.#logger.warn({ err }, 'stopping the durable mailbox failed');
    }
    await this.system.shutdown();
    this.#local.clear();
    await Promise.allSettled([this.#store.close(), this.#journal.close()]);
    if (graceful) await this.transport.drain();
    else await this.transport.close();
    this.#logger.info({ graceful }, 'node closed');
    this.#resolveClosed(undefined);
  }

  // --- the loop ---

  #tick(): void {
    if (this.#state === 'closed') return;
    const now = this.#clock.monotonic();
    const gap = now - this.#lastTick;
    this.#lastTick = now;
    // Timers far behind: this process was stalled (paused, swapped out) and may have been
    // declared dead meanwhile.
    if (gap > this.#config.deadAfterMs) this.#stalled('process stalled', gap);
    void this.#beat();
    this.membership.sweep();
    this.#checkStuck();
    this.#requestReconcile();
    this.#timer = this.#clock.setTimeout(() => {
      this.#tick();
    }, this.#config.heartbeatMs);
  }

  async #beat(): Promise<void> {
    if (this.#beating || this.#state !== 'running') return;
    this.#beating = true;
    try {
      const silence = this.membership.ownSilenceMs;
      const ok = await this.membership.beat(this.#local.size);
      if (ok && silence > this.#config.deadAfterMs) this.#stalled('heartbeats failed', silence);
    } finally {
      this.#beating = false;
    }
  }

  /** After a stall this node could not observe others, and others may have taken its units. */
  #stalled(reason: string, ms: number): void {
    this.#logger.warn({ reason, ms }, 'stalled: re-checking every placement held');
    this.membership.forgive();
    for (const unit of [...this.#local.keys()]) {
      void this.placements.read(unit).then(
        (placement) => {
          if (this.#local.has(unit) && !this.#isMine(placement) && !this.#busy.has(unit))
            this.#lose(unit, placement);
        },
        (err: unknown) => {
          this.#logger.warn({ err, unit }, 'could not re-check a placement');
        },
      );
    }
  }

  /** The `stuck` signal: actors owing work with no transition past their step deadline. */
  #checkStuck(): void {
    const actors: { name: string; stepMs: number; unit: string }[] = [];
    for (const [unit, local] of this.#local) {
      if (local.status !== 'running') continue;
      if (local.handle === undefined) {
        actors.push({ name: unit, stepMs: this.#stepMsOf(unit), unit });
        continue;
      }
      for (const child of this.#describeSubtree(unit, local.handle)?.children ?? []) {
        if (child.type === 'worker')
          actors.push({ name: child.name, stepMs: this.#config.stuckAfterMs, unit });
      }
    }
    const unitOf = new Map(actors.map((a) => [a.name, a.unit]));
    let found;
    try {
      found = this.#stuckWatch.check(actors);
    } catch (err) {
      this.#logger.warn({ err }, 'stuck check failed');
      return;
    }
    this.#stuck = new Set(found.map((s) => s.name));
    for (const s of found) {
      if (!s.newly) continue;
      const unit = unitOf.get(s.name) ?? s.name;
      this.#logger.warn(
        { unit, actor: s.name, sinceMs: s.sinceMs, owed: s.owed },
        'stuck: work owed and no transition past its step deadline',
      );
      this.#emit({ type: 'stuck', unit, actor: s.name, sinceMs: s.sinceMs, owed: s.owed });
    }
  }

  #unitOfWorker(name: string): string | undefined {
    for (const [unit, local] of this.#local) {
      const children = this.#describeSubtree(unit, local.handle)?.children ?? [];
      if (children.some((c) => c.name === name)) return unit;
    }
    const unit = this.#workerUnits.get(name);
    return unit !== undefined && this.#local.get(unit)?.handle !== undefined ? unit : undefined;
  }

  #stepMsOf(unit: string): number {
    const spec = this.#units.get(unit);
    const agent = spec === undefined ? undefined : this.#agents[spec.agent];
    if (agent === undefined || !('logic' in agent)) return this.#config.stuckAfterMs;
    const fromTemplate = (agent.logic as { stepMs?: unknown }).stepMs;
    return (
      agent.stuckAfterMs ??
      (typeof fromTemplate === 'number' ? fromTemplate : this.#config.stuckAfterMs)
    );
  }

  #requestReconcile(): void {
    if (this.#reconciling) {
      this.#again = true;
      return;
    }
    this.#reconciling = true;
    try {
      do {
        this.#again = false;
        this.#reconcile();
      } while (this.#wantsAgain());
    } finally {
      this.#reconciling = false;
    }
  }

  /** Read through a method: TypeScript keeps `#again` narrowed across the call otherwise. */
  #wantsAgain(): boolean {
    return this.#again;
  }

  #reconcile(): void {
    if (this.#state !== 'running') return;
    // Copies whose unit another node owns now stop at once, without writing.
    for (const unit of [...this.#local.keys()]) {
      const placement = this.placements.get(unit);
      if (!this.#isMine(placement) && !this.#busy.has(unit)) this.#lose(unit, placement);
    }
    // A node whose own heartbeats fail claims nothing: it may be the one cut off.
    if (this.membership.ownSilenceMs > this.#config.deadAfterMs) return;
    const live = this.#candidates();
    if (!this.#quorate) {
      if (live.length < this.#config.minMembers) return;
      this.#quorate = true;
    }
    const plan = planPlacements(this.#planned, this.placements.all(), live);
    const now = this.#clock.monotonic();
    for (const unit of [...this.#orphanSince.keys()])
      if (!plan.has(unit)) this.#orphanSince.delete(unit);
    for (const [unit, target] of plan) {
      const since = this.#orphanSince.get(unit) ?? now;
      this.#orphanSince.set(unit, since);
      // The planned node claims at once; when it has not within 2 × deadAfterMs (its view
      // differs, it is slow, or it just died), any eligible node may.
      const overdue = now - since > 2 * this.#config.deadAfterMs && this.#eligible(unit);
      const backingOff = (this.#startFailures.get(unit)?.retryAt ?? 0) > now;
      if ((target === this.id || overdue) && !this.#busy.has(unit) && !backingOff)
        this.#track(unit, this.#claim(unit));
    }
  }

  #candidates(): PlacementCandidate[] {
    const others = this.membership
      .live()
      .filter((m) => m.node !== this.id)
      .map((m) => ({ node: m.node, run: m.run, roles: m.roles, accepting: m.status === 'up' }));
    return [
      ...others,
      { node: this.id, run: this.run, roles: this.#config.roles, accepting: true },
    ];
  }

  #eligible(unit: string): boolean {
    const placement = this.#units.get(unit)?.placement;
    const role = placement === undefined || placement === 'any' ? undefined : placement.role;
    return role === undefined || this.#config.roles.includes(role);
  }

  #isMine(placement: Placement | undefined): boolean {
    const record = placement?.record;
    return record?.status === 'active' && record.node === this.id && record.run === this.run;
  }

  /** Runs one operation per unit at a time (claim, restart); others wait for the next pass. */
  #track(unit: string, work: Promise<void>): void {
    this.#busy.set(unit, work);
    void work.finally(() => {
      if (this.#busy.get(unit) === work) this.#busy.delete(unit);
      this.#requestReconcile();
    });
  }

  // --- units ---

  async #claim(unit: string): Promise<void> {
    try {
      const previous = await this.placements.read(unit);
      if (this.#state !== 'running' || isOwnedByLive(previous, this.#candidates())) return;
      const outcome = await this.placements.claim(unit, { node: this.id, run: this.run }, previous);
      if (!outcome.ok) {
        this.#logger.debug({ unit, reason: outcome.reason }, 'claim lost');
        return;
      }
      const epoch = outcome.placement.record?.epoch ?? 0;
      const from = previous?.record?.node;
      this.#logger.info({ unit, epoch, from }, 'claimed');
      this.#emit({ type: 'claimed', unit, epoch, ...(from === undefined ? {} : { from }) });
      await this.#startUnit(unit, epoch);
    } catch (err) {
      this.#logger.warn({ err, unit }, 'claim failed');
    }
  }

  /** Restores the unit from its checkpoint and journal and runs it here. */
  async #startUnit(unit: string, epoch: number): Promise<void> {
    const spec = this.#units.get(unit);
    const agent = spec === undefined ? undefined : this.#agents[spec.agent];
    if (spec === undefined || agent === undefined) return;
    const previous = this.#local.get(unit)?.handle;
    const local: LocalUnit = { epoch, status: 'starting' };
    this.#local.set(unit, local);
    const began = this.#clock.monotonic();
    // A copy left from before (failed, fenced) goes first; stopping writes nothing.
    if (this.system.describe(unit) !== undefined) this.system.stop(unit, 'shutdown');
    if (previous !== undefined) {
      try {
        await previous.stop();
      } catch (err) {
        this.#logger.warn({ err, unit }, 'stopping the previous copy of a subtree failed');
      }
    }
    if ('start' in agent) {
      this.#starting.add(unit);
      try {
        local.handle = await agent.start({
          unit,
          system: this.system,
          store: this.#store,
          journal: this.#journal,
          input: spec.input,
          epoch,
        });
      } catch (error) {
        await this.#didNotStart(unit, local, error);
        return;
      } finally {
        this.#starting.delete(unit);
      }
      this.#started(unit, local, began);
      return;
    }
    try {
      await this.#spawnActor(unit, spec.agent, agent, spec.input);
    } catch (error) {
      await this.#didNotStart(unit, local, error);
      return;
    }
    this.#started(unit, local, began);
  }

  /**
   * A start that failed gives the unit up (released: any node may try it) and keeps this node
   * from claiming it again before a back-off: 250 ms doubling to 30 s.
   */
  async #didNotStart(unit: string, local: LocalUnit, error: unknown): Promise<void> {
    local.status = 'failed';
    const failures = this.#startFailures.get(unit) ?? {
      count: 0,
      retryAt: 0,
      delays: backoffDelays(START_BACKOFF, () => 0),
    };
    failures.count += 1;
    const backOffMs = failures.delays.next().value;
    failures.retryAt = this.#clock.monotonic() + backOffMs;
    this.#startFailures.set(unit, failures);
    const count = failures.count;
    this.#logger.error({ err: error, unit, failures: count, backOffMs }, 'unit did not start');
    this.#emit({ type: 'unit-failed', unit, error });
    if (this.system.describe(unit) !== undefined) this.system.stop(unit, 'shutdown');
    if (this.#local.get(unit) === local) await this.#release(unit);
  }

  async #spawnActor(
    name: string,
    agentName: string,
    agent: ClusterActorAgent,
    input: unknown,
  ): Promise<void> {
    const version =
      agent.machineVersion ?? (isActorTemplate(agent.logic) ? agent.logic.version : undefined) ?? 1;
    await this.system.spawnDurable(name, agent.logic, {
      ...(input === undefined ? {} : { input }),
      persistence: {
        store: this.#store,
        journal: this.#journal,
        machineId: agentName,
        machineVersion: version,
        ...(agent.policy === undefined ? {} : { policy: agent.policy }),
        ...(agent.migrate === undefined ? {} : { migrate: agent.migrate }),
      },
    });
  }

  /**
   * A mailbox shard unit (Akka Cluster Sharding's shard): restores the shard's actors here, then
   * consumes the shard. Stopping gives the shard up (its unacknowledged messages go to the next
   * owner) and stops the actors, writing nothing.
   */
  async #startShard({ unit, epoch }: UnitContext): Promise<UnitHandle> {
    const mailbox = this.#config.mailbox;
    if (mailbox === undefined) throw new Error('no mailbox section');
    const shard = Number(unit.slice(mailboxShardUnit(0).length - 1));
    const actors = mailbox.actors.filter((a) => shardOf(a.name, mailbox.shards) === shard);
    const stopActors = () => {
      for (const { name } of actors)
        if (this.system.describe(name) !== undefined) this.system.stop(name, 'shutdown');
    };
    try {
      for (const actor of actors) {
        // A copy left from before (failed, fenced) goes first; stopping writes nothing.
        if (this.system.describe(actor.name) !== undefined)
          this.system.stop(actor.name, 'shutdown');
        const agent = this.#agents[actor.agent] as ClusterActorAgent;
        await this.#spawnActor(actor.name, actor.agent, agent, actor.input);
      }
    } catch (error) {
      stopActors();
      throw error;
    }
    this.#shards.acquire(shard, epoch);
    return {
      stop: () => {
        this.#shards.release(shard);
        stopActors();
        return Promise.resolve();
      },
    };
  }

  #started(unit: string, local: LocalUnit, began: number): void {
    local.status = 'running';
    this.#startFailures.delete(unit);
    const recoveryMs = this.#clock.monotonic() - began;
    this.#logger.info({ unit, epoch: local.epoch, recoveryMs }, 'unit started');
    this.#emit({ type: 'started', unit, epoch: local.epoch, recoveryMs });
    // Lost while starting (the watch saw a newer claim): the next pass stops it.
    this.#requestReconcile();
  }

  #onUnitFailed(unit: string, error: unknown): void {
    const local = this.#local.get(unit);
    if (local === undefined) return;
    local.status = 'failed';
    this.#emit({ type: 'unit-failed', unit, error });
    // A fenced write: another writer moved the journal or checkpoint. If the placement is still
    // ours, that was a stale owner's last write before it stopped: restore again from what is
    // stored. Otherwise the unit is someone else's now.
    if (!isRuntimeError(error, ErrorCode.PersistenceConflict) || this.#busy.has(unit)) return;
    this.#track(
      unit,
      (async () => {
        try {
          const placement = await this.placements.read(unit);
          if (!this.#isMine(placement)) this.#lose(unit, placement);
          else if (this.#state === 'running') await this.#startUnit(unit, local.epoch);
        } catch (err) {
          this.#logger.warn({ err, unit }, 'could not re-check a fenced unit');
        }
      })(),
    );
  }

  /** Another node owns the unit now: stop the local copy (stopping writes nothing). */
  #lose(unit: string, placement: Placement | undefined): void {
    const handle = this.#local.get(unit)?.handle;
    this.#local.delete(unit);
    if (handle !== undefined) {
      handle.stop().catch((err: unknown) => {
        this.#logger.warn({ err, unit }, 'stopping a stale subtree failed');
      });
    } else if (this.system.describe(unit) !== undefined) {
      this.system.stop(unit, 'shutdown');
    }
    const owner = placement?.record?.node;
    const epoch = placement?.record?.epoch;
    this.#logger.warn({ unit, owner, epoch }, 'unit owned elsewhere: local copy stopped');
    this.#emit({
      type: 'lost',
      unit,
      ...(owner === undefined ? {} : { owner }),
      ...(epoch === undefined ? {} : { epoch }),
    });
  }

  /** Drain of one unit: finish the queue, checkpoint, stop, release. */
  async #handOver(unit: string): Promise<void> {
    const handle = this.#local.get(unit)?.handle;
    if (handle !== undefined) {
      // A subtree's workers journal every message before processing it: stopping loses nothing.
      try {
        await handle.stop();
      } catch (err) {
        this.#logger.warn({ err, unit }, 'stopping a subtree failed');
      }
      await this.#release(unit);
      return;
    }
    const deadline = this.#clock.monotonic() + this.#config.drainTimeoutMs;
    for (;;) {
      const info = this.system.describe(unit);
      if (info?.status !== 'running' || info.mailboxSize === 0) break;
      if (this.#clock.monotonic() >= deadline) {
        this.#logger.warn({ unit, queued: info.mailboxSize }, 'drain timeout: messages left');
        break;
      }
      await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, 5));
    }
    try {
      if (this.system.describe(unit)?.status === 'running') await this.system.checkpoint(unit);
    } catch (err) {
      this.#logger.warn({ err, unit }, 'final checkpoint failed');
    }
    if (this.system.describe(unit) !== undefined) this.system.stop(unit, 'shutdown');
    await this.#release(unit);
  }

  async #release(unit: string): Promise<void> {
    this.#local.delete(unit);
    try {
      const placement = await this.placements.read(unit);
      if (placement === undefined || !this.#isMine(placement)) return;
      const outcome = await this.placements.release(unit, placement);
      if (outcome.ok) this.#emit({ type: 'released', unit, epoch: placement.record?.epoch ?? 0 });
    } catch (err) {
      this.#logger.warn({ err, unit }, 'release failed; the unit moves when this node is dead');
    }
  }

  #emit(event: ClusterEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (err) {
        this.#logger.error({ err, event: event.type }, 'cluster listener threw');
      }
    }
  }
}
