import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { systemClock, type Clock } from '../clock/index.js';
import { createSubjects } from '../transport/index.js';
import type { NodeStatus } from './ClusterEvent.js';
import {
  NATS_BUCKETS,
  decodeRecord,
  fromKvToken,
  kvToken,
  listKeys,
  openExistingBucket,
} from '../nats/index.js';
import { MemberRecordSchema, type MemberRecord } from './MemberRecord.js';
import { PlacementRecordSchema, type PlacementRecord } from './PlacementRecord.js';

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
  const prefix = `${kvToken(namespace)}.`;
  const membersBucket = options.buckets?.members ?? NATS_BUCKETS.members;
  const placementsBucket = options.buckets?.placements ?? NATS_BUCKETS.placements;
  const [members, placements] = await Promise.all([
    openExistingBucket(nc, membersBucket),
    openExistingBucket(nc, placementsBucket),
  ]);
  const memberRecords = (await readAll(nc, members, membersBucket, prefix))
    .map((e) => decodeRecord(MemberRecordSchema, e.value))
    .filter((r): r is MemberRecord => r !== undefined);
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
  const placementEntries = (await readAll(nc, placements, placementsBucket, prefix)).map((e) => ({
    unit: fromKvToken(e.key.slice(prefix.length)),
    record: decodeRecord(PlacementRecordSchema, e.value),
    revision: e.revision,
  }));
  placementEntries.sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
  return { namespace, nodes, placements: placementEntries };
}

async function readAll(
  nc: NatsConnection,
  kv: KV | undefined,
  bucket: string,
  prefix: string,
): Promise<{ key: string; value: Uint8Array; revision: number }[]> {
  if (kv === undefined) return [];
  const keys = await listKeys(nc, bucket, `${prefix}>`);
  const entries = await Promise.all(keys.map((key) => kv.get(key)));
  return entries.flatMap((e) =>
    e === null || e.operation !== 'PUT'
      ? []
      : [{ key: e.key, value: e.value, revision: e.revision }],
  );
}
