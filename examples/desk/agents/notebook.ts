/**
 * The desk example's workers share one shape: a notebook that keeps the ids of the notes it was
 * given (`note`, answered with how many it holds) and reads them back (`read`). Durable: placed
 * on a node, checkpointed to JetStream, restored on another node when theirs dies.
 */
import { assign, setup } from 'xstate';
import { respond, type MessageEvent } from 'agentvisor';

type NotebookEvent = MessageEvent<'note', { id: string }> | MessageEvent<'read'>;

/** A notebook worker named `id`. */
export function notebook(id: string) {
  return setup({
    types: { context: {} as { notes: string[] }, events: {} as NotebookEvent },
  }).createMachine({
    id,
    context: { notes: [] },
    on: {
      note: {
        actions: [
          assign({ notes: ({ context, event }) => [...context.notes, event.payload.id] }),
          respond(({ context }) => context.notes.length),
        ],
      },
      read: { actions: respond(({ context }) => context.notes) },
    },
  });
}
