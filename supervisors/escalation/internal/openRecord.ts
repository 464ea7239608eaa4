import { disposable, type Disposable } from 'agentvisor/internal';
import type { OpenEscalation } from '../Escalation.js';
import type { OpenEscalationInput } from '../EscalationService.js';
import { specAsData } from '../specAsData.js';

/** The record {@link EscalationService.open} stores: the facts, its id and its times. */
export function openRecord(
  input: OpenEscalationInput,
  id: string,
  raisedAt: number,
): OpenEscalation {
  return {
    v: 1,
    id,
    status: 'open',
    supervisor: input.supervisor,
    // Idempotent: a spec already turned into data is unchanged; a raw one cannot leak functions.
    child: { ...input.child, spec: specAsData(input.child.spec) },
    failureClass: input.failureClass,
    errorChain: input.errorChain,
    restartHistory: input.restartHistory,
    lastCheckpoint: input.lastCheckpoint,
    lastMessages: input.lastMessages,
    ...(input.failedMessage === undefined ? {} : { failedMessage: input.failedMessage }),
    raisedAt,
    dueAt: raisedAt + input.deadlineMs,
    defaultDecision: input.defaultDecision,
  };
}

/** Adds `listener` to `listeners`; dispose the result to remove it. */
export function subscribe<TListener>(listeners: Set<TListener>, listener: TListener): Disposable {
  listeners.add(listener);
  return disposable(() => {
    listeners.delete(listener);
  });
}
