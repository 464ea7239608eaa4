/**
 * agentvisor: an actor-model runtime that keeps AI agents alive in production.
 *
 * This entry point is the substrate users build on: the clock, errors and failure classes, the
 * actor system, transports, persistence stores, resilience policies, telemetry, the cluster
 * client and the durable mailbox. Agents are defined with `agentvisor/actors`, trees with
 * `agentvisor/supervisors`, nodes with `agentvisor/node`; test support is `agentvisor/testing`.
 * The list is curated (issue 11): everything else the runtime has is `agentvisor/internal`, for
 * the sibling layers and tests, with no stability promise.
 *
 * @example
 * import { createActorSystem } from 'agentvisor';
 * const system = createActorSystem();
 * system.spawn('counter', counterMachine);
 * await system.ask('counter', 'get');
 */
export type { Disposable } from './events/index.js';

export { systemClock, createSystemClock } from './clock/index.js';
export type { Clock, TimerHandle, SystemClockOptions } from './clock/index.js';

export {
  ErrorCode,
  RuntimeError,
  isRuntimeError,
  isErrorCode,
  toWireError,
  causeChain,
  errorChain,
  FAILURE_CLASSES,
  classifyFailure,
  isFailureClass,
  retryAfterMsOf,
  withFailureClass,
} from './errors/index.js';
export type { WireError, RuntimeErrorOptions, FailureClass } from './errors/index.js';

export type { Envelope } from './codec/index.js';

export { LocalTransport, NatsTransport } from './transport/index.js';
export type {
  Transport,
  Subscription,
  EnvelopeHandler,
  PublishOutcome,
  RequestOptions,
  LocalTransportOptions,
  NatsTransportOptions,
  NatsTransportStatus,
} from './transport/index.js';

export {
  ActorSystem,
  createActorSystem,
  SHUTDOWN_EVENT,
  respond,
  respondTo,
  replyAddress,
} from './system/index.js';
export type {
  ActorSystemOptions,
  ActorSystemDeps,
  SpawnOptions,
  TellOptions,
  AskOptions,
  ActorRef,
  ActorInfo,
  MessageListener,
  StopOptions,
  GracefulStopOutcome,
  ActorTemplate,
  ActorContext,
  MessageEvent,
  DeadLetter,
  DeadLetterReason,
  DeadLetterListener,
  LifecycleEvent,
  LifecycleListener,
  ActorStatus,
  StopReason,
  OverflowPolicy,
  ReplyAddress,
} from './system/index.js';

export {
  createLogger,
  silentLogger,
  createMetricsRegistry,
  createPrometheusRegistry,
  isPrometheusRegistry,
  metricValue,
  DURATION_BUCKETS_SECONDS,
} from './telemetry/index.js';
export type {
  Logger,
  CreateLoggerOptions,
  MetricsRegistry,
  MetricsSnapshot,
  MetricOptions,
  HistogramOptions,
  PrometheusRegistry,
  PrometheusRegistryOptions,
} from './telemetry/index.js';

export {
  CHECKPOINT_VERSION,
  MemoryCheckpointStore,
  MemoryJournal,
  FileCheckpointStore,
  FileJournal,
  JetStreamCheckpointStore,
  JetStreamJournal,
  forkCheckpoint,
  readTrace,
} from './persistence/index.js';
export type {
  Checkpoint,
  StoredCheckpoint,
  CheckpointStore,
  PutCheckpointOptions,
  LatestCheckpoint,
  CheckpointInfo,
  Journal,
  JournalEvent,
  JournalEntry,
  AppendOptions,
  JournalRepair,
  CheckpointPolicy,
  CheckpointMigration,
  PersistenceOptions,
  TraceLine,
  EffectOutcome,
} from './persistence/index.js';

export {
  Deadline,
  RetryPolicy,
  CircuitBreaker,
  BreakerRegistry,
  Bulkhead,
  FallbackChain,
  Budget,
  ResiliencePipeline,
  createIdleTimeout,
  createRetryPolicy,
  createCircuitBreaker,
  createBreakerRegistry,
  createBulkhead,
  createFallbackChain,
  createBudget,
  createResiliencePipeline,
} from './resilience/index.js';
export type {
  ExecuteOptions,
  DeadlineOptions,
  IdleTimeout,
  IdleTimeoutOptions,
  RetryOptions,
  RetryEvent,
  GiveUpEvent,
  CircuitState,
  CircuitBreakerOptions,
  CircuitBreakerSnapshot,
  BulkheadOptions,
  FallbackOptions,
  BudgetOptions,
  BudgetUsage,
  ResiliencePipelineOptions,
} from './resilience/index.js';
export { syncBreakersWithKv } from './cluster/index.js';
export type { BreakerKvSyncOptions } from './cluster/index.js';

export { ClusterClient } from './cluster/index.js';
export type { ClusterClientOptions, ClientAskOptions, ClientTellOptions } from './cluster/index.js';

export { DurableMailbox } from './mailbox/index.js';
export type {
  DurableMailboxOptions,
  ReliableSendOptions,
  ReliableReceipt,
  MailboxDeadLetter,
  MailboxDeadLetterReason,
} from './mailbox/index.js';

// Anomaly detection (issue 12).
export {
  AnomalyDetector,
  createAnomalyDetector,
  DetectorOptionsSchema,
  DETECTOR_PRESETS,
  MAD_CONSISTENCY,
} from './telemetry/index.js';
export type {
  AnomalyDetectorDeps,
  BaselineView,
  Detection,
  DetectionStatus,
  DetectorConfig,
  DetectorOptions,
  Direction,
  DetectorPreset,
  HysteresisState,
  HysteresisTransition,
  Sample,
  SeriesKey,
  Band,
} from './telemetry/index.js';

// Graded alerts (issue 12).
export {
  AlertEvaluator,
  AlertRouter,
  AlertRouterOptionsSchema,
  createAlertRouter,
  AlertRuleSchema,
  AlertRulesSchema,
  createAlerting,
  createLogSink,
  MemoryAlertStore,
  parseAlertRules,
} from './telemetry/index.js';
export type {
  Alert,
  AlertStatus,
  Severity,
  AlertEvaluatorDeps,
  AlertRouterConfig,
  AlertRouterDeps,
  AlertRouterOptions,
  AlertRouterStats,
  AlertRule,
  AlertRuleInput,
  Threshold,
  ThresholdOp,
  AlertNotification,
  AlertSink,
  NotificationGroup,
  NotifiedAlert,
  AlertStore,
  Alerting,
  AlertingOptions,
  ResolvedAlertRule,
  TrendPoint,
  TrendQuery,
} from './telemetry/index.js';

// Alert sinks and stores over the network (issue 12).
export {
  createWebhookSink,
  WebhookSink,
  WebhookSinkOptionsSchema,
  createNatsAlertSink,
  JetStreamAlertStore,
} from './alerting/index.js';
export type {
  WebhookSinkDeps,
  WebhookSinkStats,
  WebhookSinkConfig,
  WebhookSinkOptions,
  AlertmanagerAlert,
  AlertmanagerPayload,
  NatsAlertSinkOptions,
  JetStreamAlertStoreOptions,
} from './alerting/index.js';
