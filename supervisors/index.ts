/**
 * Supervision trees with OTP semantics, plus what agents need: backoff, failure classes, decision
 * tables and escalation to a human. Policies are data (YAML, JSON or the same object in TypeScript).
 *
 * @example
 * import { createSupervisionTree, loadPolicyFile } from 'agentvisor/supervisors';
 * const tree = await createSupervisionTree(system, await loadPolicyFile('desk.yaml'), { agents });
 */
export { Supervisor } from './Supervisor.js';
export type { ChildInfo, ChildStatus, ChildCounts } from './ChildInfo.js';
export type { SupervisorDeps, SupervisorExit } from './SupervisorDeps.js';
export type { SupervisorOptions } from './SupervisorOptions.js';
export {
  SupervisorSnapshotSchema,
  SUPERVISOR_SNAPSHOT_VERSION,
  parseSupervisorSnapshot,
} from './SupervisorSnapshot.js';
export type { SupervisorSnapshot, SupervisorChildSnapshot } from './SupervisorSnapshot.js';
export { createSupervisionTree } from './createSupervisionTree.js';
export type { SupervisionTree, SupervisionTreeDeps } from './createSupervisionTree.js';
export { describeTree } from './describeTree.js';
export type { SupervisorEvent, SupervisorEventListener } from './SupervisorEvent.js';
export {
  FAILURE_CLASSES,
  DIRECTIVES,
  HUMAN_DECISIONS,
  RESTART_TYPES,
  STRATEGIES,
  AUTO_SHUTDOWNS,
  DEFAULT_DECISIONS,
} from './failureClasses.js';
export type {
  FailureClass,
  Directive,
  HumanDecisionType,
  RestartType,
  Strategy,
  AutoShutdown,
} from './failureClasses.js';
export { recordRestart } from './restartIntensity.js';
export { backoffDelay, BackoffTracker } from './backoff.js';
export { classifyFailure, withFailureClass, decideDirective } from './classifyFailure.js';
export { PoisonDetector } from './poisonDetector.js';
export {
  PolicySchema,
  SupervisorSpecSchema,
  ChildSpecSchema,
  WorkerSpecSchema,
  BackoffSchema,
  DecisionTableSchema,
  HumanPolicySchema,
  parsePolicy,
  parsePolicyText,
  loadPolicyFile,
  lintPolicy,
} from './policy/index.js';
export type {
  Policy,
  PolicyInput,
  SupervisorSpec,
  SupervisorSpecInput,
  ChildSpec,
  ChildSpecInput,
  WorkerSpec,
  PolicyFormat,
  LoadPolicyFileOptions,
  PolicyLint,
  PolicyLintPath,
  PolicyLintWarning,
  PolicyLintCode,
} from './policy/index.js';
export {
  EscalationSchema,
  HumanDecisionSchema,
  EscalationService,
  createMemoryEscalationStore,
  createFileEscalationStore,
  JetStreamEscalationStore,
  specAsData,
  escalatePoisonMessages,
} from './escalation/index.js';
export type {
  Escalation,
  OpenEscalation,
  EscalationStatus,
  EscalationResolution,
  EscalationStore,
  EscalationFilter,
  ResolvedListener,
  ResolvedEscalation,
  JetStreamEscalationStoreOptions,
  HumanDecision,
  PoisonReports,
  EscalatePoisonOptions,
} from './escalation/index.js';
export { checkTree, JournalWatcher, checkJournal, watchJournal } from './verify/index.js';
export type {
  JournalViolation,
  JournalWatcherOptions,
  LiveProperty,
  CheckTreeOptions,
  TreeCheckReport,
  TreeProperty,
  TreePropertyResult,
  WorkerFigures,
} from './verify/index.js';
export {
  INCIDENT_STATUSES,
  INCIDENT_TIMESTAMPS,
  ACTION_ITEM_TYPES,
  IncidentSchema,
  IncidentSignalSchema,
  IncidentImpactSchema,
  ActionItemSchema,
  IncidentNoteSchema,
  updateIncident,
  createMemoryIncidentStore,
  createFileIncidentStore,
  createJetStreamIncidentStore,
  INCIDENT_BUCKET,
  IncidentManager,
  IncidentManagerOptionsSchema,
  signalFromEscalation,
  signalFromAlert,
  computeImpact,
  assembleTimeline,
  resolveTimelineSource,
  diagnoseRun,
  isFailedSnapshot,
  DIAGNOSIS_CATEGORIES,
  DIAGNOSIS_SUBKINDS,
} from './incidents/index.js';
export type {
  Incident,
  IncidentStatus,
  IncidentTimestampName,
  IncidentSignal,
  IncidentImpact,
  ActionItem,
  IncidentNote,
  IncidentUpdate,
  IncidentStore,
  IncidentFilter,
  IncidentManagerOptions,
  IncidentManagerDeps,
  SignalOutcome,
  ImpactSources,
  TimelineSources,
  TimedResilienceEvent,
  RolloutTimelineEvent,
  TimelineItem,
  TimelineKind,
  TimelineSource,
  ResolvedSource,
  DiagnoseOptions,
  Diagnosis,
  DiagnosisCategory,
  DiagnosisSubkind,
  DiagnosisReplay,
  DiagnosisEvidence,
  ReplayChange,
  ReplayResult,
  ReplayOutcome,
} from './incidents/index.js';
