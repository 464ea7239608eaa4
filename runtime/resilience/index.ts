export type { ExecuteOptions } from './ExecuteOptions.js';
export { Deadline, DeadlineOptionsSchema } from './Deadline.js';
export type { DeadlineOptions, DeadlineDeps } from './Deadline.js';
export { createIdleTimeout, IdleTimeoutOptionsSchema } from './IdleTimeout.js';
export type { IdleTimeout, IdleTimeoutOptions } from './IdleTimeout.js';
export { backoffDelays, backoffDelayAt } from './backoff/backoffDelays.js';
export type { BackoffConfig, Jitter, StatelessBackoffConfig } from './backoff/backoffDelays.js';
export {
  RetryPolicy,
  createRetryPolicy,
  RetryOptionsSchema,
  RETRYABLE_CLASSES,
} from './RetryPolicy.js';
export type {
  RetryOptions,
  RetryConfig,
  RetryContext,
  RetryEvent,
  GiveUpEvent,
  GiveUpReason,
  RetryableClass,
  RetryDeps,
} from './RetryPolicy.js';
export {
  CircuitBreaker,
  createCircuitBreaker,
  CircuitBreakerOptionsSchema,
  CircuitBreakerSnapshotSchema,
} from './CircuitBreaker.js';
export type {
  CircuitState,
  CircuitBreakerOptions,
  CircuitBreakerConfig,
  CircuitBreakerSnapshot,
  CircuitBreakerDeps,
  BreakerPermit,
  BreakerStateChange,
  BreakerTransition,
} from './CircuitBreaker.js';
export {
  BreakerRegistry,
  createBreakerRegistry,
  BreakerRegistrySnapshotSchema,
} from './BreakerRegistry.js';
export type { BreakerRegistrySnapshot } from './BreakerRegistry.js';
export { Bulkhead, createBulkhead, BulkheadOptionsSchema } from './Bulkhead.js';
export type { BulkheadOptions, BulkheadConfig } from './Bulkhead.js';
export { FallbackChain, createFallbackChain, FallbackOptionsSchema } from './FallbackChain.js';
export type {
  FallbackOptions,
  FallbackConfig,
  FallbackMember,
  FallbackCause,
  FallbackEvent,
  FallbackDeps,
} from './FallbackChain.js';
export { Budget, createBudget, BudgetOptionsSchema, BudgetSnapshotSchema } from './Budget.js';
export type {
  BudgetOptions,
  BudgetConfig,
  BudgetUsage,
  BudgetSpent,
  BudgetDimension,
  BudgetSnapshot,
} from './Budget.js';
export {
  ResiliencePipeline,
  createResiliencePipeline,
  ResiliencePipelineOptionsSchema,
} from './createResiliencePipeline.js';
export type {
  ResiliencePipelineOptions,
  ResiliencePipelineDeps,
  AttemptContext,
} from './createResiliencePipeline.js';
