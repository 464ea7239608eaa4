import { SpanKind, SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { ReasoningChain, ReasoningEffect, TaskSummary } from '../ReasoningChain.js';
import type { TraceOptions } from '../TraceOptions.js';
import { spanIdOf, traceIdOf } from '../traceIds.js';

/** A span to emit, derived from the journal alone. */
export interface SpanPlan {
  /** Unique per actor: `invoke_agent:<task seq>`, `chat:<intent seq>`, `execute_tool:<intent seq>`. */
  readonly key: string;
  readonly task: string;
  readonly name: string;
  readonly kind: SpanKind;
  readonly traceId: string;
  readonly spanId: string;
  /** Parent span context: invoke_agent for effects; the message's traceparent, or a synthetic one. */
  readonly parentSpanId: string;
  readonly startTime: number;
  readonly endTime: number;
  /** Journal sequence the span ends at (its outcome; a task's last step). */
  readonly endSeq: number;
  readonly attributes: Attributes;
  readonly error: { readonly type: string; readonly message: string } | undefined;
}

/** Maps agentvisor's finish reasons to the GenAI convention's. */
const FINISH: Readonly<Record<string, string>> = {
  stop: 'stop',
  length: 'length',
  'tool-calls': 'tool_call',
  'content-filter': 'content_filter',
  other: 'other',
};

/** The W3C traceparent's trace and span id, if it is a valid one. */
function parseTraceparent(
  value: string | undefined,
): { traceId: string; spanId: string } | undefined {
  const match = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-[\da-f]{2}$/.exec(value ?? '');
  const [, traceId, spanId] = match ?? [];
  if (traceId === undefined || spanId === undefined) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId };
}

/**
 * @internal The spans of a chain: per task one `invoke_agent {agent}` (INTERNAL), one
 * `chat {model}` (CLIENT) per model call and one `execute_tool {tool}` (INTERNAL) per tool call
 * that has an outcome, in the order they end in the journal (a task's invoke_agent after its
 * effects). Ids: see traceIdOf / spanIdOf.
 */
export function chainSpans(chain: ReasoningChain, options: TraceOptions): SpanPlan[] {
  const { actor } = chain;
  const agent = options.agent ?? actor;
  const plans: SpanPlan[] = [];
  const base: Attributes = {
    'gen_ai.agent.name': agent,
    ...(options.agentVersion === undefined
      ? {}
      : { 'gen_ai.agent.version': String(options.agentVersion) }),
    'agentvisor.actor': actor,
    ...(options.node === undefined ? {} : { 'agentvisor.node': options.node }),
  };
  for (const task of chain.tasks) {
    const first = chain.steps.find((s) => s.task === task.task);
    const parent =
      first?.event.kind === 'message' ? parseTraceparent(first.event.traceparent) : undefined;
    const traceId = parent?.traceId ?? traceIdOf(actor, task.task);
    const agentSpanId = spanIdOf(actor, task.task, task.seq, 'invoke_agent');
    const steps = chain.steps.filter((s) => s.task === task.task);
    for (const effect of steps.flatMap((s) => s.effects)) {
      const plan = effectSpan(effect, task, traceId, agentSpanId, base, actor, options);
      if (plan !== undefined) plans.push(plan);
    }
    const endSeq = Math.max(...steps.map((s) => s.seq));
    plans.push({
      key: `invoke_agent:${task.seq}`,
      task: task.task,
      name: `invoke_agent ${agent}`,
      kind: SpanKind.INTERNAL,
      traceId,
      spanId: agentSpanId,
      parentSpanId: parent?.spanId ?? spanIdOf(actor, task.task, 0, 'task'),
      startTime: task.startedAt,
      endTime: task.endedAt,
      endSeq,
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.provider.name': 'agentvisor',
        ...base,
        'agentvisor.journal_seq': task.seq,
        'gen_ai.usage.input_tokens': task.inputTokens,
        'gen_ai.usage.output_tokens': task.outputTokens,
      },
      error:
        task.failedEffects > 0 && steps.at(-1)?.event.kind === 'effect-outcome' && !lastOk(steps)
          ? { type: failureOf(steps), message: 'the task ended on a failed effect' }
          : undefined,
    });
  }
  return plans.sort((a, b) => a.endSeq - b.endSeq || (a.key < b.key ? -1 : 1));
}

