/**
 * Agents on top of the substrate: `defineAgent`, the effects an agent invokes, and models.
 *
 * @example
 * import { defineAgent, createSimulatedModel } from 'agentvisor/actors';
 */
export { defineAgent } from './defineAgent.js';
export type {
  AgentDefinition,
  AgentConfig,
  AgentBuildContext,
  AgentEvents,
  Accepts,
} from './defineAgent.js';
export { createEffects, runEffect, createApprovalBroker } from './effects/index.js';
export {
  AgentResilience,
  AgentResilienceOptionsSchema,
  ModelDeclarationSchema,
  ModelEndpointSchema,
  DegradeOptionsSchema,
  ToolResilienceSchema,
  DEGRADE_TRIGGERS,
} from './resilience/index.js';
export type {
  ModelOutput,
  ModelCallPlan,
  ResilientTool,
  AgentResilienceOptions,
  AgentResilienceConfig,
  ModelDeclaration,
  ModelEndpoint,
  DegradeOptions,
  DegradeTrigger,
  ResilienceEvent,
} from './resilience/index.js';
export type {
  AgentEffects,
  AskInput,
  ModelInput,
  ToolInput,
  HumanInput,
  TimerInput,
  ToolDefinition,
  EffectSources,
  EffectSafety,
  ApprovalBroker,
  ApprovalRequest,
  ApprovalDecision,
} from './effects/index.js';
export { createSimulatedModel } from './models/index.js';
export type {
  ModelClient,
  ModelRequest,
  ModelResponse,
  ChatMessage,
  TokenUsage,
  SimulatedModelOptions,
} from './models/index.js';
export { createOpenAIClient, OpenAIClientOptionsSchema } from './models/index.js';
export type {
  ToolCall,
  ModelTool,
  ToolChoice,
  ResponseFormat,
  FinishReason,
  ModelDelta,
  CompleteOptions,
  OpenAIClientOptions,
  OpenAIClientDeps,
} from './models/index.js';
export { SimulatedModelOptionsSchema } from './models/index.js';
export type {
  Fault,
  FaultPlan,
  FaultRule,
  FaultWhen,
  SimulatedCall,
  SimulatedAnswer,
} from './models/index.js';
export {
  OutputGuard,
  createOutputGuard,
  completeWithRepair,
  OutputGuardOptionsSchema,
  InputScreen,
  createInputScreen,
  blockedError,
  InputScreenOptionsSchema,
  ScreenPolicySchema,
  DEFAULT_SCREEN_POLICIES,
  CONTENT_SOURCES,
  DEFAULT_INJECTION_RULES,
  INJECTION_FAMILIES,
  markUntrusted,
  UNTRUSTED_OPEN,
  UNTRUSTED_CLOSE,
  UNTRUSTED_CONTENT_INSTRUCTIONS,
  createModelClassifier,
  ModelClassifierOptionsSchema,
  defineApprovalGate,
  ApprovalGateOptionsSchema,
} from './guards/index.js';
export type {
  OutputIssue,
  SemanticValidator,
  ModelCall,
  OutputGuardOptions,
  OutputAttempt,
  OutputAttemptEvent,
  GuardedCallOptions,
  GuardedOutput,
  OutputVerdict,
  ContentSource,
  ScreenAction,
  ScreenFinding,
  ClassifierVerdict,
  ClassifierContext,
  InjectionClassifier,
  ScreenPolicy,
  ScreenPolicyOptions,
  InputScreenOptions,
  ScreenOptions,
  ScreenResult,
  InjectionRule,
  InjectionFamily,
  ModelClassifierOptions,
  ApprovalGate,
  ApprovalGateOptions,
  ApprovalGateConfig,
  GateOutcome,
} from './guards/index.js';
export { checkAgent } from './verify/index.js';
export type {
  AgentCheckReport,
  AgentProperty,
  CheckAgentOptions,
  CounterexampleStep,
  PropertyResult,
} from './verify/index.js';
export {
  createChaos,
  chaosTransport,
  chaosJournal,
  chaosCheckpointStore,
  matchesTarget,
  matchesArgs,
  passHatK,
  runScenario,
  noDuplicateEffects,
  noLostAcknowledged,
} from './chaos/index.js';
export type {
  ActiveFault,
  CallScope,
  Chaos,
  ChaosOptions,
  ChaosRule,
  ChaosStopReport,
  FaultCondition,
  FaultLayer,
  FaultTarget,
  InjectedFault,
  LayerFaults,
  NameMatcher,
  PassHatK,
  CheckResult,
  RequestOutcome,
  ScenarioHistory,
  ScenarioOptions,
  ScheduledFault,
  WorkloadItem,
  StoreFault,
  TaskTrials,
  TrialOutcome,
  ToolFault,
  TransportFault,
  WeightedFault,
} from './chaos/index.js';
export {
  readReasoningChain,
  formatReasoningChain,
  exportTrace,
  traceJournal,
  journalIdGenerator,
  traceIdOf,
  spanIdOf,
} from './trace/index.js';
export type {
  ReasoningChainOptions,
  ModelCallFacts,
  ReasoningChain,
  ReasoningEffect,
  ReasoningEvent,
  ReasoningNote,
  ReasoningStep,
  StepTransition,
  StepUsage,
  TaskSummary,
  TracedJournal,
  JournalIdGenerator,
  TraceOptions,
} from './trace/index.js';
