import type { NatsConnection } from '@nats-io/transport-node';
import type { Clock } from '../clock/index.js';
import { NATS_BUCKETS, kvToken, openBucket } from '../nats/index.js';
import { JetStreamCheckpointStore, JetStreamJournal } from '../persistence/index.js';
import type { Logger } from '../telemetry/index.js';
import { Membership, type MembershipConfig } from './Membership.js';
import { PlacementTable } from './PlacementTable.js';

/** The default names of the cluster's KV buckets (shared by every namespace). */
export const CLUSTER_BUCKETS: { readonly members: string; readonly placements: string } = {
  members: NATS_BUCKETS.members,
  placements: NATS_BUCKETS.placements,
};

/** What {@link openClusterTables} opens for one node. */
export interface ClusterTablesConfig extends MembershipConfig {
  /** The membership bucket's `max_age`: heartbeats of nodes gone for good expire. */
  readonly memberTtlMs: number;
  readonly buckets: { readonly members: string; readonly placements: string };
}

/** A node's view of the cluster's shared state, and the stores its units persist to. */
export interface ClusterTables {
  readonly membership: Membership;
  readonly placements: PlacementTable;
  /** Checkpoints of the namespace's actors (its own bucket: names are unique per namespace). */
  readonly store: JetStreamCheckpointStore;
  /** Journals of the namespace's actors (its own stream). */
  readonly journal: JetStreamJournal;
}

/**
 * Opens (creating when missing) the membership and placement buckets and the namespace's
 * checkpoint store and journal, and wraps them in a {@link Membership} and a
 * {@link PlacementTable} for `config.node`. Neither is started.
 *
 * @throws {RuntimeError} ERR_STORE_UNAVAILABLE when JetStream cannot be reached.
 */
export async function openClusterTables(
  nc: NatsConnection,
  config: ClusterTablesConfig,
  deps: { clock: Clock; logger: Logger },
): Promise<ClusterTables> {
  const ns = kvToken(config.namespace);
  const [members, placements, store, journal] = await Promise.all([
    openBucket(nc, config.buckets.members, { history: 1, ttlMs: config.memberTtlMs }),
    openBucket(nc, config.buckets.placements, { history: 5, ttlMs: 0 }),
    // Actor names are unique per namespace only: each namespace gets its own stores.
    JetStreamCheckpointStore.open(nc, { bucket: `agentvisor_checkpoints_${ns}` }),
    JetStreamJournal.open(nc, {
      stream: `AGENTVISOR_JOURNAL_${ns}`,
      subjectPrefix: `av.journal.${ns}`,
    }),
  ]);
  const { memberTtlMs: _ttl, buckets, ...membershipConfig } = config;
  const membership = new Membership(members, membershipConfig, deps);
  const table = new PlacementTable(placements, config.namespace, {
    ...deps,
    nc,
    bucket: buckets.placements,
  });
  return { membership, placements: table, store, journal };
}
