/**
 * `agentvisor/internal`: the whole runtime surface, for the sibling layers (actors, supervisors,
 * node, ops) and the tests (the nats.js `internal_mod` pattern). Users import `agentvisor`: this
 * entry is that curated list (re-exported whole, so each name is listed once) plus the names below,
 * which may change in any release.
 */
export * from './index.js';

export { disposable, Listeners } from './events/index.js';
export { nextMacrotask } from './clock/index.js';
export {
  wireChain,
  failureSignature,
  messageOf,
  parseOptions,
  formatPath,
  describeYamlError,
} from './errors/index.js';
export type { OptionIssue, YamlSyntaxProblem } from './errors/index.js';
export {
  EnvelopeSchema,
  EnvelopeLimits,
  ENVELOPE_VERSION,
  ReplyType,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_MAX_DEPTH,
  encodeEnvelope,
  decodeEnvelope,
  encodeValue,
  decodeValue,
  validateEnvelope,
} from './codec/index.js';
export type { CodecResult, CodecOptions } from './codec/index.js';
export {
  openBucket,
  kvKey,
  casWrite,
  claimEpoch,
  nextEpoch,
  listKeys,
  encodeRecord,
  decodeRecord,
} from './nats/index.js';
export {
  createSubjects,
  encodeToken,
  decodeToken,
  NatsTransportOptionsSchema,
  NATS_CONNECT_DEFAULTS,
} from './transport/index.js';
export type { RejectedHandler, Subjects, NatsTransportDeps } from './transport/index.js';
export {
  ActorSystemOptionsSchema,
  DeadLetters,
  isActorTemplate,
  REPLY_EVENT,
} from './system/index.js';
export type { ReplyEmitted } from './system/index.js';
export {
  isSecretKey,
  DirectionSchema,
  isDetectorPreset,
  presetOfSignal,
  Hysteresis,
  median,
  robustStats,
  seriesId,
  alertFingerprint,
  alertLabels,
  InlineDetectorSchema,
  ThresholdOpSchema,
  ThresholdSchema,
  groupKeyOf,
  isNewer,
  TrendStore,
} from './telemetry/index.js';
export type {
  HysteresisConfig,
  RobustStats,
  MetricSeries,
  Counter,
  BoundCounter,
  Gauge,
  Histogram,
  Labels,
} from './telemetry/index.js';
export {
  CheckpointSchema,
  JournalEventSchema,
  JOURNAL_EVENT_KINDS,
  CheckpointPolicySchema,
  Persister,
  CheckpointWriter,
  encodeCheckpoint,
  decodeCheckpoint,
  encodeJournalEvent,
  decodeJournalEvent,
  DEFAULT_MAX_CHECKPOINT_BYTES,
  EffectLedger,
  uncertainEffect,
  failedOutcome,
} from './persistence/index.js';
export type {
  SkippedCheckpoint,
  Recovered,
  EffectRecord,
  CheckpointWriterDeps,
} from './persistence/index.js';
export {
  DeadlineOptionsSchema,
  IdleTimeoutOptionsSchema,
  backoffDelays,
  backoffDelayAt,
  RetryOptionsSchema,
  RETRYABLE_CLASSES,
  CircuitBreakerOptionsSchema,
  CircuitBreakerSnapshotSchema,
  BreakerRegistrySnapshotSchema,
  BulkheadOptionsSchema,
  FallbackOptionsSchema,
  BudgetOptionsSchema,
  BudgetSnapshotSchema,
  ResiliencePipelineOptionsSchema,
} from './resilience/index.js';
export type {
  DeadlineDeps,
  BackoffConfig,
  Jitter,
  StatelessBackoffConfig,
  RetryConfig,
  RetryContext,
  GiveUpReason,
  RetryableClass,
  RetryDeps,
  CircuitBreakerConfig,
  CircuitBreakerDeps,
  BreakerPermit,
  BreakerStateChange,
  BreakerTransition,
  BreakerRegistrySnapshot,
  BulkheadConfig,
  FallbackConfig,
  FallbackMember,
  FallbackCause,
  FallbackEvent,
  FallbackDeps,
  BudgetConfig,
  BudgetSpent,
  BudgetDimension,
  BudgetSnapshot,
  ResiliencePipelineDeps,
  AttemptContext,
} from './resilience/index.js';
export {
  BreakerKvSync,
  BreakerKvSyncOptionsSchema,
  ClusterClientOptionsSchema,
  ClientAskOptionsSchema,
  ClientRetrySchema,
  openClusterTables,
  CLUSTER_BUCKETS,
  readClusterMembers,
  readClusterPlacements,
  Membership,
  MemberRecordSchema,
  PlacementTable,
  PlacementRecordSchema,
} from './cluster/index.js';
export type {
  BreakerSyncApplied,
  ClusterClientDeps,
  ClusterTables,
  ClusterTablesConfig,
  StoredPlacement,
  ClusterTablesLocation,
  UnitContext,
  UnitHandle,
  UnitReport,
  UnitChildReport,
  MembershipConfig,
  MemberRecord,
  Member,
  MembershipEvent,
  PlacementOutcome,
  PlacementRecord,
  Placement,
} from './cluster/index.js';
export {
  DurableMailboxOptionsSchema,
  KvShardLeases,
  KvShardLeasesOptionsSchema,
  createKvShardLeases,
  StaticShardOwnership,
  MailboxDeadLetterSchema,
  MAILBOX_DEAD_LETTER_VERSION,
  DEAD_LETTER_PREFIX_BYTES,
  decodeMailboxDeadLetter,
  shardOf,
  mailboxSubjects,
} from './mailbox/index.js';
export type {
  DurableMailboxDeps,
  MailboxDeadLetterListener,
  KvShardLeasesOptions,
  ShardOwnership,
  OwnershipChange,
  OwnershipListener,
  MailboxSubjects,
} from './mailbox/index.js';

// Listener-owning internals, for the test that each isolates a throwing listener.
export { DeadLetterSink } from './mailbox/internal/DeadLetterSink.js';
export { NatsStatusFeed } from './transport/internal/NatsStatusFeed.js';
export { RejectedFeed } from './transport/internal/RejectedFeed.js';
export { toAlertmanagerPayload, alertSubject } from './alerting/index.js';
// The journal stream of a namespace is named by its token (`agentvisor trace` reads it).
export { kvToken, NATS_BUCKETS } from './nats/index.js';

// The one abortable sleep on a Clock (retries, chaos latency).
export { sleep as sleepOnClock } from './resilience/internal/sleep.js';
