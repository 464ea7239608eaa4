import { trace } from '@opentelemetry/api';
import type { Journal } from 'agentvisor';
import { chainSpans } from './internal/chainSpans.js';
import { emitSpan } from './internal/emitSpan.js';
import { readReasoningChain } from './readReasoningChain.js';
import type { TraceOptions } from './TraceOptions.js';

/**
 * Regenerates the spans of `actor` from its journal: the same names, attributes, trace ids and
 * start/end times (the journal's `at`) as when it ran, and with {@link journalIdGenerator} on the
 * tracer's provider the same span ids. Resolves with the number of spans emitted.
 *
 * @throws {RuntimeError} ERR_CORRUPT_DATA as {@link readReasoningChain}.
 */
export async function exportTrace(
  journal: Journal,
  actor: string,
  options: TraceOptions & { readonly task?: string } = {},
): Promise<number> {
  const tracer = options.tracer ?? trace.getTracer('agentvisor');
  const chain = await readReasoningChain(journal, actor);
  const plans = chainSpans(chain, options).filter(
    (p) => options.task === undefined || p.task === options.task,
  );
  for (const plan of plans) emitSpan(tracer, plan);
  return plans.length;
}
