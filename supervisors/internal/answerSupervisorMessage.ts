import {
  ErrorCode,
  RuntimeError,
  toWireError,
  type ActorContext,
  type Envelope,
} from 'agentvisor/internal';
import type { WorkerSpec } from '../policy/index.js';
import type { Supervisor } from '../Supervisor.js';

/**
 * The message API of a supervisor's actor: `supervisor.which-children`, `…count-children`,
 * `…start-child`, `…terminate-child`, `…restart-child`, `…delete-child`, each answered with the
 * result of the OTP call or its error.
 */
export function answerSupervisorMessage(
  supervisor: Supervisor,
  context: ActorContext | undefined,
  envelope: Envelope,
): void {
  const payload = (envelope.payload ?? {}) as { id?: string } & Partial<WorkerSpec>;
  const answer = (work: () => unknown) => {
    void Promise.resolve()
      .then(work)
      .then(
        (result) => {
          context?.reply(envelope, { payload: result });
        },
        (err: unknown) => {
          context?.reply(envelope, { error: toWireError(err) });
        },
      );
  };
  switch (envelope.type) {
    case 'supervisor.which-children':
      answer(() => supervisor.whichChildren());
      return;
    case 'supervisor.count-children':
      answer(() => supervisor.countChildren());
      return;
    case 'supervisor.start-child':
      answer(() => supervisor.startChild(payload));
      return;
    case 'supervisor.terminate-child':
      answer(() => supervisor.terminateChild(String(payload.id)));
      return;
    case 'supervisor.restart-child':
      answer(() => supervisor.restartChild(String(payload.id)));
      return;
    case 'supervisor.delete-child':
      answer(() => supervisor.deleteChild(String(payload.id)));
      return;
    default:
      answer(() => {
        throw new RuntimeError(
          ErrorCode.UnknownMessageType,
          `${supervisor.name} does not accept ${envelope.type}`,
          { details: { type: envelope.type } },
        );
      });
  }
}
