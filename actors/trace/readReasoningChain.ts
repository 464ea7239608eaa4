import type { AnyStateMachine } from 'xstate';
import {
  ErrorCode,
  RuntimeError,
  type ActorTemplate,
  type Journal,
  type JournalEntry,
  type WireError,
} from 'agentvisor';
import type {
  ReasoningChain,
  ReasoningEffect,
  ReasoningEvent,
  ReasoningNote,
  ReasoningStep,
  TaskSummary,
} from './ReasoningChain.js';
import {
  attemptOf,
  costOf,
  effectName,
  failureClassOf,
  fieldOf,
  modelFacts,
  stepOf,
  usageOf,
} from './internal/effectFacts.js';
import { replaySteps } from './internal/replaySteps.js';

/** Options of {@link readReasoningChain}. */
export interface ReasoningChainOptions {
  /** Only the steps of this task (the id of the message that began it). @default every task */
  readonly task?: string | undefined;
  /** Only steps at or after this journal sequence. @default 1 */
  readonly from?: number | undefined;
  /**
   * The agent (a defineAgent definition) or its XState machine: the journal is then replayed
   * through it from its initial state, effects answered from their recorded outcomes, to give
   * each step's state before, transitions taken (targets, guards) and state after. Needs a whole
   * journal (a checkpoint policy whose `keep` truncated nothing before the first step).
   */
  readonly logic?: ActorTemplate | AnyStateMachine | undefined;
}

/** Task given to steps whose beginning the journal no longer holds (truncated before it). */
const UNKNOWN_TASK = '(truncated)';

type MutableEffect = { -readonly [K in keyof ReasoningEffect]: ReasoningEffect[K] };
interface MutableStep extends Omit<ReasoningStep, 'effects'> {
  effects: MutableEffect[];
}

/**
 * The reasoning chain of `actor`, read from its journal: one step per message or effect outcome
 * the machine received, with the effects each step started (intent → outcome: status, attempt,
 * timing, model facts, tokens and cost), grouped into tasks (a task begins with a message; an
 * effect belongs to the task of the step that started it, which its ledger key names). Reading
 * twice gives equal chains: nothing but the journal goes in.
 *
 * @throws {RuntimeError} ERR_CORRUPT_DATA for an entry the journal rejects on read, or one whose
 *   `data` is not the shape its kind is written with.
 */
export async function readReasoningChain(
  journal: Journal,
  actor: string,
  options: ReasoningChainOptions = {},
): Promise<ReasoningChain> {
  const entries = await journal.read(actor, 0);
  const chain = buildChain(actor, entries);
  const from = options.from ?? 1;
  const all =
    options.logic === undefined
      ? chain.steps
      : replaySteps(actor, options.logic, chain.steps, entries);
  const steps = all.filter(
    (s) => s.seq >= from && (options.task === undefined || s.task === options.task),
  );
  const tasks = chain.tasks.filter((t) => options.task === undefined || t.task === options.task);
  const notes = chain.notes.filter((n) => n.seq >= from);
  return { actor, steps, tasks, notes };
}

