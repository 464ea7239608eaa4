/**
 * The agents of the cluster example: a team (researchers, writers, critics) whose members each
 * keep a log of the tasks they handled. Durable: placed on a node, checkpointed to JetStream, and
 * restored on another node when theirs dies.
 */
import { assign, setup } from 'xstate';
import { respond, type MessageEvent } from 'agentvisor';
import type { ClusterAgent } from 'agentvisor/node';

type TeammateEvent = MessageEvent<'task', { id: string; text: string }> | MessageEvent<'report'>;

/** A teammate: handles `task`s (answers how many it has done), `report` answers its log. */
const teammate = setup({
  types: {
    context: {} as { done: string[] },
    events: {} as TeammateEvent,
  },
}).createMachine({
  id: 'teammate',
  context: { done: [] },
  on: {
    task: {
      actions: [
        assign({ done: ({ context, event }) => [...context.done, event.payload.id] }),
        respond(({ context }) => context.done.length),
      ],
    },
    report: { actions: respond(({ context }) => context.done) },
  },
});

/** The registry `cluster.yaml` points at (`agents: ./agents.ts`). */
export const agents: Record<string, ClusterAgent> = {
  researcher: { logic: teammate, machineVersion: 1 },
  writer: { logic: teammate, machineVersion: 1 },
  critic: { logic: teammate, machineVersion: 1 },
};
