export type {
  ModelClient,
  ModelRequest,
  ModelResponse,
  ChatMessage,
  TokenUsage,
} from './ModelClient.js';
export { createSimulatedModel } from './createSimulatedModel.js';
export type { SimulatedModelOptions } from './createSimulatedModel.js';