/** @internal The whole chain of `entries` (one actor's journal, in order). */
export function buildChain(actor: string, entries: readonly JournalEntry[]): ReasoningChain {
  const steps: MutableStep[] = [];
  const stepBySeq = new Map<number, MutableStep>();
  const effects = new Map<string, MutableEffect>();
  const taskOfSeq = new Map<number, string>();
  const notes: ReasoningNote[] = [];
  const corrupt = (seq: number, what: string): RuntimeError =>
    new RuntimeError(
      ErrorCode.CorruptData,
      `Journal entry ${seq} of ${actor} is corrupt: ${what}`,
      {
        details: { actor, seq },
      },
    );
  const addStep = (seq: number, at: number, task: string, event: ReasoningEvent): void => {
    const step: MutableStep = { seq, at, task, event, effects: [] };
    steps.push(step);
    stepBySeq.set(seq, step);
    taskOfSeq.set(seq, task);
  };
  for (const { seq, event } of entries) {
    const data = event.data as Record<string, unknown> | null | undefined;
    switch (event.kind) {
      case 'message': {
        if (typeof data?.['id'] !== 'string' || typeof data['type'] !== 'string')
          throw corrupt(seq, 'a message without a string `id` and `type`');
        addStep(seq, event.at, data['id'], {
          kind: 'message',
          id: data['id'],
          type: data['type'],
          from: typeof data['from'] === 'string' ? data['from'] : undefined,
          payload: data['payload'],
          traceparent: typeof data['traceparent'] === 'string' ? data['traceparent'] : undefined,
        });
        break;
      }
      case 'effect-intent': {
        const key = data?.['key'];
        const effect = data?.['effect'];
        if (typeof key !== 'string' || typeof effect !== 'string')
          throw corrupt(seq, 'an effect intent without a string `key` and `effect`');
        const { type, name } = effectName(effect);
        const started: MutableEffect = {
          key,
          effect,
          type,
          name,
          attempt: attemptOf(key),
          intentSeq: seq,
          startedAt: event.at,
          status: 'uncertain',
          outcomeSeq: undefined,
          endedAt: undefined,
          durationMs: undefined,
          input: data?.['input'],
          output: undefined,
          error: undefined,
          failureClass: undefined,
          model: type === 'model' ? modelFacts(name, undefined) : undefined,
          usage: undefined,
          cost: undefined,
          screening: undefined,
          repairs: undefined,
        };
        effects.set(key, started);
        const stepSeq = stepOf(key);
        const step = stepSeq === undefined ? undefined : stepBySeq.get(stepSeq);
        step?.effects.push(started);
        break;
      }
      case 'effect-outcome': {
        const key = data?.['key'];
        const outcome = data?.['outcome'] as
          { ok?: unknown; output?: unknown; error?: WireError } | undefined;
        if (typeof key !== 'string' || typeof outcome?.ok !== 'boolean')
          throw corrupt(seq, 'an effect outcome without a string `key` and an `outcome`');
        const done = effects.get(key);
        const stepSeq = stepOf(key);
        const task = (stepSeq === undefined ? undefined : taskOfSeq.get(stepSeq)) ?? UNKNOWN_TASK;
        if (done !== undefined) {
          const output = outcome.ok ? outcome.output : undefined;
          Object.assign(done, {
            status: outcome.ok ? 'ok' : 'failed',
            outcomeSeq: seq,
            endedAt: event.at,
            durationMs: event.at - done.startedAt,
            output,
            error: outcome.ok ? undefined : outcome.error,
            failureClass: outcome.ok ? undefined : failureClassOf(outcome.error),
            model: done.type === 'model' ? modelFacts(done.name, output) : undefined,
            usage: usageOf(output),
            cost: costOf(output),
            screening: fieldOf(output, 'screening'),
            repairs: fieldOf(output, 'repairs'),
          } satisfies Partial<MutableEffect>);
        }
        addStep(seq, event.at, task, {
          kind: 'effect-outcome',
          key,
          effect: typeof data?.['effect'] === 'string' ? data['effect'] : (done?.effect ?? ''),
          ok: outcome.ok,
        });
        break;
      }
      case 'note':
      case 'state':
      case 'supervisor':
      case 'decision':
        notes.push({ seq, at: event.at, data: event.data });
    }
  }
  return { actor, steps, tasks: summarize(steps), notes };
}

/** Totals per task, in the order tasks began. */
function summarize(steps: readonly MutableStep[]): TaskSummary[] {
  const tasks = new Map<string, { -readonly [K in keyof TaskSummary]: TaskSummary[K] }>();
  for (const step of steps) {
    let task = tasks.get(step.task);
    if (task === undefined) {
      task = {
        task: step.task,
        seq: step.seq,
        startedAt: step.at,
        endedAt: step.at,
        steps: 0,
        modelCalls: 0,
        toolCalls: 0,
        failedEffects: 0,
        inputTokens: 0,
        outputTokens: 0,
        cost: 0,
      };
      tasks.set(step.task, task);
    }
    task.steps++;
    task.endedAt = Math.max(task.endedAt, step.at);
    for (const effect of step.effects) {
      if (effect.type === 'model') task.modelCalls++;
      if (effect.type === 'tool') task.toolCalls++;
      if (effect.status === 'failed') task.failedEffects++;
      task.inputTokens += effect.usage?.inputTokens ?? 0;
      task.outputTokens += effect.usage?.outputTokens ?? 0;
      task.cost += effect.cost ?? 0;
      if (effect.endedAt !== undefined) task.endedAt = Math.max(task.endedAt, effect.endedAt);
    }
  }
  return [...tasks.values()];
}
