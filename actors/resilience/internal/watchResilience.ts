import { isRuntimeError, type CircuitBreaker, type ResiliencePipeline } from 'agentvisor/internal';
import type { ResilienceEvent } from '../ResilienceEvent.js';

/** Reports each state change of `breaker` as a `breaker` event. */
export function watchBreaker(
  breaker: CircuitBreaker,
  emit: (event: ResilienceEvent) => void,
): void {
  breaker.onStateChange((change) => {
    emit({
      type: 'breaker',
      breaker: change.breaker,
      from: change.from,
      to: change.to,
      reason: change.reason,
    });
  });
}

/** Reports each retry of an endpoint's pipeline as a `retry` event (with the server's `retryAfterMs`). */
export function watchRetries(
  pipeline: ResiliencePipeline,
  agent: string,
  emit: (event: ResilienceEvent) => void,
): void {
  pipeline.onRetry((e) => {
    const retryAfterMs = isRuntimeError(e.error)
      ? (e.error.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs
      : undefined;
    emit({
      type: 'retry',
      agent,
      endpoint: pipeline.name,
      attempt: e.attempt,
      delayMs: e.delayMs,
      failureClass: e.failureClass,
      ...(typeof retryAfterMs === 'number' ? { retryAfterMs } : {}),
    });
  });
}
