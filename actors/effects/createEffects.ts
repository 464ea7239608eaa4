import { fromPromise, type PromiseActorLogic } from 'xstate';
import type { z } from 'zod';
import {
  ErrorCode,
  RuntimeError,
  type ActorContext,
  type BudgetSnapshot,
} from 'agentvisor/internal';
import type { ModelRequest, ModelTool } from '../models/index.js';
import {
  AgentResilience,
  type ModelCallPlan,
  type ModelOutput,
  type ResilientTool,
} from '../resilience/index.js';
import type { ApprovalBroker, ApprovalDecision } from './ApprovalBroker.js';
import { describeTool } from './internal/describeTool.js';
import { runEffect, type EffectSafety } from './runEffect.js';

/** A tool an agent may call: its input schema, how to run it, and how safe a re-run is. */
export interface ToolDefinition<TInput = unknown, TOutput = unknown> {
  /** Input schema: a call with invalid input fails before anything runs (ERR_INVALID_MESSAGE). */
  readonly input: z.ZodType<TInput>;
  /** What the tool does, for the model it is offered to. */
  readonly description?: string;
  /** Safe to run again with the same idempotency key. @default false */
  readonly idempotent?: boolean;
  /** Tells whether a run that may have happened before a crash did (by idempotency key). */
  readonly verify?: EffectSafety['verify'];
  /** Checkpoint before each run. @default true when not idempotent */
  readonly checkpointBefore?: boolean;
  /**
   * Call timeout, retries (default: only when idempotent) and breaker of this tool (breaker key
   * `tool:<name>`; while it is open the tool is not offered to models). @default {}
   */
  readonly resilience?: ResilientTool['resilience'];
  /**
   * Runs the tool; pass `idempotencyKey` to the remote side where it supports one.
   *
   * A method, not a function-typed property: methods are compared bivariantly, so a typed tool
   * (`ToolDefinition<{ q: string }, string>`) is assignable to `ToolDefinition` (the `tools` of
   * an agent) without a cast. Its input is parsed by `input` before `run` sees it.
   */
  run(input: TInput, context: { idempotencyKey: string; signal: AbortSignal }): Promise<TOutput>;
  /**
   * What a shadow run of a rollout gets instead of running the tool when the stable run
   * recorded no outcome for the same call (`createShadowTools`). @default none: the call is
   * refused with ERR_SHADOW_EFFECT
   */
  shadow?(input: TInput): Promise<TOutput> | TOutput;
}

/** Input of the `tool` effect. */
export interface ToolInput {
  readonly tool: string;
  readonly input: unknown;
  /** Deadline of the task (epoch ms, the envelope's `deadline`): the call never outlives it. */
  readonly deadline?: number | undefined;
}

/** Input of the `human` effect: a decision a person must make, with a deadline and a default. */
export interface HumanInput {
  readonly question: string;
  readonly options: readonly string[];
  /** Time to decide. */
  readonly deadlineMs: number;
  /** Applied when no one decides in time. */
  readonly default: string;
  readonly context?: unknown;
}

/** Input of the `timer` effect: an absolute wall-clock deadline kept in the machine's context. */
export interface TimerInput {
  /** Epoch ms. A restored actor waits only for what is left. */
  readonly deadlineAt: number;
}

/** Input of the `ask` effect: ask another actor and get its reply as `onDone` output. */
export interface AskInput {
  readonly to: string;
  readonly type: string;
  readonly payload?: unknown;
  /** @default the system's askTimeoutMs */
  readonly timeoutMs?: number;
  /** Deadline inherited from the message being handled (epoch ms): the ask never outlives it. */
  readonly deadline?: number | undefined;
}

