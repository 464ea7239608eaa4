export {
  OutputGuard,
  createOutputGuard,
  completeWithRepair,
  OutputGuardOptionsSchema,
} from './OutputGuard.js';
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
} from './OutputGuard.js';
export {
  InputScreen,
  createInputScreen,
  blockedError,
  InputScreenOptionsSchema,
} from './createInputScreen.js';
export type {
  ScreenFinding,
  InputScreenOptions,
  ScreenOptions,
  ScreenResult,
} from './createInputScreen.js';
export { ScreenPolicySchema, DEFAULT_SCREEN_POLICIES, CONTENT_SOURCES } from './ScreenPolicy.js';
export type {
  ContentSource,
  ScreenAction,
  ScreenPolicy,
  ScreenPolicyOptions,
} from './ScreenPolicy.js';
export type {
  ClassifierVerdict,
  ClassifierContext,
  InjectionClassifier,
} from './InjectionClassifier.js';
export { DEFAULT_INJECTION_RULES, INJECTION_FAMILIES } from './injectionRules.js';
export type { InjectionRule, InjectionFamily } from './injectionRules.js';
export {
  markUntrusted,
  UNTRUSTED_OPEN,
  UNTRUSTED_CLOSE,
  UNTRUSTED_CONTENT_INSTRUCTIONS,
} from './markUntrusted.js';
export { createModelClassifier, ModelClassifierOptionsSchema } from './createModelClassifier.js';
export type { ModelClassifierOptions } from './createModelClassifier.js';
export { defineApprovalGate, ApprovalGateOptionsSchema } from './defineApprovalGate.js';
export type {
  ApprovalGate,
  ApprovalGateOptions,
  ApprovalGateConfig,
  GateOutcome,
} from './defineApprovalGate.js';
