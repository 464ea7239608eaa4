/**
 * The resilience of an agent definition: fallback chains of endpoint pipelines per declared
 * model, step and task deadlines, budgets per task, tool pipelines and the degraded strategy.
 * The effects (actors/effects) run model and tool calls through it.
 */
export { AgentResilience } from './AgentResilience.js';
export type { ModelOutput, ModelCallPlan, ResilientTool } from './ModelCallPlan.js';
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
