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
