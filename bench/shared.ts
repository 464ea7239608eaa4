/**
 * What the benchmark files share: the counter every figure drives, and msgpackr configured as
 * agentvisor's codec is (runtime/codec) for the chains written by hand.
 */
import { Packr } from 'msgpackr';
import { assign, setup } from 'xstate';

type Respond = (typeof import('agentvisor/internal'))['respond'];

/** msgpackr as agentvisor configures it (runtime/codec), for the hand-made chains. */
export const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  int64AsType: 'auto' as 'number',
  useToJSON: false,
});

/**
 * The same one-event counter for every figure: `inc` counts, `get` answers the count through
 * `respond` (passed in: each caller has the library it measures, compiled or not).
 */
export function counterMachine(respond: Respond) {
  return setup({
    types: { context: {} as { count: number }, events: {} as { type: 'inc' } | { type: 'get' } },
  }).createMachine({
    context: { count: 0 },
    on: {
      inc: { actions: assign({ count: ({ context }) => context.count + 1 }) },
      get: { actions: respond(({ context }) => context.count) },
    },
  });
}
