export { createEffects } from './createEffects.js';
export type {
  AgentEffects,
  AskInput,
  ModelInput,
  ToolInput,
  HumanInput,
  TimerInput,
  ToolDefinition,
  EffectSources,
} from './createEffects.js';
export { runEffect } from './runEffect.js';
export type { EffectSafety } from './runEffect.js';
export { createApprovalBroker } from './ApprovalBroker.js';
export type { ApprovalBroker, ApprovalRequest, ApprovalDecision } from './ApprovalBroker.js';
// The resilience family lives in actors/resilience; these names stay exported here as before.
export { AgentResilience } from '../resilience/index.js';
export type { ModelOutput, ModelCallPlan, ResilientTool } from '../resilience/index.js';
export {
  AgentResilienceOptionsSchema,
  ModelDeclarationSchema,
  ModelEndpointSchema,
  DegradeOptionsSchema,
  ToolResilienceSchema,
  DEGRADE_TRIGGERS,
} from '../resilience/index.js';
export type {
  AgentResilienceOptions,
  AgentResilienceConfig,
  ModelDeclaration,
  ModelEndpoint,
  DegradeOptions,
  DegradeTrigger,
} from '../resilience/index.js';
export { ResilienceEvents } from '../resilience/index.js';
export type { ResilienceEvent } from '../resilience/index.js';
