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
export { exportTrace } from './exportTrace.js';
export { traceJournal } from './traceJournal.js';
export type { TracedJournal } from './traceJournal.js';
export { journalIdGenerator } from './journalIdGenerator.js';
export type { JournalIdGenerator } from './journalIdGenerator.js';
export { traceIdOf, spanIdOf } from './traceIds.js';
export type { TraceOptions } from './TraceOptions.js';
