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
export { AgentResilience } from './AgentResilience.js';
export type { ModelOutput, ModelCallPlan, ResilientTool } from './AgentResilience.js';
export {
  AgentResilienceOptionsSchema,
  ModelDeclarationSchema,
  ModelEndpointSchema,
  DegradeOptionsSchema,
  ToolResilienceSchema,
  DEGRADE_TRIGGERS,
} from './AgentResilienceOptions.js';
export type {
  AgentResilienceOptions,
  AgentResilienceConfig,
  ModelDeclaration,
  ModelEndpoint,
  DegradeOptions,
  DegradeTrigger,
} from './AgentResilienceOptions.js';
export { ResilienceEvents } from './ResilienceEvent.js';
export type { ResilienceEvent } from './ResilienceEvent.js';
