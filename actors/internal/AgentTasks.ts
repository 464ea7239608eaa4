import type { AnyActor, InspectionEvent } from 'xstate';
import { REPLY_EVENT, messageOf, type Clock, type Logger } from 'agentvisor/internal';
import type { EvaluationResult } from './QualityWindow.js';
import type { TaskMetrics, TaskOutcome } from './TaskMetrics.js';

/** The message that began a task, as `evaluate` sees it. */
export interface EvaluatedTask {
  readonly id: string;
  readonly type: string;
  readonly payload: unknown;
}

/** How a task ended, as `evaluate` sees it: the reply's payload, or its error. */
export interface TaskResult {
  readonly outcome: TaskOutcome;
  readonly payload?: unknown;
  readonly error?: { readonly code: string; readonly message: string } | undefined;
}

/** What an agent's `evaluate` is: called once per finished task, live (never on replay). */
export type TaskEvaluator = (
  task: EvaluatedTask,
  result: TaskResult,
) => EvaluationResult | undefined;

interface OpenTask extends EvaluatedTask {
  readonly startedAt: number;
  steps: number;
  escalated: boolean;
  degraded: boolean;
}

/** Open tasks kept per incarnation at most (an actor that never answers cannot grow without end). */
const MAX_OPEN = 10_000;

/** What one incarnation's task watcher needs. */
export interface AgentTasksDeps {
  readonly agent: string;
  readonly accepts: Readonly<Record<string, unknown>>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: TaskMetrics;
  readonly evaluate: TaskEvaluator | undefined;
}

/**
 * Counts the tasks of one agent incarnation by inspecting its XState actor. A task is
 * an ask of an accepted type: it begins when the message reaches the machine and ends when the
 * machine answers it (`respond`/`respondTo`). Its steps are the transitions taken for it: the
 * message, then each outcome of an effect it invoked (an effect belongs to the task whose event
 * was being processed when it was invoked) and each timer. Outcome, first that applies: an
 * error reply `failed`; a `human` effect invoked `escalated`; a degraded model answer `degraded`;
 * else `succeeded`. What a durable actor replays from its journal was counted when it happened
 * and is not counted again.
 */
export function watchAgentTasks(
  actor: AnyActor,
  replaying: () => boolean,
  deps: AgentTasksDeps,
): void {
  const open = new Map<string, OpenTask>();
  const children = new Map<string, OpenTask>();
  let current: OpenTask | undefined;

  const begin = (event: { id: string; type: string; payload?: unknown }): OpenTask => {
    const task: OpenTask = {
      id: event.id,
      type: event.type,
      payload: event.payload,
      startedAt: deps.clock.now(),
      steps: 1,
      escalated: false,
      degraded: false,
    };
    open.set(task.id, task);
    if (open.size > MAX_OPEN) open.delete(open.keys().next().value as string);
    return task;
  };

  const onEvent = (event: Record<string, unknown> & { type: string }): void => {
    const done = /^xstate\.(done|error)\.actor\.(.*)$/.exec(event.type);
    if (done !== null) {
      const childId = done[2] ?? '';
      current = children.get(childId);
      children.delete(childId);
      if (current === undefined) return;
      current.steps++;
      const output = event['output'] as { strategy?: unknown } | undefined;
      if (done[1] === 'done' && output?.strategy === 'degraded') current.degraded = true;
      return;
    }
    const id = event['id'];
    if (typeof id === 'string' && event['replyTo'] !== undefined && event.type in deps.accepts) {
      current = open.get(id) ?? begin({ id, type: event.type, payload: event['payload'] });
      return;
    }
    // A timer (`after`) or an internal event: the latest open task's step.
    current = [...open.values()].at(-1);
    if (current !== undefined) current.steps++;
  };

  actor.system.inspect((inspection: InspectionEvent) => {
    if (inspection.type === '@xstate.event' && inspection.actorRef === actor) {
      onEvent(inspection.event);
    } else if (inspection.type === '@xstate.actor' && inspection.actorRef !== actor) {
      const child = inspection.actorRef as { id?: unknown; src?: unknown; _parent?: unknown };
      if (child._parent !== actor || typeof child.id !== 'string' || current === undefined) return;
      children.set(child.id, current);
      if (child.src === 'human') current.escalated = true;
    }
  });

  actor.on(REPLY_EVENT, (emitted) => {
    const reply = emitted as unknown as {
      to?: { id?: string };
      payload?: unknown;
      error?: { code: string; message: string };
    };
    const task = reply.to?.id === undefined ? undefined : open.get(reply.to.id);
    if (task === undefined) return;
    open.delete(task.id);
    if (replaying()) return;
    const outcome: TaskOutcome =
      reply.error !== undefined
        ? 'failed'
        : task.escalated
          ? 'escalated'
          : task.degraded
            ? 'degraded'
            : 'succeeded';
    const seconds = Math.max(0, deps.clock.now() - task.startedAt) / 1_000;
    deps.metrics.finished(deps.agent, outcome, task.steps, seconds);
    if (deps.evaluate !== undefined) {
      evaluateTask(deps, task, { outcome, payload: reply.payload, error: reply.error });
    }
  });
}

/** Runs `evaluate`; a throw or a malformed result is logged and dropped, never the task's failure. */
function evaluateTask(deps: AgentTasksDeps, task: OpenTask, result: TaskResult): void {
  const { id, type, payload } = task;
  let evaluation: EvaluationResult | undefined;
  try {
    evaluation = deps.evaluate?.({ id, type, payload }, result);
  } catch (err) {
    deps.logger.warn({ err: messageOf(err), task: id }, `evaluate of ${deps.agent} threw`);
    return;
  }
  if (evaluation === undefined) return;
  if (
    typeof evaluation.name !== 'string' ||
    evaluation.name.length === 0 ||
    evaluation.name.length > 256 ||
    !Number.isFinite(evaluation.score)
  ) {
    deps.logger.warn(
      { task: id, evaluation },
      `evaluate of ${deps.agent} returned no { name, score }: dropped`,
    );
    return;
  }
  deps.metrics.evaluated(deps.agent, evaluation);
}
