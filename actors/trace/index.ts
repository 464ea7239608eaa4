export { readReasoningChain } from './readReasoningChain.js';
export type { ReasoningChainOptions } from './readReasoningChain.js';
export { formatReasoningChain } from './formatReasoningChain.js';
export type {
  ModelCallFacts,
  ReasoningChain,
  ReasoningEffect,
  ReasoningEvent,
  ReasoningNote,
  ReasoningStep,
  StepTransition,
  StepUsage,
  TaskSummary,
} from './ReasoningChain.js';
