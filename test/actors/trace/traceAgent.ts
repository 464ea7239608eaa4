/**
 * A durable agent for the trace tests: per task, 2 model calls and 3 tool calls
 * (plan → lookup → fetch → answer → post), replying with the last model's text.
 */
import { assign, setup } from 'xstate';
import { z } from 'zod';
import { replyAddress, respondTo, type ReplyAddress } from 'agentvisor';
import {
  defineAgent,
  type AgentEvents,
  type ModelClient,
  type ModelOutput,
  type ToolDefinition,
} from 'agentvisor/actors';

export const traceAccepts = { 'task.run': z.strictObject({ q: z.string() }) } as const;

/** A ModelClient answering from a script: call n gets `answers[n % length]`. */
export function scriptedModel(name: string, model: string, calls: string[]): ModelClient {
  return {
    name,
    complete: (request) => {
      calls.push(name);
      const n = calls.length;
      return Promise.resolve({
        text: `${model} answer ${n} to ${request.messages.at(-1)?.content ?? ''}`,
        model,
        usage: { inputTokens: 10 * n, outputTokens: n },
        finishReason: 'stop' as const,
        cost: 0.001,
      });
    },
  };
}

/** A ModelClient that always fails (a transient server error), counting calls. */
export function failingModel(name: string, calls: string[]): ModelClient {
  return {
    name,
    complete: () => {
      calls.push(name);
      return Promise.reject(Object.assign(new Error(`${name} is down`), { status: 503 }));
    },
  };
}

/** An idempotent tool whose runs are held until the test releases them (or answered at once). */
export function heldTool(
  name: string,
  runs: { name: string; release: (v: string) => void }[],
  hold: () => boolean,
): ToolDefinition {
  return {
    input: z.object({ q: z.string() }),
    idempotent: true,
    run: (input) =>
      hold()
        ? new Promise<string>((resolve) => runs.push({ name, release: resolve }))
        : Promise.resolve(`${name}(${(input as { q: string }).q})`),
  };
}

export interface TraceAgentConfig {
  readonly models: NonNullable<Parameters<typeof defineAgent>[0]['models']>;
  readonly tools: Readonly<Record<'lookup' | 'fetch' | 'post', ToolDefinition>>;
}

type Ctx = { asker: ReplyAddress | undefined; q: string; notes: string[] };

function text(output: unknown): string {
  return typeof output === 'string' ? output : ((output as ModelOutput | undefined)?.text ?? '');
}

export function traceAgent(config: TraceAgentConfig) {
  return defineAgent({
    name: 'tracer',
    version: 3,
    accepts: traceAccepts,
    models: config.models,
    tools: config.tools,
    machine: ({ effects }) =>
      setup({
        types: { context: {} as Ctx, events: {} as AgentEvents<typeof traceAccepts> },
        actors: effects,
      }).createMachine({
        id: 'tracer',
        context: { asker: undefined, q: '', notes: [] },
        initial: 'idle',
        states: {
          idle: {
            on: {
              'task.run': {
                target: 'plan',
                actions: assign({
                  asker: ({ event }) => replyAddress(event),
                  q: ({ event }) => event.payload.q,
                  notes: () => [],
                }),
              },
            },
          },
          plan: {
            invoke: {
              src: 'model',
              input: ({ context }) => ({ messages: [{ role: 'user', content: context.q }] }),
              onDone: {
                target: 'lookup',
                actions: assign({
                  notes: ({ context, event }) => [...context.notes, text(event.output)],
                }),
              },
            },
          },
          lookup: {
            invoke: {
              src: 'tool',
              input: ({ context }) => ({ tool: 'lookup', input: { q: context.q } }),
              onDone: {
                target: 'fetch',
                actions: assign({
                  notes: ({ context, event }) => [...context.notes, text(event.output)],
                }),
              },
            },
          },
          fetch: {
            invoke: {
              src: 'tool',
              input: ({ context }) => ({ tool: 'fetch', input: { q: context.q } }),
              onDone: {
                target: 'answer',
                actions: assign({
                  notes: ({ context, event }) => [...context.notes, text(event.output)],
                }),
              },
            },
          },
          answer: {
            invoke: {
              src: 'model',
              input: ({ context }) => ({
                messages: [{ role: 'user', content: context.notes.join(' ') }],
              }),
              onDone: {
                target: 'post',
                actions: assign({
                  notes: ({ context, event }) => [...context.notes, text(event.output)],
                }),
              },
            },
          },
          post: {
            invoke: {
              src: 'tool',
              input: ({ context }) => ({ tool: 'post', input: { q: context.q } }),
              onDone: {
                target: 'idle',
                actions: respondTo(({ context, event }) => ({
                  to: context.asker!,
                  payload: [...context.notes, text(event.output)].join(' | '),
                })),
              },
            },
          },
        },
      }),
  });
}
