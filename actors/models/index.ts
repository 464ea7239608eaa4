export type {
  ModelClient,
  ModelRequest,
  ModelResponse,
  ChatMessage,
  TokenUsage,
  ToolCall,
  ModelTool,
  ToolChoice,
  ResponseFormat,
  FinishReason,
  ModelDelta,
  CompleteOptions,
} from './ModelClient.js';
export { createSimulatedModel } from './createSimulatedModel.js';
export type { SimulatedModelOptions } from './createSimulatedModel.js';
export { createOpenAIClient, OpenAIClientOptionsSchema } from './createOpenAIClient.js';
export type { OpenAIClientOptions, OpenAIClientDeps } from './createOpenAIClient.js';
export { SimulatedModelOptionsSchema } from './createSimulatedModel.js';
export type {
  Fault,
  FaultPlan,
  FaultRule,
  FaultWhen,
  SimulatedCall,
  SimulatedAnswer,
} from './createSimulatedModel.js';
