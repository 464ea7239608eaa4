/**
 * The agents of the team example: a coordinator that asks two workers in parallel and combines
 * their answers. Each worker calls a (simulated) model through the `model` effect.
 */
import { assign, fromPromise, setup } from 'xstate';
import { z } from 'zod';
import { replyAddress, respond, respondTo, toWireError, type ReplyAddress } from 'agentvisor';
import { defineAgent, type AgentEvents, type ModelClient } from 'agentvisor/actors';

const workerAccepts = {
  'work.request': z.strictObject({ question: z.string().min(1).max(500) }),
} as const;

/** A worker: answers one question at a time with its model, in its own voice. */
export function worker(name: string, role: string, model: ModelClient) {
  return defineAgent({
    name,
    version: 1,
    description: `${role}: answers a question with its model`,
    accepts: workerAccepts,
    models: { main: model },
    machine: ({ effects }) =>
      setup({
        types: {
          context: {} as {
            asker: ReplyAddress | undefined;
            question: string;
            deadline: number | undefined;
          },
          events: {} as AgentEvents<typeof workerAccepts>,
        },
        actors: effects,
        actions: {
          // A bug on purpose: output it cannot parse throws, and the agent crashes (let it crash:
          // its supervisor restarts it).
          checkOutput: ({ event }) => {
            const output = (event as unknown as { output?: { text?: string } }).output;
            if (output?.text?.startsWith('!') === true)
              throw new Error(`${name} could not parse the model output`);
          },
        },
      }).createMachine({
        id: name,
        context: { asker: undefined, question: '', deadline: undefined },
        initial: 'idle',
        states: {
          idle: {
            on: {
              'work.request': {
                target: 'thinking',
                actions: assign({
                  asker: ({ event }) => replyAddress(event),
                  question: ({ event }) => event.payload.question,
                  deadline: ({ event }) => event.deadline,
                }),
              },
            },
          },
          thinking: {
            invoke: {
              src: 'model',
              input: ({ context }) => ({
                messages: [
                  { role: 'system' as const, content: `You are the team's ${role}.` },
                  { role: 'user' as const, content: context.question },
                ],
              }),
              onDone: {
                target: 'idle',
                actions: [
                  'checkOutput',
                  respondTo(({ context, event }) => ({
                    to: context.asker!,
                    payload: {
                      by: name,
                      text: event.output.text,
                      tokens: event.output.usage.outputTokens,
                    },
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
        },
      }),
  });
}

const coordinatorAccepts = {
  'team.task': z.strictObject({ question: z.string().min(1).max(200) }),
  'team.status': z.undefined(),
} as const;

interface WorkerAnswer {
  by: string;
  text: string;
  tokens: number;
}

interface CoordinatorContext {
  asker: ReplyAddress | undefined;
  question: string;
  deadline: number | undefined;
  research: WorkerAnswer | undefined;
  critique: WorkerAnswer | undefined;
  completed: number;
}

/** The coordinator: one task at a time, asks both workers at once, answers with both views. */
export const coordinator = defineAgent({
  name: 'coordinator',
  version: 1,
  description: 'asks the researcher and the critic in parallel and combines their answers',
  accepts: coordinatorAccepts,
  machine: ({ effects }) =>
    setup({
      types: {
        context: {} as CoordinatorContext,
        events: {} as AgentEvents<typeof coordinatorAccepts>,
      },
      actors: effects,
      guards: {
        bothAnswered: ({ context }) =>
          context.research !== undefined && context.critique !== undefined,
      },
      actions: {
        // A failed ask (a worker's error, or the task's deadline) is the task's answer.
        answerFailure: respondTo(({ context, event }) => ({
          to: context.asker!,
          error: toWireError((event as unknown as { error: unknown }).error),
        })),
      },
    }).createMachine({
      id: 'coordinator',
      context: {
        asker: undefined,
        question: '',
        deadline: undefined,
        research: undefined,
        critique: undefined,
        completed: 0,
      },
      initial: 'idle',
      on: {
        'team.status': { actions: respond(({ context }) => ({ completed: context.completed })) },
      },
      states: {
        idle: {
          on: {
            'team.task': {
              target: 'gathering',
              actions: assign({
                asker: ({ event }) => replyAddress(event),
                question: ({ event }) => event.payload.question,
                deadline: ({ event }) => event.deadline,
                research: undefined,
                critique: undefined,
              }),
            },
          },
        },
        gathering: {
          // Both asks run at once; each inherits what is left of the task's deadline.
          invoke: [
            {
              id: 'research',
              src: 'ask',
              input: ({ context }) => ({
                to: 'researcher',
                type: 'work.request',
                payload: { question: context.question },
                deadline: context.deadline,
              }),
              onDone: {
                actions: assign({ research: ({ event }) => event.output as WorkerAnswer }),
              },
              onError: { target: 'idle', actions: 'answerFailure' },
            },
            {
              id: 'critique',
              src: 'ask',
              input: ({ context }) => ({
                to: 'critic',
                type: 'work.request',
                payload: { question: context.question },
                deadline: context.deadline,
              }),
              onDone: {
                actions: assign({ critique: ({ event }) => event.output as WorkerAnswer }),
              },
              onError: { target: 'idle', actions: 'answerFailure' },
            },
          ],
          always: {
            guard: 'bothAnswered',
            target: 'idle',
            actions: [
              respondTo(({ context }) => ({
                to: context.asker!,
                payload: {
                  question: context.question,
                  answer: `${context.research!.text} | critic: ${context.critique!.text}`,
                  tokens: context.research!.tokens + context.critique!.tokens,
                },
              })),
              assign({ completed: ({ context }) => context.completed + 1 }),
            ],
          },
        },
      },
    }),
});

const publisherAccepts = {
  'publish.post': z.strictObject({ text: z.string().min(1).max(2_000) }),
} as const;

/**
 * The publisher: posts an answer through an external API (`post`). A rejected post is not
 * handled by the machine, so the agent fails and its supervisor decides by the failure class.
 */
export function publisher(post: (text: string) => Promise<string>) {
  return defineAgent({
    name: 'publisher',
    version: 1,
    description: 'posts answers to an external channel',
    accepts: publisherAccepts,
    machine: setup({
      types: {
        context: {} as { asker: ReplyAddress | undefined; text: string; posted: number },
        events: {} as AgentEvents<typeof publisherAccepts>,
      },
      actors: { post: fromPromise<string, { text: string }>(({ input }) => post(input.text)) },
    }).createMachine({
      id: 'publisher',
      context: { asker: undefined, text: '', posted: 0 },
      initial: 'idle',
      states: {
        idle: {
          on: {
            'publish.post': {
              target: 'posting',
              actions: assign({
                asker: ({ event }) => replyAddress(event),
                text: ({ event }) => event.payload.text,
              }),
            },
          },
        },
        posting: {
          // No onError: a failed post fails the agent, and supervision takes over.
          invoke: {
            src: 'post',
            input: ({ context }) => ({ text: context.text }),
            onDone: {
              target: 'idle',
              actions: [
                assign({ posted: ({ context }) => context.posted + 1 }),
                respondTo(({ context, event }) => ({
                  to: context.asker!,
                  payload: { url: event.output },
                })),
              ],
            },
          },
        },
      },
    }),
  });
}
