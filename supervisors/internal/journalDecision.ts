import type { Journal } from 'agentvisor/internal';
import type { Escalation, HumanDecision } from '../escalation/index.js';

/** What a `decision` journal entry holds: who decided what about which escalation, and when. */
export interface DecisionEntryData {
  readonly escalation: string;
  readonly decision: HumanDecision;
  /** `human` or `deadline`. */
  readonly decidedBy: 'human' | 'deadline';
  /** Who decided, when a person did. */
  readonly by?: string;
  readonly note?: string;
  /** Wall ms of the decision. */
  readonly decidedAt: number;
}

/**
 * Journals a decision about a parked child in the child's own journal, before the child starts
 * again: its history then says why it resumed. The entry id is the escalation's, so applying
 * the same decision again (a failover) appends nothing new.
 */
export async function journalDecision(
  journal: Journal,
  actor: string,
  escalation: Escalation,
  decision: HumanDecision,
): Promise<void> {
  const resolution = escalation.resolution;
  const data: DecisionEntryData = {
    escalation: escalation.id,
    decision: resolution?.decision ?? decision,
    decidedBy: resolution?.decidedBy ?? 'human',
    ...(resolution?.by === undefined ? {} : { by: resolution.by }),
    ...(resolution?.note === undefined ? {} : { note: resolution.note }),
    decidedAt: resolution?.decidedAt ?? 0,
  };
  await journal.append(actor, [
    { id: `decision:${escalation.id}`, kind: 'decision', at: data.decidedAt, data },
  ]);
}
