import { fromPromise, type PromiseActorLogic } from 'xstate';
import { ErrorCode, RuntimeError, type ActorContext } from 'agentvisor';
import type { ModelClient, ModelRequest, ModelResponse } from '../models/index.js';

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
};

/**
 * Builds the effects of one agent incarnation, bound to the actor as sender. Effects are
 * referenced logic (not inline), so XState can persist the actors that invoke them.
 */
export function createEffects(
  self: ActorContext,
  models: Readonly<Record<string, ModelClient>>,
): AgentEffects {
  const modelNames = Object.keys(models);
  return {
    ask: fromPromise<unknown, AskInput>(({ input, signal }) =>
      self.ask(input.to, input.type, input.payload, {
        signal,
        ...(input.timeoutMs === undefined ? {} : { timeoutMs: input.timeoutMs }),
        ...(input.deadline === undefined ? {} : { deadline: input.deadline }),
      }),
    ),
    model: fromPromise<ModelResponse, ModelInput>(({ input, signal }) => {
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
      return client.complete(request, { signal });
    }),
  };
}
