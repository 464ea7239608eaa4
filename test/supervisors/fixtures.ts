import { assign, setup } from 'xstate';
import { respond, type MessageEvent } from 'agentvisor';

type WorkerEvent =
  | MessageEvent<'work.add', { n: number }>
  | MessageEvent<'work.get'>
  | MessageEvent<'work.crash', { reason?: string; failureClass?: string } | undefined>
  | MessageEvent<'work.finish'>
  | MessageEvent<'agentvisor.shutdown'>;

/**
 * A worker for supervision tests: `work.add` adds to a running total and records what it saw,
 * `work.get` answers both, `work.crash` throws (optionally tagged with a failure class),
 * `work.finish` exits normally.
 */
export const worker = setup({
  types: { context: {} as { total: number; seen: number[] }, events: {} as WorkerEvent },
  actions: {
    crash: ({ event }) => {
      const payload = (event as { payload?: { reason?: string; failureClass?: string } }).payload;
      const err = new Error(payload?.reason ?? 'worker crashed') as Error & {
        failureClass?: string;
      };
      if (payload?.failureClass !== undefined) err.failureClass = payload.failureClass;
      throw err;
    },
  },
}).createMachine({
  id: 'worker',
  context: { total: 0, seen: [] },
  initial: 'working',
  states: {
    working: {
      on: {
        'work.add': {
          actions: assign({
            total: ({ context, event }) => context.total + event.payload.n,
            seen: ({ context, event }) => [...context.seen, event.payload.n],
          }),
        },
        'work.get': {
          actions: respond(({ context }) => ({ total: context.total, seen: context.seen })),
        },
        'work.crash': { actions: 'crash' },
        'work.finish': 'finished',
      },
    },
    finished: { type: 'final' },
  },
});

/** A worker that takes the shutdown request and never finishes: it must be stopped by force. */
export const stubborn = setup({
  types: { events: {} as MessageEvent<'agentvisor.shutdown'> },
}).createMachine({
  id: 'stubborn',
  initial: 'busy',
  states: {
    busy: { on: { 'agentvisor.shutdown': 'stillBusy' } },
    stillBusy: {},
  },
});
