import { randomBytes } from 'node:crypto';
import type { Subscription as NatsSubscription } from '@nats-io/transport-node';
import {
  ErrorCode,
  NatsTransport,
  RuntimeError,
  openClusterTables,
  parseOptions,
  silentLogger,
  systemClock,
  type DurableMailbox,
  type Disposable,
} from 'agentvisor/internal';
import {
  ClusterNodeOptionsSchema,
  type ClusterAgent,
  type ClusterNodeConfig,
  type ClusterNodeDeps,
  type ClusterNodeOptions,
} from '../ClusterNodeOptions.js';
import type { NodeStatus } from '../ClusterEvent.js';
import type { Heartbeat } from './Heartbeat.js';
import type { NodeCore, NodeParts } from './NodeCore.js';
import { checkTreeAgents } from './treeUnits.js';
import type { UnitHost } from './UnitHost.js';

/**
 * Validates a node's options against its agents registry.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS for bad options (with paths), or a mailbox actor
 *   whose agent starts a subtree; ERR_UNKNOWN_AGENT for a unit or mailbox actor whose agent is
 *   not in `agents`.
 */
export function parseNodeOptions(
  options: ClusterNodeOptions,
  agents: Readonly<Record<string, ClusterAgent>>,
): ClusterNodeConfig {
  const config = parseOptions(ClusterNodeOptionsSchema, options, 'cluster node');
  const known = () => Object.keys(agents).join(', ');
  config.units.forEach((unit, i) => {
    if (!Object.hasOwn(agents, unit.agent)) {
      throw new RuntimeError(
        ErrorCode.UnknownAgent,
        `units[${i}].agent: no agent named ${JSON.stringify(unit.agent)} (known: ${known()})`,
        { details: { path: `units[${i}].agent`, agent: unit.agent } },
      );
    }
  });
  config.mailbox?.actors.forEach((actor, i) => {
    const path = `mailbox.actors[${i}].agent`;
    if (!Object.hasOwn(agents, actor.agent)) {
      throw new RuntimeError(
        ErrorCode.UnknownAgent,
        `${path}: no agent named ${JSON.stringify(actor.agent)} (known: ${known()})`,
        { details: { path, agent: actor.agent } },
      );
    }
    if (!('logic' in (agents[actor.agent] as ClusterAgent))) {
      throw new RuntimeError(
        ErrorCode.InvalidOptions,
        `${path}: agent ${JSON.stringify(actor.agent)} starts a subtree; a mailbox actor needs \`logic\``,
        { details: { issues: [{ path, message: 'must be a single-actor agent' }] } },
      );
    }
  });
  checkTreeAgents(config.root, agents);
  return config;
}

/**
 * Connects to NATS and opens the cluster's tables and the namespace's stores. The caller owns
 * the transport from then on (and closes it when what follows fails).
 *
 * @throws {RuntimeError} ERR_STORE_UNAVAILABLE when JetStream cannot be reached; ERR_AUTH, ERR_TLS
 *   when the server refuses the credentials or the TLS handshake fails.
 */
export async function connectNode(
  config: ClusterNodeConfig,
  deps: ClusterNodeDeps,
): Promise<NodeParts> {
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
    const tables = await openClusterTables(
      transport.connection,
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
    return { config, run, clock, logger, metrics: deps.metrics, transport, ...tables };
  } catch (err) {
    await transport.close();
    throw err;
  }
}

/** What a joined node holds until it shuts down. */
export interface Joined {
  readonly disposables: Disposable[];
  readonly control: NatsSubscription;
}

/**
 * Joins the cluster: watches membership (refusing to start when another live process heartbeats
 * under this id), heartbeats once, mirrors the placement table, wires placement, membership and
 * actor lifecycle events to the node's parts, answers `status` on the node's control subject and
 * starts the loop.
 *
 * @throws {RuntimeError} ERR_NODE_EXISTS when a live node already heartbeats under this id.
 */
export async function joinCluster(
  core: NodeCore,
  parts: { host: UnitHost; heartbeat: Heartbeat; status: () => NodeStatus },
): Promise<Joined> {
  await core.membership.start();
  await refuseDuplicate(core);
  await core.membership.beat(0);
  await core.placements.start();
  const disposables = [
    core.placements.onChange(() => {
      core.requestReconcile();
    }),
    core.membership.onEvent((event) => {
      core.emit({ type: 'member', event });
      core.requestReconcile();
    }),
    core.system.onLifecycle((event) => {
      parts.host.onLifecycle(event);
    }),
  ];
  const control = core.transport.connection.subscribe(core.system.subjects.node(core.id), {
    callback: (err, msg) => {
      if (err === null) msg.respond(JSON.stringify(parts.status()));
    },
  });
  core.logger.info({ roles: core.config.roles }, 'node joined');
  parts.heartbeat.tick();
  return { disposables, control };
}

/** Another process heartbeating under this node id makes this one refuse to start. */
async function refuseDuplicate(core: NodeCore): Promise<void> {
  const first = await core.membership.readOwn();
  if (first === undefined) return;
  // A key from an earlier run may linger until it expires: it is live only if it moves.
  await new Promise<void>((resolve) => core.clock.setTimeout(resolve, core.config.deadAfterMs));
  const again = await core.membership.readOwn();
  if (again !== undefined && again.revision !== first.revision && again.record?.run !== core.run) {
    throw new RuntimeError(
      ErrorCode.NodeExists,
      `A live node already heartbeats as ${core.id} (run ${again.record?.run ?? '?'})`,
      { details: { node: core.id } },
    );
  }
}

/**
 * The end of a node: stops the loop, the watches and the control subject, gives up the mailbox's
 * shards, shuts the actor system down and closes the stores and the connection (drained when
 * `graceful`).
 */
export async function shutdownNode(
  core: NodeCore,
  parts: {
    heartbeat: Heartbeat;
    joined: Joined | undefined;
    mailbox: DurableMailbox | undefined;
    graceful: boolean;
  },
): Promise<void> {
  core.state = 'closed';
  parts.heartbeat.stop();
  core.membership.stop();
  core.placements.stop();
  for (const d of parts.joined?.disposables.splice(0) ?? []) d.dispose();
  try {
    parts.joined?.control.unsubscribe();
  } catch {
    // The connection is already closed.
  }
  try {
    // Gives up every shard still owned and settles what is in progress.
    await parts.mailbox?.stop();
  } catch (err) {
    core.logger.warn({ err }, 'stopping the durable mailbox failed');
  }
  await core.system.shutdown();
  core.local.clear();
  await Promise.allSettled([core.store.close(), core.journal.close()]);
  if (parts.graceful) await core.transport.drain();
  else await core.transport.close();
  core.logger.info({ graceful: parts.graceful }, 'node closed');
}
