/**
 * `agentvisor/node`: the composition root. A {@link ClusterNode} is one process's actor system on
 * NATS plus the units the cluster places on it; its options, events, config file loading and the
 * cluster status reader live here. The distribution substrate it stands on (membership, placement
 * table, cluster client) is in `agentvisor`.
 */
export { ClusterNode } from './ClusterNode.js';
export { StuckWatch } from './StuckWatch.js';
export type { StuckActor } from './StuckWatch.js';
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
  ClusterUnit,
} from './ClusterNodeOptions.js';
export type { ClusterEvent, NodeStatus, UnitStatus, UnitChildStatus } from './ClusterEvent.js';
export { planPlacements, isOwnedByLive } from './planPlacements.js';
export type { PlacementSpec, PlacementCandidate, PlannedUnit } from './planPlacements.js';
export { parseClusterConfig, loadClusterConfig } from './loadClusterConfig.js';
export { readClusterStatus } from './readClusterStatus.js';
export type { ClusterStatus, ReadClusterStatusOptions } from './readClusterStatus.js';
export { serveMetrics } from './serveMetrics.js';
export { serveHttp } from './serveHttp.js';
export type { HttpListener } from './serveHttp.js';
export type { MetricsServer, MetricsTarget, ServeMetricsOptions } from './serveMetrics.js';
export { MetricsEndpointSchema, parseMetricsAddress } from './MetricsEndpoint.js';
export type { MetricsEndpoint } from './MetricsEndpoint.js';
export { TreeSnapshotWriter } from './internal/TreeSnapshotWriter.js';
export type { TreeSnapshotDeps } from './internal/TreeSnapshotWriter.js';
