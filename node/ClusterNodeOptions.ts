import type { NodeConnectionOptions } from '@nats-io/transport-node';
import type { AnyActorLogic } from 'xstate';
import { z } from 'zod';
import {
  CLUSTER_BUCKETS,
  DurableMailboxOptionsSchema,
  NatsTransportOptionsSchema,
  type ActorTemplate,
  type CheckpointMigration,
  type CheckpointPolicy,
  type Clock,
  type Logger,
  type MetricsRegistry,
  type UnitContext,
  type UnitHandle,
} from 'agentvisor/internal';
import {
  PolicySchema,
  SupervisorSpecSchema,
  type SupervisorSpec,
  type SupervisorSpecInput,
} from 'agentvisor/supervisors';
import { MetricsEndpointSchema } from './MetricsEndpoint.js';

const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const nodeId = z.string().regex(NODE_ID, 'must be 1-64 of [A-Za-z0-9_-]');
const role = z.string().min(1).max(64);

/**
 * Where a unit runs: `any` (the least loaded live node), `{ node }` (a preferred node; when it is
 * not alive the unit fails over like `any`), `{ role }` (only nodes with that role), or both.
 */
export const UnitPlacementSchema = z.union([
  z.literal('any'),
  z.strictObject({ node: nodeId.optional(), role: role.optional() }),
]);

/** One unit of the cluster: a durable actor placed on one node at a time. */
export const ClusterUnitSchema = z.strictObject({
  /** The actor's name, cluster-wide (its address, journal and checkpoints). */
  name: z.string().min(1).max(512),
  /** The agent to run: a key of the node's `agents` registry. */
  agent: z.string().min(1).max(128),
  /** @default 'any' */
  placement: UnitPlacementSchema.default('any'),
  /** Input of the actor's logic when it starts fresh. */
  input: z.unknown().optional(),
});

/** Unit name of mailbox shard `shard` when the node's `mailbox` section is on. */
export function mailboxShardUnit(shard: number): string {
  return `mailbox-shard-${String(shard)}`;
}

/** An actor whose messages come through the durable mailbox: hosted by its shard's unit. */
export const MailboxActorSchema = z.strictObject({
  /** The actor's name, cluster-wide: its shard is `shardOf(name, shards)`. */
  name: z.string().min(1).max(512),
  /** The agent to run: a key of the node's `agents` registry (a single-actor agent). */
  agent: z.string().min(1).max(128),
  /** Input of the actor's logic when it starts fresh. */
  input: z.unknown().optional(),
});

/**
 * The cluster-sharded durable mailbox (Akka Cluster Sharding's layout): each of `shards` is a
 * unit the cluster places (`mailbox-shard-<n>`); the node owning it runs the shard's `actors`,
 * then consumes the shard. Mailbox settings are those of `DurableMailbox.open`.
 */
export const ClusterMailboxSchema = DurableMailboxOptionsSchema.omit({
  namespace: true,
  nodeId: true,
  leases: true,
}).extend({
  /** The actors reached through the mailbox, spread over the shards. @default [] */
  actors: z.array(MailboxActorSchema).max(10_000).default([]),
});

/** A tree's root; a resolved one (a loaded config passed on to `ClusterNode.start`) parses too. */
const TreeRootSchema = SupervisorSpecSchema as z.ZodType<
  SupervisorSpec,
  SupervisorSpecInput | SupervisorSpec
>;