/** Input of the `model` effect. */
export interface ModelInput extends ModelRequest {
  /** Which declared model to call. @default the first declared */
  readonly model?: string;
  /**
   * The task this call belongs to (e.g. the id of the message being handled): budgets and the
   * degraded strategy are per task. @default 'agent' (one task for the incarnation's lifetime)
   */
  readonly taskId?: string | undefined;
  /** Deadline of the task (epoch ms, the envelope's `deadline`): the step gets what is left. */
  readonly deadline?: number | undefined;
  /**
   * Offer the agent's declared tools to the model (`true`: all, or these names), in addition to
   * `tools`. Tools whose breaker is open are left out either way.
   */
  readonly offerTools?: boolean | readonly string[] | undefined;
  /** The strategy an earlier output reported; `degraded` keeps the task on the degraded path. */
  readonly strategy?: 'normal' | 'degraded' | undefined;
  /** The task's spend an earlier output reported (`output.budget`), kept in context across restarts. */
  readonly budgetSpent?: BudgetSnapshot | undefined;
}

/** The effects an agent invokes by name (`invoke: { src: 'ask' }`), registered in `setup({ actors })`. */
// A type alias, not an interface: it must be assignable to XState's `Record<string, logic>`.
export type AgentEffects = {
  readonly ask: PromiseActorLogic<unknown, AskInput>;
  readonly model: PromiseActorLogic<ModelOutput, ModelInput>;
  readonly tool: PromiseActorLogic<unknown, ToolInput>;
  readonly human: PromiseActorLogic<ApprovalDecision, HumanInput>;
  readonly timer: PromiseActorLogic<number, TimerInput>;
};

/** What the effects of an agent are built from. */
export interface EffectSources {
  /** Models (fallback chains), tools' pipelines, budgets and the degraded strategy. */
  readonly resilience: AgentResilience;
  readonly tools: Readonly<Record<string, ToolDefinition>>;
  readonly approvals: ApprovalBroker | undefined;
}

/**
 * Builds the effects of one agent incarnation, bound to the actor as sender. Effects are
 * referenced logic (not inline), so XState can persist the actors that invoke them.
 */
