export { checkAgent } from './checkAgent.js';
export type {
  AgentCheckReport,
  AgentProperty,
  CheckAgentOptions,
  CounterexampleStep,
  PropertyResult,
} from './checkAgent.js';
export { samplesOf } from './samplePayloads.js';
