import { setup } from 'xstate';
import type { ActorContext, ActorTemplate, Envelope } from 'agentvisor/internal';

/**
 * The supervisor as an actor: one running state that hands every message to `onMessage`
 * (the message API). `onContext` receives the actor's context, through which the supervisor
 * answers requests and fails (an abnormal exit its parent sees).
 */
export function supervisorActor(
  name: string,
  onContext: (context: ActorContext) => void,
  onMessage: (envelope: Envelope) => void,
): ActorTemplate {
  return {
    version: 1,
    createLogic: (context) => {
      onContext(context);
      return setup({}).createMachine({
        id: `supervisor:${name}`,
        initial: 'running',
        states: {
          running: {
            on: {
              '*': {
                actions: ({ event }) => {
                  onMessage(event as unknown as Envelope);
                },
              },
            },
          },
        },
      });
    },
  };
}
