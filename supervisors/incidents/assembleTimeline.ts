import { readTrace, type Alert, type Journal, type JournalEntry } from 'agentvisor/internal';
import type { Escalation } from '../escalation/index.js';
import type { SupervisorEvent } from '../SupervisorEvent.js';
import type { IncidentNote } from './Incident.js';
import type { TimelineItem, TimelineKind } from './TimelineItem.js';
import { journalItem } from './internal/journalItem.js';

/**
 * A resilience event (an agent's `ResilienceEvent`: breaker, retry, fallback, …) with the wall
 * time it was observed at. Typed by shape: the supervisors layer does not import actors.
 */
export interface TimedResilienceEvent {
  readonly at: number;
  readonly event: {
    readonly type: string;
    readonly agent?: string;
    readonly breaker?: string;
    readonly from?: string;
    readonly to?: string;
    readonly reason?: string;
  };
}

/** A rollout event (promotion step, rollback) as data, with its time. */
export interface RolloutTimelineEvent {
  readonly at: number;
  readonly type: string;
  readonly agent: string;
  readonly summary: string;
}

/** What {@link assembleTimeline} reads; every source is optional but the journal. */
export interface TimelineSources {
  readonly journal: Journal;
  readonly actors: readonly string[];
  /** The period, wall ms, `[from, to)`. */
  readonly from: number;
  readonly to: number;
  readonly supervisorEvents?: readonly SupervisorEvent[];
  readonly resilienceEvents?: readonly TimedResilienceEvent[];
  readonly alerts?: readonly Alert[];
  readonly escalations?: readonly Escalation[];
  readonly rolloutEvents?: readonly RolloutTimelineEvent[];
  readonly notes?: readonly IncidentNote[];
}

const SUPERVISOR_KIND: Partial<Record<SupervisorEvent['type'], TimelineKind>> = {
  'child-failed': 'failure',
  'escalation-decided': 'decision',
};

function supervisorItem(event: SupervisorEvent, index: number): TimelineItem {
  const kind =
    event.type === 'child-started' && event.incarnation > 1
      ? 'recovery'
      : (SUPERVISOR_KIND[event.type] ?? 'supervisor');
  const { type, supervisor, at, ...rest } = event;
  return {
    at,
    kind,
    subject: 'child' in event ? event.child : supervisor,
    summary: `${supervisor}: ${type} ${JSON.stringify(rest)}`,
    source: { type: 'supervisor', supervisor, index },
  };
}

function resilienceItem({ at, event }: TimedResilienceEvent, index: number): TimelineItem {
  const subject = event.breaker ?? event.agent ?? event.type;
  const kind: TimelineKind =
    event.type === 'breaker' || event.type === 'retry' || event.type === 'fallback'
      ? event.type
      : 'resilience';
  const summary =
    event.type === 'breaker'
      ? `breaker ${subject} ${event.from ?? '?'} → ${event.to ?? '?'} (${event.reason ?? ''})`
      : `${event.type} ${JSON.stringify(event)}`;
  return { at, kind, subject, summary, source: { type: 'resilience', index } };
}

function escalationItems(record: Escalation): TimelineItem[] {
  const message = record.failedMessage;
  const opened: TimelineItem = {
    at: record.raisedAt,
    kind: 'escalation',
    subject: record.child.name,
    summary: `escalated ${record.failureClass} failure of ${record.child.name} to a human`,
    source: { type: 'escalation', id: record.id },
    ...(message === undefined ? {} : { messageId: message.id }),
    ...(message?.causationId === undefined ? {} : { causationId: message.causationId }),
    ...(message?.correlationId === undefined ? {} : { correlationId: message.correlationId }),
  };
  if (record.status !== 'resolved') return [opened];
  const { resolution } = record;
  return [
    opened,
    {
      at: resolution.decidedAt,
      kind: 'decision',
      subject: record.child.name,
      summary: `${resolution.decidedBy} decided ${resolution.decision.type}${resolution.by === undefined ? '' : ` (${resolution.by})`}`,
      source: { type: 'escalation', id: record.id },
    },
  ];
}

/**
 * The timeline of an incident, assembled from its sources: the actors' journals (messages, effect
 * intents and outcomes, retries, failure notes, recoveries), supervisor decisions, breaker
 * transitions, retries and fallbacks, alerts, escalations and their decisions, rollout events and
 * notes, within `[from, to)`. Items are in time order (ties keep each journal's sequence order);
 * each names its source record, and journal items carry their message's causation ids.
 */
export async function assembleTimeline(sources: TimelineSources): Promise<TimelineItem[]> {
  const inPeriod = (at: number): boolean => at >= sources.from && at < sources.to;
  const items: TimelineItem[] = [];
  for (const actor of sources.actors) {
    const entries: JournalEntry[] = await sources.journal.read(actor, 0);
    const lines = new Map((await readTrace(sources.journal, actor)).map((l) => [l.seq, l]));
    const messages = new Map<string, JournalEntry>();
    for (const entry of entries) {
      const item = journalItem(actor, entry, messages, lines.get(entry.seq)?.summary ?? '');
      if (item !== undefined && inPeriod(item.at)) items.push(item);
    }
  }
  (sources.supervisorEvents ?? []).forEach((e, i) => items.push(supervisorItem(e, i)));
  (sources.resilienceEvents ?? []).forEach((e, i) => items.push(resilienceItem(e, i)));
  for (const alert of sources.alerts ?? [])
    items.push({
      at: alert.startsAt,
      kind: 'alert',
      subject: alert.labels['agent'] ?? alert.name,
      summary: `${alert.severity} alert ${alert.name} = ${alert.value}`,
      source: { type: 'alert', id: alert.fingerprint },
    });
  for (const record of sources.escalations ?? []) items.push(...escalationItems(record));
  (sources.rolloutEvents ?? []).forEach((e, i) =>
    items.push({
      at: e.at,
      kind: 'rollout',
      subject: e.agent,
      summary: `${e.type}: ${e.summary}`,
      source: { type: 'rollout', index: i },
    }),
  );
  for (const note of sources.notes ?? [])
    items.push({
      at: note.at,
      kind: 'note',
      subject: note.by,
      summary: note.text,
      source: { type: 'note', id: note.id },
    });
  // Array.prototype.sort is stable: equal times keep the order above (a journal's seq order).
  return items.filter((item) => inPeriod(item.at)).sort((a, b) => a.at - b.at);
}
