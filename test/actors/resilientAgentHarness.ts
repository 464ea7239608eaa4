/**
 * A one-state agent for the resilience wiring tests: `q.ask` calls the `model` effect (with the
 * message's id as task, its deadline, and the strategy the last answer reported) and answers with
 * the output or the error's wire form; `q.tool` calls a declared tool.
 */
import { assign, setup } from 'xstate';
import { z } from 'zod';
import {
  isRuntimeError,
  replyAddress,
  respondTo,
  toWireError,
  withFailureClass,
  type BudgetSnapshot,
  type ReplyAddress,
  type WireError,
} from 'agentvisor/internal';
import {
  defineAgent,
  type AgentConfig,
  type AgentEvents,
  type ModelClient,
  type ModelOutput,
} from 'agentvisor/actors';
import type { TestClock } from 'agentvisor/testing';

export const harnessAccepts = {
  'q.ask': z.strictObject({
    text: z.string(),
    model: z.string().optional(),
    offerTools: z.boolean().optional(),
    task: z.string().optional(),
  }),
  'q.tool': z.strictObject({ tool: z.string(), input: z.unknown() }),
} as const;

interface HarnessContext {
  asker: ReplyAddress | undefined;
  ask: z.output<(typeof harnessAccepts)['q.ask']> | undefined;
  tool: { tool: string; input: unknown } | undefined;
  deadline: number | undefined;
  taskId: string;
  strategy: 'normal' | 'degraded';
  budget: BudgetSnapshot | undefined;
}

type HarnessConfig = Omit<
  AgentConfig<typeof harnessAccepts, never>,
  'name' | 'version' | 'accepts' | 'machine'
>;

/** The harness agent with `config`'s models, tools, timeouts, budget, degrade. */
export function harnessAgent(config: HarnessConfig, name = 'resilient') {
  return defineAgent({
    name,
    version: 1,
    accepts: harnessAccepts,
    ...config,
    machine: ({ effects }) =>
      setup({
        types: {
          context: {} as HarnessContext,
          events: {} as AgentEvents<typeof harnessAccepts>,
        },
        actors: effects,
      }).createMachine({
        id: name,
        context: {
          asker: undefined,
          ask: undefined,
          tool: undefined,
          deadline: undefined,
          taskId: '',
          strategy: 'normal',
          budget: undefined,
        },
        initial: 'idle',
        states: {
          idle: {
            on: {
              'q.ask': {
                target: 'asking',
                actions: assign({
                  asker: ({ event }) => replyAddress(event),
                  ask: ({ event }) => event.payload,
                  deadline: ({ event }) => event.deadline,
                  taskId: ({ event }) => event.payload.task ?? event.id,
                  // The spend reported is the task's: another task starts from nothing.
                  budget: ({ context, event }) =>
                    (event.payload.task ?? event.id) === context.taskId
                      ? context.budget
                      : undefined,
                }),
              },
              'q.tool': {
                target: 'tooling',
                actions: assign({
                  asker: ({ event }) => replyAddress(event),
                  tool: ({ event }) => event.payload,
                  deadline: ({ event }) => event.deadline,
                }),
              },
            },
          },
          asking: {
            invoke: {
              src: 'model',
              input: ({ context }) => ({
                messages: [{ role: 'user' as const, content: context.ask?.text ?? '' }],
                ...(context.ask?.model === undefined ? {} : { model: context.ask.model }),
                ...(context.ask?.offerTools === true ? { offerTools: true } : {}),
                taskId: context.taskId,
                deadline: context.deadline,
                strategy: context.strategy,
                budgetSpent: context.budget,
              }),
              onDone: {
                target: 'idle',
                actions: [
                  assign({
                    strategy: ({ event }) => event.output.strategy,
                    budget: ({ event }) => event.output.budget,
                  }),
                  respondTo(({ context, event }) => ({
                    to: context.asker!,
                    payload: event.output,
                  })),
                ],
              },
              onError: {
                target: 'idle',
                actions: respondTo(({ context, event }) => ({
                  to: context.asker!,
                  error: toWireError(event.error),
                })),
              },
            },
          },
          tooling: {
            invoke: {
              src: 'tool',
              input: ({ context }) => ({
                tool: context.tool?.tool ?? '',
                input: context.tool?.input,
                deadline: context.deadline,
              }),
              onDone: {
                target: 'idle',
                actions: respondTo(({ context, event }) => ({
                  to: context.asker!,
                  payload: event.output,
                })),
              },
              onError: {
                target: 'idle',
                actions: respondTo(({ context, event }) => ({
                  to: context.asker!,
                  error: toWireError(event.error),
                })),
              },
            },
          },
        },
      }),
  });
}

/** Advances `clock` in `stepMs` steps until `promise` settles (or `maxMs` passed). */
export async function settle<T>(
  promise: Promise<T>,
  clock: TestClock,
  maxMs = 600_000,
  stepMs = 10,
): Promise<{ ok: true; value: T; atMs: number } | { ok: false; error: unknown; atMs: number }> {
  const start = clock.monotonic();
  let result:
    { ok: true; value: T; atMs: number } | { ok: false; error: unknown; atMs: number } | undefined;
  promise.then(
    (value) => (result = { ok: true, value, atMs: clock.monotonic() - start }),
    (error: unknown) => (result = { ok: false, error, atMs: clock.monotonic() - start }),
  );
  while (result === undefined && clock.monotonic() - start < maxMs) await clock.advance(stepMs);
  if (result === undefined) throw new Error(`did not settle within ${maxMs} ms`);
  return result;
}

/** The output of a settled ask, or a test failure naming the error. */
export function answerOf(result: { ok: boolean; value?: unknown; error?: unknown }): ModelOutput {
  if (!result.ok) {
    const code = isRuntimeError(result.error) ? result.error.code : String(result.error);
    throw new Error(`expected an answer, got ${code}`);
  }
  return result.value as ModelOutput;
}

/** The code and class of a settled ask's error. */
export function errorOf(result: { ok: boolean; error?: unknown }): {
  code: string;
  failureClass: unknown;
} {
  if (result.ok || !isRuntimeError(result.error)) throw new Error('expected a RuntimeError');
  const details = result.error.details as { failureClass?: unknown } | undefined;
  return { code: result.error.code, failureClass: details?.failureClass };
}

/** A client that fails every call with `failureClass`, counting calls. */
export function failingClient(
  name: string,
  failureClass: 'auth' | 'transient' | 'invalid-request',
  calls: string[],
): ModelClient {
  return {
    name,
    complete: () => {
      calls.push(name);
      return Promise.reject(withFailureClass(new Error(`${name}: ${failureClass}`), failureClass));
    },
  };
}

export type { WireError };
