export {
  ClusterClient,
  ClusterClientOptionsSchema,
  ClientAskOptionsSchema,
  ClientRetrySchema,
} from './ClusterClient.js';
export type {
  ClusterClientOptions,
  ClusterClientDeps,
  ClientAskOptions,
  ClientTellOptions,
} from './ClusterClient.js';
export type { UnitContext, UnitHandle, UnitReport, UnitChildReport } from './UnitHandle.js';
export { openClusterTables, CLUSTER_BUCKETS } from './openClusterTables.js';
export type { ClusterTables, ClusterTablesConfig } from './openClusterTables.js';
export { readClusterMembers, readClusterPlacements } from './readClusterTables.js';
export type { StoredPlacement, ClusterTablesLocation } from './readClusterTables.js';
export { Membership } from './Membership.js';
export type { MembershipConfig } from './Membership.js';
export { MemberRecordSchema } from './MemberRecord.js';
export type { MemberRecord, Member, MembershipEvent } from './MemberRecord.js';
export { PlacementTable } from './PlacementTable.js';
export type { PlacementOutcome } from './PlacementTable.js';
export { PlacementRecordSchema } from './PlacementRecord.js';
export type { PlacementRecord, Placement } from './PlacementRecord.js';
export { BreakerKvSync, syncBreakersWithKv, BreakerKvSyncOptionsSchema } from './BreakerKvSync.js';
export type { BreakerKvSyncOptions, BreakerSyncApplied } from './BreakerKvSync.js';
