import { assign, fromPromise, setup } from 'xstate';
import { respond, respondTo, replyAddress, type MessageEvent, type ReplyAddress } from 'agentvisor';

type CounterEvent =
  | MessageEvent<'inc', { by?: number } | undefined>
  | MessageEvent<'get'>
  | MessageEvent<'boom'>
  | MessageEvent<'guarded'>
  | MessageEvent<'async-boom'>
  | MessageEvent<'finish'>;

/** A counter: `inc`, `get` (answers the count), and three ways to fail. */
export const counterMachine = setup({
  types: { context: {} as { count: number }, events: {} as CounterEvent },
  actions: {
    explode: () => {
      throw new Error('action exploded');
    },
    // An async action: XState drops the promise it returns, so its rejection is ours to catch.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the point of the fixture
    asyncExplode: async () => {
      await Promise.resolve();
      throw new Error('async action rejected');
    },
  },
  guards: {
    broken: () => {
      throw new Error('guard exploded');
    },
  },
}).createMachine({
  id: 'counter',
  context: { count: 0 },
  initial: 'counting',
  states: {
    counting: {
      on: {
        inc: {
          actions: assign({
            count: ({ context, event }) => context.count + (event.payload?.by ?? 1),
          }),
        },
        get: { actions: respond(({ context }) => context.count) },
        boom: { actions: 'explode' },
        guarded: { guard: 'broken', actions: 'explode' },
        'async-boom': { actions: 'asyncExplode' },
        finish: { target: 'finished' },
      },
    },
    finished: { type: 'final' },
  },
  output: ({ context }) => ({ count: context.count }),
});

/** Answers `slow` only after an invoked promise settles: lets a test stop it mid-ask. */
export const slowMachine = setup({
  types: {
    context: {} as { asker: ReplyAddress | undefined },
    events: {} as MessageEvent<'slow'>,
  },
  actors: {
    wait: fromPromise(() => new Promise<never>(() => undefined)),
  },
}).createMachine({
  id: 'slow',
  context: { asker: undefined },
  initial: 'idle',
  states: {
    idle: {
      on: {
        slow: { target: 'working', actions: assign({ asker: ({ event }) => replyAddress(event) }) },
      },
    },
    working: {
      invoke: {
        src: 'wait',
        onDone: {
          target: 'idle',
          actions: respondTo(({ context }) => ({ to: context.asker!, payload: 'late' })),
        },
      },
    },
  },
});
