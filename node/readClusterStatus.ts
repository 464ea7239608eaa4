import type { NatsConnection } from '@nats-io/transport-node';
import {
  createSubjects,
  readClusterMembers,
  readClusterPlacements,
  systemClock,
  type Clock,
  type MemberRecord,
  type PlacementRecord,
} from 'agentvisor/internal';
import type { NodeStatus } from './ClusterEvent.js';

/** Options of {@link readClusterStatus}. */
export interface ReadClusterStatusOptions {
  /** @default 'default' */
  namespace?: string;
  /** @default { members: 'agentvisor_members', placements: 'agentvisor_placements' } */
  buckets?: { members?: string; placements?: string };
  /** How long each node has to answer with its units. @default 1_000 */
  timeoutMs?: number;
  /**
   * A node that does not answer and whose last heartbeat is older than this (wall clock) is
   * reported `dead`; the nodes' own setting. Live nodes prune a dead node's heartbeat after
   * 10 × their `deadAfterMs`. @default 1_000
   */
  deadAfterMs?: number;
  clock?: Clock;
}

/** What `agentvisor status` shows: nodes, placements and the units each node runs. */
export interface ClusterStatus {
  readonly namespace: string;
  readonly nodes: readonly {
    readonly record: MemberRecord;
    /** Wall-clock ms since its last heartbeat was written. */
    readonly ageMs: number;
    /** The node's answer on its control subject; undefined when it did not answer in time. */
    readonly status: NodeStatus | undefined;
    /**
     * Did not answer and its last heartbeat is older than `deadAfterMs`: the node is gone (its
     * units move to others). Not answering with a fresh heartbeat is a slow or cut-off node.
     */
    readonly dead: boolean;
  }[];
  readonly placements: readonly {
    readonly unit: string;
    readonly record: PlacementRecord | undefined;
    readonly revision: number;
  }[];
}

/**
 * Reads the cluster's state from any connection: heartbeats and placements from their buckets,
 * and each node's units (actor status, processed count) from its control subject. Read-only: a
 * bucket that does not exist yet reads as empty.
 */
export async function readClusterStatus(
  nc: NatsConnection,
  options: ReadClusterStatusOptions = {},
): Promise<ClusterStatus> {
  const namespace = options.namespace ?? 'default';
  const clock = options.clock ?? systemClock;
  const location = {
    namespace,
    ...(options.buckets === undefined ? {} : { buckets: options.buckets }),
  };
  const memberRecords = await readClusterMembers(nc, location);
  const subjects = createSubjects(namespace);
  const now = clock.now();
  const nodes = await Promise.all(
    memberRecords.map(async (record) => {
      let status: NodeStatus | undefined;
      try {
        const reply = await nc.request(subjects.node(record.node), undefined, {
          timeout: options.timeoutMs ?? 1_000,
        });
        status = reply.json<NodeStatus>();
      } catch {
        status = undefined; // not answering: dead, stalled or cut off
      }
      const ageMs = now - record.at;
      const dead = status === undefined && ageMs > (options.deadAfterMs ?? 1_000);
      return { record, ageMs, status, dead };
    }),
  );
  const placements = await readClusterPlacements(nc, location);
  return { namespace, nodes, placements };
}
