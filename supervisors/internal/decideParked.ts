import type { Envelope } from 'agentvisor/internal';
import type { Escalation, HumanDecision } from '../escalation/index.js';

/** How to start a parked child again: a snapshot to restore and messages to put first. */
export interface ParkedStart {
  readonly snapshot?: unknown;
  readonly prepend?: readonly Envelope[];
}

/** What a decision about a parked child does: start it again (and maybe answer), or stop it. */
export type ParkedAction =
  | {
      readonly type: 'start';
      readonly from: ParkedStart | undefined;
      /** `skip`: the failed request is answered with the person's result. */
      readonly reply?: { readonly to: Envelope; readonly payload: unknown };
    }
  | { readonly type: 'stop' };

/** The park/apply decision as a pure function of the escalation and the decision. */
export function decideParked(escalation: Escalation, decision: HumanDecision): ParkedAction {
  const snapshot =
    escalation.lastCheckpoint?.kind === 'last-good-snapshot'
      ? escalation.lastCheckpoint.snapshot
      : undefined;
  const failed = escalation.failedMessage;
  switch (decision.type) {
    case 'retry':
      return {
        type: 'start',
        from: {
          ...(snapshot === undefined ? {} : { snapshot }),
          ...(failed === undefined ? {} : { prepend: [failed] }),
        },
      };
    case 'resume':
      return {
        type: 'start',
        from:
          snapshot === undefined
            ? undefined
            : { snapshot: withContext(snapshot, decision.context) },
      };
    case 'skip':
      return {
        type: 'start',
        from: snapshot === undefined ? undefined : { snapshot },
        ...(failed?.replyTo === undefined
          ? {}
          : { reply: { to: failed, payload: decision.result } }),
      };
    case 'restart-fresh':
      return { type: 'start', from: undefined };
    case 'stop':
      return { type: 'stop' };
  }
}

// The error and its causes, outermost first, in wire form: the runtime's one error-chain form
// (runtime/errors/errorChain.ts), re-exported where the supervisor takes it from.
export { errorChain } from 'agentvisor/internal';

/** A persisted XState snapshot with `context` fields replaced (a person's edit). */
function withContext(snapshot: unknown, context: Record<string, unknown> | undefined): unknown {
  if (context === undefined || typeof snapshot !== 'object' || snapshot === null) return snapshot;
  const s = snapshot as { context?: Record<string, unknown> };
  return { ...s, context: { ...s.context, ...context } };
}