export function createEffects(self: ActorContext, sources: EffectSources): AgentEffects {
  const { resilience, tools, approvals } = sources;
  return {
    ask: fromPromise<unknown, AskInput>(({ input, signal }) =>
      self.ask(input.to, input.type, input.payload, {
        signal,
        ...(input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs }),
        ...(input.deadline === undefined ? {} : { deadline: input.deadline }),
      }),
    ),
    // A model call has no side effect beyond its cost: idempotent, re-run after a crash. Every
    // attempt, fallback and degradation happens inside the effect; only its final outcome is
    // journaled, so a replay repeats none of them.
    model: fromPromise<ModelOutput, ModelInput>(async ({ input, signal, self: child }) => {
      const name = input.model ?? resilience.models[0];
      if (name === undefined || resilience.chain(name) === undefined) {
        throw new RuntimeError(
          ErrorCode.InvalidOptions,
          `${self.name} has no model named ${name ?? '(none declared)'}`,
          { details: { agent: self.name, model: name, declared: resilience.models } },
        );
      }
      const plan: ModelCallPlan = {
        model: name,
        request: toRequest(input, resilience.offeredTools(self.name, toolsFor(input, tools))),
        task: input.taskId ?? 'agent',
        deadline: input.deadline,
        degraded: input.strategy === 'degraded',
        spent: input.budgetSpent,
      };
      // Set when the call runs live; a recorded outcome (a replay) leaves it false.
      const live = { ran: false };
      const output = await runEffect(
        self,
        child.id,
        `model:${name}`,
        plan.request,
        { idempotent: true },
        () => {
          live.ran = true;
          return resilience.callModel(self.name, plan, signal, self.metrics);
        },
      );
      if (!live.ran) resilience.replayed(plan, output);
      return output;
    }),
    tool: fromPromise<unknown, ToolInput>(({ input, signal, self: child }) => {
      const tool = tools[input.tool];
      if (tool === undefined) {
        return Promise.reject(
          new RuntimeError(
            ErrorCode.InvalidOptions,
            `${self.name} has no tool named ${input.tool}`,
            {
              details: {
                agent: self.name,
                tool: input.tool,
                declared: Object.keys(tools),
                failureClass: 'invalid-output',
              },
            },
          ),
        );
      }
      const parsed = tool.input.safeParse(input.input);
      if (!parsed.success) {
        return Promise.reject(
          new RuntimeError(
            ErrorCode.InvalidMessage,
            `Input of tool ${input.tool} is invalid: ${parsed.error.issues[0]?.message ?? ''}`,
            {
              details: { tool: input.tool, failureClass: 'invalid-output' },
            },
          ),
        );
      }
      const safety: EffectSafety = {
        idempotent: tool.idempotent ?? false,
        ...(tool.verify === undefined ? {} : { verify: tool.verify }),
        ...(tool.checkpointBefore === undefined ? {} : { checkpointBefore: tool.checkpointBefore }),
      };
      return runEffect(
        self,
        child.id,
        `tool:${input.tool}`,
        parsed.data,
        safety,
        (idempotencyKey) =>
          resilience.runTool(
            input.tool,
            input.deadline,
            signal,
            (attemptSignal) => tool.run(parsed.data, { idempotencyKey, signal: attemptSignal }),
            self.metrics,
          ),
      );
    }),
    // A person's decision is recorded like any outcome: after a crash it is not asked again.
    human: fromPromise<ApprovalDecision, HumanInput>(({ input, signal, self: child }) => {
      if (approvals === undefined) {
        return Promise.reject(
          new RuntimeError(
            ErrorCode.InvalidOptions,
            `${self.name} asks a person but no approval broker is configured`,
            {
              details: { agent: self.name },
            },
          ),
        );
      }
      return runEffect(self, child.id, 'human', input, { idempotent: true }, (idempotencyKey) =>
        approvals.request({ ...input, agent: self.name, key: idempotencyKey }, { signal }),
      );
    }),
    // Durable timer: the deadline lives in context; a restored actor re-runs this and waits
    // only for what is left (XState does not persist `after` timers).
    timer: fromPromise<number, TimerInput>(
      ({ input, signal }) =>
        new Promise<number>((resolve, reject) => {
          const clock = self.clock;
          if (signal.aborted) {
            reject(signal.reason as Error);
            return;
          }
          const handle = clock.setTimeout(
            () => {
              signal.removeEventListener('abort', onAbort);
              resolve(clock.now());
            },
            Math.max(0, input.deadlineAt - clock.now()),
          );
          const onAbort = () => {
            clock.clearTimeout(handle);
            reject(signal.reason as Error);
          };
          signal.addEventListener('abort', onAbort, { once: true });
        }),
    ),
  };
}

/** The tools a call offers: those it passes, plus the declared ones it asks for. */
function toolsFor(
  input: ModelInput,
  tools: Readonly<Record<string, ToolDefinition>>,
): readonly ModelTool[] | undefined {
  const wanted = input.offerTools;
  if (wanted === undefined || wanted === false) return input.tools;
  const names = wanted === true ? Object.keys(tools) : wanted;
  const declared = names.flatMap((n) => {
    const tool = tools[n];
    return tool === undefined ? [] : [describeTool(n, tool)];
  });
  return [...(input.tools ?? []), ...declared];
}

/** The request sent to the model: the input's request fields only, with the offered tools. */
function toRequest(input: ModelInput, tools: readonly ModelTool[] | undefined): ModelRequest {
  return {
    messages: input.messages,
    ...(input.maxTokens === undefined ? {} : { maxTokens: input.maxTokens }),
    ...(input.temperature === undefined ? {} : { temperature: input.temperature }),
    ...(tools === undefined ? {} : { tools }),
    ...(input.toolChoice === undefined ? {} : { toolChoice: input.toolChoice }),
    ...(input.responseFormat === undefined ? {} : { responseFormat: input.responseFormat }),
  };
}
