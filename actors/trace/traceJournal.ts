import { trace, type Link, type Tracer } from '@opentelemetry/api';
import type { AppendOptions, Journal, JournalEntry, JournalEvent, JournalRepair } from 'agentvisor';
import { chainSpans, type SpanPlan } from './internal/chainSpans.js';
import { contextOf, emitSpan } from './internal/emitSpan.js';
import { buildChain } from './readReasoningChain.js';
import type { TraceOptions } from './TraceOptions.js';

/** What this process knows of one actor's trace. */
interface ActorTrace {
  /** The journal's last sequence before this process first appended (0: a fresh actor). */
  readonly boundary: number;
  /** Spans emitted by this process (plan keys). */
  readonly emitted: Set<string>;
  /** The last span before `boundary` (a crash or handover): the first span after it links to it. */
  link: Link | undefined;
}

/** A journal that emits the spans of what is appended to it (see {@link traceJournal}). */
export interface TracedJournal extends Journal {
  /** Emits the `invoke_agent` spans of tasks still open (their last step so far ends them). */
  flush(actor?: string): Promise<void>;
}

/**
 * Wraps a journal so that appending to it emits OpenTelemetry spans, derived from the journal
 * alone (ids, names, attributes, times): an effect's `chat {model}` / `execute_tool {tool}` span
 * when its outcome is journaled, a task's `invoke_agent {agent}` span once the next task's
 * message is journaled (or on {@link TracedJournal.flush}). Give a durable actor this journal
 * (`spawnDurable(…, { persistence: { journal: traceJournal(journal) } })`). A process that
 * resumes an actor whose journal it did not write continues the same trace, and its first span
 * links to the last span before it took over. Tracing never fails an append.
 */
export function traceJournal(journal: Journal, options: TraceOptions = {}): TracedJournal {
  const tracer: Tracer = options.tracer ?? trace.getTracer('agentvisor');
  const actors = new Map<string, ActorTrace>();

  const touch = async (actor: string): Promise<ActorTrace> => {
    let known = actors.get(actor);
    if (known !== undefined) return known;
    const boundary = await journal.lastSeq(actor);
    known = { boundary, emitted: new Set(), link: undefined };
    if (boundary > 0) {
      const before = chainSpans(buildChain(actor, await journal.read(actor, 0)), options);
      const last = before.filter((p) => !p.key.startsWith('invoke_agent')).at(-1);
      if (last !== undefined) known.link = { context: contextOf(last) };
    }
    actors.set(actor, known);
    return known;
  };

  const emit = (state: ActorTrace, plan: SpanPlan): void => {
    state.emitted.add(plan.key);
    const links = state.link === undefined ? [] : [state.link];
    state.link = undefined;
    emitSpan(tracer, plan, links);
  };

  /** Emits the spans that ended after `state.boundary` and were not emitted yet. */
  const emitNew = async (actor: string, state: ActorTrace, closeAll: boolean): Promise<void> => {
    const entries: readonly JournalEntry[] = await journal.read(actor, 0);
    const plans = chainSpans(buildChain(actor, entries), options);
    const lastTask = plans.filter((p) => p.key.startsWith('invoke_agent')).at(-1)?.task;
    for (const plan of plans) {
      if (state.emitted.has(plan.key) || plan.endSeq <= state.boundary) continue;
      const isTask = plan.key.startsWith('invoke_agent');
      if (isTask && plan.task === lastTask && !closeAll) continue; // still open
      emit(state, plan);
    }
  };

  return {
    async append(actor: string, events: readonly JournalEvent[], appendOptions?: AppendOptions) {
      const state = await touch(actor).catch(() => undefined);
      const seqs = await journal.append(actor, events, appendOptions);
      if (
        state !== undefined &&
        events.some((e) => e.kind === 'effect-outcome' || e.kind === 'message')
      ) {
        await emitNew(actor, state, false).catch(() => undefined);
      }
      return seqs;
    },
    async flush(actor?: string) {
      const names = actor === undefined ? [...actors.keys()] : [actor];
      for (const name of names) {
        const state = await touch(name);
        await emitNew(name, state, true);
      }
    },
    read: (actor, afterSeq, readOptions) => journal.read(actor, afterSeq, readOptions),
    lastSeq: (actor) => journal.lastSeq(actor),
    truncateBefore: (actor, beforeSeq) => journal.truncateBefore(actor, beforeSeq),
    ...(journal.maxEventBytes === undefined
      ? {}
      : { maxEventBytes: journal.maxEventBytes.bind(journal) }),
    ...(journal.baseSeq === undefined ? {} : { baseSeq: journal.baseSeq.bind(journal) }),
    repairs: (): readonly JournalRepair[] => journal.repairs(),
    close: () => journal.close(),
  };
}
