/**
 * The agent of the failover benchmark, loaded by `agentvisor node` from the built CLI: it imports
 * the built library (not the sources) so node and agent share one copy.
 */
import { assign, setup } from 'xstate';

const { respond } = (await import(
  new URL('../dist/runtime/internal.js', import.meta.url).href
)) as typeof import('agentvisor/internal');

type CountEvent = { type: 'inc'; payload?: unknown } | { type: 'get'; payload?: unknown };

const counter = setup({
  types: { context: {} as { count: number }, events: {} as CountEvent },
}).createMachine({
  context: { count: 0 },
  on: {
    inc: {
      actions: [
        assign({ count: ({ context }) => context.count + 1 }),
        respond(({ context }) => context.count),
      ],
    },
    get: { actions: respond(({ context }) => context.count) },
  },
});

export const agents = { counter: { logic: counter, machineVersion: 1 } };
