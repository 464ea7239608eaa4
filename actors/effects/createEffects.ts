import { fromPromise, type PromiseActorLogic } from 'xstate';
import type { z } from 'zod';
import { ErrorCode, RuntimeError, type ActorContext } from 'agentvisor';
import type { ModelClient, ModelRequest, ModelResponse } from '../models/index.js';
import type { ApprovalBroker, ApprovalDecision } from './ApprovalBroker.js';
import { runEffect, type EffectSafety } from './runEffect.js';

/** A tool an agent may call: its input schema, how to run it, and how safe a re-run is. */
export interface ToolDefinition<TInput = unknown, TOutput = unknown> {
  /** Input schema: a call with invalid input fails before anything runs (ERR_INVALID_MESSAGE). */
  readonly input: z.ZodType<TInput>;
  /** Safe to run again with the same idempotency key. @default false */
  readonly idempotent?: boolean;
  /** Tells whether a run that may have happened before a crash did (by idempotency key). */
  readonly verify?: EffectSafety['verify'];
  /** Checkpoint before each run. @default true when not idempotent */
  readonly checkpointBefore?: boolean;
  /** Runs the tool; pass `idempotencyKey` to the remote side where it supports one. */
  readonly run: (
    input: TInput,
    context: { idempotencyKey: string; signal: AbortSignal },
  ) => Promise<TOutput>;
}

/** Input of the `tool` effect. */
export interface ToolInput {
  readonly tool: string;
  readonly input: unknown;
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
}

/** The effects an agent invokes by name (`invoke: { src: 'ask' }`), registered in `setup({ actors })`. */
// A type alias, not an interface: it must be assignable to XState's `Record<string, logic>`.
export type AgentEffects = {
  readonly ask: PromiseActorLogic<unknown, AskInput>;
  readonly model: PromiseActorLogic<ModelResponse, ModelInput>;
  readonly tool: PromiseActorLogic<unknown, ToolInput>;
  readonly human: PromiseActorLogic<ApprovalDecision, HumanInput>;
  readonly timer: PromiseActorLogic<number, TimerInput>;
};

/** What the effects of an agent are built from. */
export interface EffectSources {
  readonly models: Readonly<Record<string, ModelClient>>;
  readonly tools: Readonly<Record<string, ToolDefinition>>;
  readonly approvals: ApprovalBroker | undefined;
}

/**
 * Builds the effects of one agent incarnation, bound to the actor as sender. Effects are
 * referenced logic (not inline), so XState can persist the actors that invoke them.
 */
export function createEffects(self: ActorContext, sources: EffectSources): AgentEffects {
  const { models, tools, approvals } = sources;
  const modelNames = Object.keys(models);
  return {
    ask: fromPromise<unknown, AskInput>(({ input, signal }) =>
      self.ask(input.to, input.type, input.payload, {
        signal,
        ...(input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs }),
        ...(input.deadline === undefined ? {} : { deadline: input.deadline }),
      }),
    ),
    // A model call has no side effect beyond its cost: idempotent, re-run after a crash.
    model: fromPromise<ModelResponse, ModelInput>(({ input, signal, self: child }) => {
      const name = input.model ?? modelNames[0];
      const client = name === undefined ? undefined : models[name];
      if (client === undefined) {
        return Promise.reject(
          new RuntimeError(
            ErrorCode.InvalidOptions,
            `${self.name} has no model named ${name ?? '(none declared)'}`,
            {
              details: { agent: self.name, model: name, declared: modelNames },
            },
          ),
        );
      }
      const request: ModelRequest =
        input.maxTokens === undefined
          ? { messages: input.messages }
          : { messages: input.messages, maxTokens: input.maxTokens };
      return runEffect(self, child.id, `model:${client.name}`, request, { idempotent: true }, () =>
        client.complete(request, { signal }),
      );
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
        (idempotencyKey) => tool.run(parsed.data, { idempotencyKey, signal }),
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
