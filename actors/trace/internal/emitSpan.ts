import {
  ROOT_CONTEXT,
  TraceFlags,
  trace,
  type Link,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { withPendingIds } from '../journalIdGenerator.js';
import { statusOf, type SpanPlan } from './chainSpans.js';

/** The span context a plan's span has (what a link to it names). */
export function contextOf(plan: SpanPlan): SpanContext {
  return { traceId: plan.traceId, spanId: plan.spanId, traceFlags: TraceFlags.SAMPLED };
}

/**
 * @internal Starts and ends the span of `plan` on `tracer`, back-dated to its journal times,
 * under a remote parent with the plan's trace id (so the trace is the journal's with the API
 * alone); its own span id is offered to journalIdGenerator.
 */
export function emitSpan(tracer: Tracer, plan: SpanPlan, links: readonly Link[] = []): void {
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: plan.traceId,
    spanId: plan.parentSpanId,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
  const span = withPendingIds({ traceId: plan.traceId, spanId: plan.spanId }, () =>
    tracer.startSpan(
      plan.name,
      {
        kind: plan.kind,
        startTime: plan.startTime,
        attributes: plan.attributes,
        links: [...links],
      },
      parent,
    ),
  );
  span.setStatus(statusOf(plan));
  span.end(plan.endTime);
}