/** Options of a {@link ClusterNode} (and the body of a cluster config file). Defaults live here. */
export const ClusterNodeOptionsSchema = z
  .strictObject({
    /** This node's id, unique among live nodes. */
    node: nodeId,
    /** Roles this node offers to placement. @default [] */
    roles: z.array(role).max(32).default([]),
    /** Namespace: subject prefix, and the scope of membership and placement. @default 'default' */
    namespace: z.string().min(1).max(64).default('default'),
    /** NATS server URL(s). @default 'nats://127.0.0.1:4222' */
    servers: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .default('nats://127.0.0.1:4222'),
    /**
     * How the node authenticates to NATS: the transport's `auth` (user/password, token, nkey,
     * credentials file). A refused one fails the start with ERR_AUTH. @default none
     */
    auth: NatsTransportOptionsSchema.shape.auth,
    /** TLS to NATS: the transport's `tls`. A failed handshake is ERR_TLS. @default none */
    tls: NatsTransportOptionsSchema.shape.tls,
    /** Heartbeat period; also how often placement is reconciled. @default 250 */
    heartbeatMs: z.number().int().positive().default(250),
    /**
     * A node whose heartbeat has not arrived for this long is dead and its units fail over.
     * @default 1_000
     */
    deadAfterMs: z.number().int().positive().default(1_000),
    /** The membership bucket's `max_age`: heartbeats of nodes gone for good expire. @default 60_000 */
    memberTtlMs: z.number().int().positive().default(60_000),
    /**
     * Live nodes to wait for before this node places anything, once, at startup (Akka's
     * `min-nr-of-members`): otherwise the first node up takes every unit. @default 1
     */
    minMembers: z.number().int().positive().default(1),
    /**
     * Step deadline of actors whose agent names none: one running with work owed (messages, a
     * pending effect, refused messages) and no transition for longer is reported `stuck` (an
     * event, a log warning, `status`). An agent's `stuckAfterMs`, or a `defineAgent`'s
     * `timeouts.stepMs`, wins. @default 300_000 (defineAgent's default `stepMs`)
     */
    stuckAfterMs: z.number().int().positive().max(2_147_483_647).default(300_000),
    /** How long a drain waits for each unit's queued messages before it checkpoints. @default 10_000 */
    drainTimeoutMs: z.number().int().nonnegative().default(10_000),
    /** KV buckets, shared by every namespace (keys are per namespace). */
    buckets: z
      .strictObject({
        /** @default 'agentvisor_members' */
        members: z
          .string()
          .regex(/^[-\w]+$/)
          .default(CLUSTER_BUCKETS.members),
        /** @default 'agentvisor_placements' */
        placements: z
          .string()
          .regex(/^[-\w]+$/)
          .default(CLUSTER_BUCKETS.placements),
      })
      .prefault({}),
    /**
     * A module exporting `agents` (the registry units refer to), as a path relative to the config
     * file: read by `agentvisor node`; `ClusterNode.start` takes `deps.agents` instead.
     */
    agents: z.string().min(1).optional(),
    /** The units of the cluster: every node lists the same ones. @default [] */
    units: z.array(ClusterUnitSchema).max(10_000).default([]),
    /** Durable mailbox sharded over the cluster; `node.mailbox` when set. @default off */
    mailbox: ClusterMailboxSchema.optional(),
    /**
     * A supervision tree spread over the cluster (a policy file's `root`): each top-level child
     * is a unit (named `<root id>/<child id>`) that runs that child under a supervisor with the
     * root's flags, placed by `placement`. Workers are durable (the node's stores); a worker's
     * `agent` is a key of the agents registry (`agentvisor node` also accepts a module path).
     * The root's strategy must be `one-for-one`: units fail over on their own. @default none
     */
    root: TreeRootSchema.optional(),
    /**
     * Where the tree's top-level children run: child id → placement (as a unit's `placement`,
     * e.g. `{ team: { role: worker } }`). A child not listed goes anywhere. @default {}
     */
    placement: z.record(z.string(), UnitPlacementSchema).default({}),
    /**
     * Where `agentvisor node` serves `GET /metrics` (Prometheus text): `{ host, port }`, the
     * `--metrics [host:]port` flag wins. `ClusterNode.start` does not read it: call
     * `serveMetrics(node, …)` with `deps.metrics` a Prometheus registry. @default off
     */
    metrics: MetricsEndpointSchema.optional(),
    /**
     * Where `agentvisor node` serves the operator's console HTTP API: `{ host, port, tokens? }`
     * (tokens `[{ token, role: viewer | operator }]`; without them loopback only); the
     * `--console [host:]port` flag wins for host and port. `ClusterNode.start` does not read it.
     * @default off
     */
    console: MetricsEndpointSchema.extend({
      tokens: z
        .array(z.strictObject({ token: z.string().min(16), role: z.enum(['viewer', 'operator']) }))
        .optional(),
    }).optional(),
  })
  .superRefine((o, ctx) => {
    if (o.deadAfterMs < 2 * o.heartbeatMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['deadAfterMs'],
        message: `must be at least 2 × heartbeatMs (${2 * o.heartbeatMs}), got ${o.deadAfterMs}`,
      });
    }
    const seen = new Set<string>();
    o.units.forEach((unit, i) => {
      if (seen.has(unit.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['units', i, 'name'],
          message: `duplicate unit name ${JSON.stringify(unit.name)}`,
        });
      }
      seen.add(unit.name);
    });
    checkTree(o, seen, ctx);
    if (o.mailbox === undefined) return;
    for (let shard = 0; shard < o.mailbox.shards; shard++) {
      const i = o.units.findIndex((u) => u.name === mailboxShardUnit(shard));
      if (i >= 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['units', i, 'name'],
          message: `${mailboxShardUnit(shard)} is the mailbox's shard unit`,
        });
      }
    }
    const actors = new Set<string>();
    o.mailbox.actors.forEach((actor, i) => {
      if (actors.has(actor.name) || seen.has(actor.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['mailbox', 'actors', i, 'name'],
          message: `duplicate actor name ${JSON.stringify(actor.name)}`,
        });
      }
      actors.add(actor.name);
    });
  });

