/**
 * Incidents: records opened automatically from escalations, critical alerts and rollbacks (or by
 * hand), their timelines and impact computed from the journals, root causes found by replay,
 * postmortem drafts, review digests and retrospectives.
 */
export {
  INCIDENT_STATUSES,
  INCIDENT_TIMESTAMPS,
  ACTION_ITEM_TYPES,
  IncidentSchema,
  IncidentSignalSchema,
  IncidentImpactSchema,
  ActionItemSchema,
  IncidentNoteSchema,
} from './Incident.js';
export type {
  Incident,
  IncidentStatus,
  IncidentTimestampName,
  IncidentSignal,
  IncidentImpact,
  ActionItem,
  IncidentNote,
  IncidentUpdate,
} from './Incident.js';
export { updateIncident } from './updateIncident.js';
export { createMemoryIncidentStore } from './IncidentStore.js';
export type { IncidentStore, IncidentFilter } from './IncidentStore.js';
export { createFileIncidentStore } from './FileIncidentStore.js';
export { createJetStreamIncidentStore, INCIDENT_BUCKET } from './JetStreamIncidentStore.js';
export { IncidentManager, IncidentManagerOptionsSchema } from './IncidentManager.js';
export type {
  IncidentManagerOptions,
  IncidentManagerDeps,
  SignalOutcome,
} from './IncidentManager.js';
export { signalFromEscalation, signalFromAlert } from './incidentSignals.js';
export { computeImpact } from './computeImpact.js';
export type { ImpactSources } from './computeImpact.js';
export { assembleTimeline } from './assembleTimeline.js';
export type {
  TimelineSources,
  TimedResilienceEvent,
  RolloutTimelineEvent,
} from './assembleTimeline.js';
export type { TimelineItem, TimelineKind, TimelineSource } from './TimelineItem.js';
export { resolveTimelineSource } from './resolveTimelineSource.js';
export type { ResolvedSource } from './resolveTimelineSource.js';
export { diagnoseRun, isFailedSnapshot } from './diagnoseRun.js';
export type { DiagnoseOptions } from './diagnoseRun.js';
export { DIAGNOSIS_CATEGORIES, DIAGNOSIS_SUBKINDS } from './Diagnosis.js';
export type {
  Diagnosis,
  DiagnosisCategory,
  DiagnosisSubkind,
  DiagnosisReplay,
  DiagnosisEvidence,
} from './Diagnosis.js';
export type { ReplayChange, ReplayResult, ReplayOutcome } from './internal/sandboxReplay.js';