function lastOk(steps: ReasoningChain['steps']): boolean {
  const last = steps.at(-1)?.event;
  return last?.kind !== 'effect-outcome' || last.ok;
}

function failureOf(steps: ReasoningChain['steps']): string {
  const failed = steps.flatMap((s) => s.effects).filter((e) => e.status === 'failed');
  return failed.at(-1)?.failureClass ?? '_OTHER';
}

function effectSpan(
  effect: ReasoningEffect,
  task: TaskSummary,
  traceId: string,
  parentSpanId: string,
  base: Attributes,
  actor: string,
  options: TraceOptions,
): SpanPlan | undefined {
  if (effect.status === 'uncertain' || effect.endedAt === undefined) return undefined;
  if (effect.type !== 'model' && effect.type !== 'tool') return undefined;
  const operation = effect.type === 'model' ? 'chat' : 'execute_tool';
  const common: Attributes = {
    'gen_ai.operation.name': operation,
    ...base,
    'agentvisor.attempt': effect.attempt,
    'agentvisor.journal_seq': effect.intentSeq,
    ...(effect.failureClass === undefined ? {} : { 'error.type': effect.failureClass }),
  };
  let name: string;
  let attributes: Attributes;
  if (effect.type === 'model') {
    const model = effect.model;
    const requested = model?.model ?? effect.name;
    const endpoint = model?.endpoint;
    name = `chat ${requested}`;
    attributes = {
      ...common,
      'gen_ai.provider.name':
        endpoint === undefined ? '_OTHER' : (options.provider?.(endpoint) ?? endpoint),
      'gen_ai.request.model': requested,
      ...(model?.model === undefined ? {} : { 'gen_ai.response.model': model.model }),
      ...(effect.usage === undefined
        ? {}
        : {
            'gen_ai.usage.input_tokens': effect.usage.inputTokens,
            'gen_ai.usage.output_tokens': effect.usage.outputTokens,
          }),
      ...(model?.finishReason === undefined
        ? {}
        : { 'gen_ai.response.finish_reasons': [FINISH[model.finishReason] ?? model.finishReason] }),
      ...(options.captureContent === true
        ? {
            'gen_ai.input.messages': JSON.stringify(
              (effect.input as { messages?: unknown } | undefined)?.messages ?? null,
            ),
            'gen_ai.output.messages': JSON.stringify(effect.output ?? null),
          }
        : {}),
    };
  } else {
    name = `execute_tool ${effect.name}`;
    attributes = {
      ...common,
      'gen_ai.tool.name': effect.name,
      'gen_ai.tool.call.id': `${actor}/${effect.key}`,
      'gen_ai.tool.type': 'function',
      ...(options.captureContent === true
        ? {
            'gen_ai.tool.call.arguments': JSON.stringify(effect.input ?? null),
            'gen_ai.tool.call.result': JSON.stringify(effect.output ?? null),
          }
        : {}),
    };
  }
  return {
    key: `${operation}:${effect.intentSeq}`,
    task: task.task,
    name,
    kind: effect.type === 'model' ? SpanKind.CLIENT : SpanKind.INTERNAL,
    traceId,
    spanId: spanIdOf(actor, task.task, effect.intentSeq, operation),
    parentSpanId,
    startTime: effect.startedAt,
    endTime: effect.endedAt,
    endSeq: effect.outcomeSeq ?? effect.intentSeq,
    attributes,
    error:
      effect.status === 'failed'
        ? { type: effect.failureClass ?? '_OTHER', message: effect.error?.message ?? '' }
        : undefined,
  };
}

/** @internal Status of a plan's span. */
export function statusOf(plan: SpanPlan): { code: SpanStatusCode; message?: string } {
  return plan.error === undefined
    ? { code: SpanStatusCode.UNSET }
    : { code: SpanStatusCode.ERROR, message: plan.error.message };
}
