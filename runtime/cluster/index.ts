export { ClusterNode } from './ClusterNode.js';
export { StuckWatch } from './StuckWatch.js';
export type { StuckActor } from './StuckWatch.js';
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
export {
  ClusterNodeOptionsSchema,
  ClusterUnitSchema,
  UnitPlacementSchema,
  ClusterMailboxSchema,
  MailboxActorSchema,
  mailboxShardUnit,
} from './ClusterNodeOptions.js';
export type {
  ClusterNodeOptions,
  ClusterNodeConfig,
  ClusterNodeDeps,
  ClusterAgent,
  ClusterActorAgent,
  ClusterSubtreeAgent,
  UnitContext,
  UnitHandle,
  UnitReport,
  UnitChildReport,
  ClusterUnit,
} from './ClusterNodeOptions.js';
export type { ClusterEvent, NodeStatus, UnitStatus, UnitChildStatus } from './ClusterEvent.js';
export { Membership } from './Membership.js';
export type { MembershipConfig } from './Membership.js';
export { MemberRecordSchema } from './MemberRecord.js';
export type { MemberRecord, Member, MembershipEvent } from './MemberRecord.js';
export { PlacementTable } from './PlacementTable.js';
export type { PlacementOutcome } from './PlacementTable.js';
export { PlacementRecordSchema } from './PlacementRecord.js';
export type { PlacementRecord, Placement } from './PlacementRecord.js';
export { planPlacements, isOwnedByLive } from './planPlacements.js';
export type { PlacementSpec, PlacementCandidate, PlannedUnit } from './planPlacements.js';
export { parseClusterConfig, loadClusterConfig } from './loadClusterConfig.js';
export { readClusterStatus } from './readClusterStatus.js';
export type { ClusterStatus, ReadClusterStatusOptions } from './readClusterStatus.js';
export { BreakerKvSync, syncBreakersWithKv, BreakerKvSyncOptionsSchema } from './BreakerKvSync.js';
export type { BreakerKvSyncOptions, BreakerSyncApplied } from './BreakerKvSync.js';
