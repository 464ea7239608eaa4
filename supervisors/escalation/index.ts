/**
 * Escalation to a human (DESIGN.md "Supervision"): when a supervisor's decision table says
 * `human`, the child is parked and an escalation record carrying the whole context is opened; a
 * person decides, or the policy's default applies at the deadline.
 */
export { EscalationSchema, HumanDecisionSchema } from './Escalation.js';
export type {
  Escalation,
  OpenEscalation,
  ResolvedEscalation,
  EscalationStatus,
  EscalationFacts,
  EscalationChild,
  EscalationCheckpoint,
  EscalationResolution,
  HumanDecision,
} from './Escalation.js';
export { specAsData } from './specAsData.js';
export { createMemoryEscalationStore } from './EscalationStore.js';
export type { EscalationStore, EscalationFilter, ResolvedListener } from './EscalationStore.js';
export { createFileEscalationStore } from './createFileEscalationStore.js';
export { JetStreamEscalationStore } from './JetStreamEscalationStore.js';
export type { JetStreamEscalationStoreOptions } from './JetStreamEscalationStore.js';
export { EscalationService } from './EscalationService.js';
export type {
  OpenEscalationInput,
  ApplyDecision,
  ResolveOptions,
  EscalationServiceDeps,
  EscalationOpenedListener,
  EscalationResolvedListener,
  ApplyFailedListener,
} from './EscalationService.js';
export { escalatePoisonMessages } from './escalatePoisonMessages.js';
export type { PoisonReports, EscalatePoisonOptions } from './escalatePoisonMessages.js';
