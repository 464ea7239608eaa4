/**
 * agentvisor: an actor-model runtime that keeps AI agents alive in production.
 *
 * This entry point is the substrate: clock, errors, codec, transport, the actor system and
 * telemetry. Agents are defined with `agentvisor/actors`; test support is `agentvisor/testing`.
 *
 * @example
 * import { createActorSystem } from 'agentvisor';
 * const system = createActorSystem();
 * system.spawn('counter', counterMachine);
 * await system.ask('counter', 'get');
 */
export type { Clock, TimerHandle, SystemClockOptions } from './clock/index.js';
export { systemClock, createSystemClock } from './clock/index.js';

export {
  ErrorCode,
  RuntimeError,
  isRuntimeError,
  isErrorCode,
  toWireError,
  parseOptions,
} from './errors/index.js';
export type { WireError, RuntimeErrorOptions, OptionIssue } from './errors/index.js';

export {
  EnvelopeSchema,
  EnvelopeLimits,
  ENVELOPE_VERSION,
  ReplyType,
  DEFAULT_MAX_MESSAGE_BYTES,
  encodeEnvelope,
  decodeEnvelope,
  encodeValue,
  decodeValue,
  validateEnvelope,
} from './codec/index.js';
export type { Envelope, CodecResult, CodecOptions } from './codec/index.js';

export { LocalTransport, createSubjects, encodeToken, decodeToken } from './transport/index.js';
export type {
  Transport,
  Subscription,
  Disposable,
  EnvelopeHandler,
  PublishOutcome,
  RequestOptions,
  RejectedHandler,
  LocalTransportOptions,
  Subjects,
} from './transport/index.js';

export {
  ActorSystem,
  createActorSystem,
  ActorSystemOptionsSchema,
  SHUTDOWN_EVENT,
  DeadLetters,
  isActorTemplate,
  respond,
  respondTo,
  replyAddress,
  REPLY_EVENT,
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
  ReplyEmitted,
} from './system/index.js';

export {
  createLogger,
  silentLogger,
  createMetricsRegistry,
  metricValue,
} from './telemetry/index.js';
export type {
  Logger,
  CreateLoggerOptions,
  MetricsRegistry,
  MetricsSnapshot,
  MetricSeries,
  Counter,
  BoundCounter,
  Gauge,
  Histogram,
  Labels,
} from './telemetry/index.js';

export {
  CheckpointSchema,
  CHECKPOINT_VERSION,
  JournalEventSchema,
  JOURNAL_EVENT_KINDS,
  CheckpointPolicySchema,
  MemoryCheckpointStore,
  MemoryJournal,
  FileCheckpointStore,
  FileJournal,
  JetStreamCheckpointStore,
  JetStreamJournal,
  Persister,
  encodeCheckpoint,
  decodeCheckpoint,
  encodeJournalEvent,
  decodeJournalEvent,
  DEFAULT_MAX_CHECKPOINT_BYTES,
  forkCheckpoint,
  readTrace,
  EffectLedger,
  uncertainEffect,
  failedOutcome,
} from './persistence/index.js';
export type {
  Checkpoint,
  StoredCheckpoint,
  SkippedCheckpoint,
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
  Recovered,
  TraceLine,
  EffectOutcome,
  EffectRecord,
} from './persistence/index.js';
