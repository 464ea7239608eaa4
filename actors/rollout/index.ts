/**
 * Progressive rollout of agent versions: a rollout as data, sticky routing, the statistical
 * judge, shadow runs with simulated effects, and the controller that steps, promotes and rolls back.
 */
export {
  RolloutSpecSchema,
  RolloutStepSchema,
  RolloutMetricSchema,
  RolloutAnalysisSchema,
  DEFAULT_METRICS,
  stepTraffic,
} from './RolloutSpec.js';
export type {
  RolloutSpec,
  RolloutConfig,
  RolloutStep,
  RolloutMetric,
  RolloutAnalysis,
  AgentVersion,
} from './RolloutSpec.js';
export { parseRolloutSpec } from './parseRolloutSpec.js';
export type { DeployedVersion, RolloutCatalog } from './parseRolloutSpec.js';
export { routingHash } from './routingHash.js';
export { routingKeyOf } from './routingKeyOf.js';
export type { RoutableMessage } from './routingKeyOf.js';
export { RolloutRouter } from './RolloutRouter.js';
export type {
  RolloutRole,
  RouteDecision,
  RouterTraffic,
  RolloutRouterOptions,
} from './RolloutRouter.js';
export { judgeCanary } from './judgeCanary.js';
export type { RunOutcome, MetricClass, MetricJudgement, CanaryJudgement } from './judgeCanary.js';
export { RolloutController } from './RolloutController.js';
export type { RolloutControllerDeps, RolloutEscalationRequest } from './RolloutController.js';
export { createMemoryRolloutStore } from './RolloutStore.js';
export type {
  RolloutStore,
  RolloutState,
  RolloutStatus,
  RolloutEvent,
  StoredRollout,
} from './RolloutStore.js';
export { createKvRolloutStore, ROLLOUT_BUCKET } from './createKvRolloutStore.js';
export type { KvRolloutStoreOptions } from './createKvRolloutStore.js';
export { createEffectRecording, recordTools, recordModel } from './EffectRecording.js';
export type { EffectRecording, RecordedToolCall } from './EffectRecording.js';
export { createShadowEffects } from './createShadowEffects.js';
export type { ShadowEffectsOptions } from './createShadowEffects.js';
export { compareRuns } from './compareRuns.js';
export type { RunRecord, RunComparison, AnswerComparator } from './compareRuns.js';
export { judgeShadow } from './judgeShadow.js';
export type { ShadowVerdict, ShadowDimension } from './judgeShadow.js';