/** Unit name of the tree's top-level child `child` (see the `root` option). */
export function treeUnitName(rootId: string, child: string): string {
  return `${rootId}/${child}`;
}

/** The `root` and `placement` options: a tree the cluster can place, one unit per top child. */
function checkTree(
  o: {
    namespace: string;
    root?: SupervisorSpec | undefined;
    placement: Record<string, unknown>;
  },
  unitNames: ReadonlySet<string>,
  ctx: z.RefinementCtx,
): void {
  const { root } = o;
  if (root === undefined) {
    for (const id of Object.keys(o.placement))
      ctx.addIssue({ code: 'custom', path: ['placement', id], message: 'needs a `root` tree' });
    return;
  }
  // Actor names unique across the whole tree, as a policy file's.
  const policy = PolicySchema.safeParse({ namespace: o.namespace, root });
  for (const issue of policy.success ? [] : policy.error.issues)
    ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  if (root.strategy !== 'one-for-one') {
    ctx.addIssue({
      code: 'custom',
      path: ['root', 'strategy'],
      message: `a tree placed over a cluster restarts each top-level child on its own: must be "one-for-one", got ${JSON.stringify(root.strategy)} (put children that restart together in one subtree)`,
    });
  }
  const ids = new Set(root.children.map((c) => c.id));
  for (const id of Object.keys(o.placement)) {
    if (!ids.has(id)) {
      ctx.addIssue({
        code: 'custom',
        path: ['placement', id],
        message: `no top-level child ${JSON.stringify(id)} in root ${JSON.stringify(root.id)} (children: ${[...ids].join(', ')})`,
      });
    }
  }
  root.children.forEach((child, i) => {
    if (unitNames.has(treeUnitName(root.id, child.id))) {
      ctx.addIssue({
        code: 'custom',
        path: ['root', 'children', i, 'id'],
        message: `unit ${treeUnitName(root.id, child.id)} is also in \`units\``,
      });
    }
  });
}

/** What callers pass to `ClusterNode.start`. */
export type ClusterNodeOptions = z.input<typeof ClusterNodeOptionsSchema>;
/** The resolved options. */
export type ClusterNodeConfig = z.output<typeof ClusterNodeOptionsSchema>;
/** A unit as configured. */
export type ClusterUnit = z.output<typeof ClusterUnitSchema>;

/** What a node can run as a unit: one durable actor, or a subtree it starts itself. */
export type ClusterAgent = ClusterActorAgent | ClusterSubtreeAgent;

/** A durable actor: its logic and how it is checkpointed. */
export interface ClusterActorAgent {
  readonly logic: AnyActorLogic | ActorTemplate;
  /** Recorded in checkpoints. @default the template's `version`, else 1 */
  readonly machineVersion?: number | string;
  readonly policy?: CheckpointPolicy;
  readonly migrate?: CheckpointMigration;
  /**
   * Step deadline of this actor for the `stuck` signal. @default the template's `stepMs` (a
   * `defineAgent`'s `timeouts.stepMs`), else the node's `stuckAfterMs`
   */
  readonly stuckAfterMs?: number;
}

/**
 * A unit that starts itself on the node's system: a supervision tree, typically
 * (`createSupervisionTree(system, policy, { persistence: { store, journal } })`), whose durable
 * workers restore from the node's stores wherever the unit lands. Placed, failed over, fenced and
 * drained as a whole; `stop` must not write (it is also how a stale copy is stopped).
 */
export interface ClusterSubtreeAgent {
  start(context: UnitContext): Promise<UnitHandle>;
}

/** Capabilities of a node: kept out of the options schema (STYLE §5). */
export interface ClusterNodeDeps {
  /** The agents units refer to, by name. */
  agents: Readonly<Record<string, ClusterAgent>>;
  /** @default systemClock */
  clock?: Clock;
  /** @default a silent logger */
  logger?: Logger;
  /**
   * The node system's metrics registry; a `createPrometheusRegistry()` makes it servable with
   * `serveMetrics`. @default an in-memory registry
   */
  metrics?: MetricsRegistry;
  /**
   * Further nats.js connect options (e.g. an `authenticator` of your own); the options' `auth`
   * and `tls` are the usual way to secure the connection.
   */
  connectOptions?: Omit<NodeConnectionOptions, 'servers'>;
}
