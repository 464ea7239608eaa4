/**
 * Graded alerts: rules as data (detector or threshold, severity, labels), an evaluator turning
 * samples into alerts, and a router that pages criticals at once, gathers warnings into a digest
 * per window, keeps infos for trends, inhibits by agent and deduplicates. Pure core: sinks and
 * stores that need NATS or HTTP retries live in runtime/alerting.
 */
export type { Alert, AlertStatus, Severity } from './Alert.js';
export { alertFingerprint } from './alertFingerprint.js';
export { AlertEvaluator, alertLabels } from './AlertEvaluator.js';
export type { AlertEvaluatorDeps } from './AlertEvaluator.js';
export { AlertRouter, createAlertRouter } from './AlertRouter.js';
export type { AlertRouterDeps, AlertRouterStats } from './AlertRouter.js';
export { AlertRouterOptionsSchema } from './AlertRouterOptionsSchema.js';
export type { AlertRouterConfig, AlertRouterOptions } from './AlertRouterOptionsSchema.js';
export {
  AlertRuleSchema,
  AlertRulesSchema,
  InlineDetectorSchema,
  ThresholdOpSchema,
  ThresholdSchema,
} from './AlertRuleSchema.js';
export type { AlertRule, AlertRuleInput, Threshold, ThresholdOp } from './AlertRuleSchema.js';
export { groupKeyOf } from './AlertSink.js';
export type {
  AlertNotification,
  AlertSink,
  NotificationGroup,
  NotifiedAlert,
} from './AlertSink.js';
export { isNewer } from './AlertStore.js';
export type { AlertStore } from './AlertStore.js';
export { createAlerting } from './createAlerting.js';
export type { Alerting, AlertingOptions } from './createAlerting.js';
export { createLogSink } from './createLogSink.js';
export { MemoryAlertStore } from './MemoryAlertStore.js';
export { parseAlertRules } from './parseAlertRules.js';
export type { ResolvedAlertRule } from './parseAlertRules.js';
export { TrendStore } from './TrendStore.js';
export type { TrendPoint, TrendQuery } from './TrendStore.js';
