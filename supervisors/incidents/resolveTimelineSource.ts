import type { Alert, JournalEntry } from 'agentvisor/internal';
import type { EscalationStore } from '../escalation/index.js';
import type { IncidentNote } from './Incident.js';
import type { TimelineSources } from './assembleTimeline.js';
import type { TimelineSource } from './TimelineItem.js';

/** What a timeline source resolves to: the record it names, or `undefined` when it is gone. */
export type ResolvedSource =
  | { readonly type: 'journal'; readonly entry: JournalEntry }
  | { readonly type: 'alert'; readonly alert: Alert }
  | { readonly type: 'escalation'; readonly record: unknown }
  | { readonly type: 'event'; readonly event: unknown }
  | { readonly type: 'note'; readonly note: IncidentNote };

/**
 * Reads back the record a timeline item names, from the sources the timeline was assembled from
 * (and an escalation store, for escalations kept there): a journal entry by actor and seq, an
 * alert by fingerprint, an escalation by id, a supervisor / resilience / rollout event by index,
 * a note by id. `undefined` when the record is not there (truncated, deleted).
 */
export async function resolveTimelineSource(
  source: TimelineSource,
  sources: TimelineSources & { readonly escalationStore?: EscalationStore },
): Promise<ResolvedSource | undefined> {
  switch (source.type) {
    case 'journal': {
      const [entry] = await sources.journal.read(source.actor, source.seq - 1, { limit: 1 });
      return entry?.seq === source.seq ? { type: 'journal', entry } : undefined;
    }
    case 'alert': {
      const alert = sources.alerts?.find((a) => a.fingerprint === source.id);
      return alert === undefined ? undefined : { type: 'alert', alert };
    }
    case 'escalation': {
      const record =
        sources.escalations?.find((e) => e.id === source.id) ??
        (await sources.escalationStore?.get(source.id));
      return record === undefined ? undefined : { type: 'escalation', record };
    }
    case 'supervisor': {
      const event = sources.supervisorEvents?.[source.index];
      return event?.supervisor === source.supervisor ? { type: 'event', event } : undefined;
    }
    case 'resilience': {
      const event = sources.resilienceEvents?.[source.index];
      return event === undefined ? undefined : { type: 'event', event };
    }
    case 'rollout': {
      const event = sources.rolloutEvents?.[source.index];
      return event === undefined ? undefined : { type: 'event', event };
    }
    case 'note': {
      const note = sources.notes?.find((n) => n.id === source.id);
      return note === undefined ? undefined : { type: 'note', note };
    }
  }
}
