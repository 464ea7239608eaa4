import type { JournalEntry } from 'agentvisor/internal';
import type { TimelineItem, TimelineKind } from '../TimelineItem.js';

interface EnvelopeIds {
  readonly id?: unknown;
  readonly causationId?: unknown;
  readonly correlationId?: unknown;
}

/** The step sequence a ledger key names (`<seq>/<invoke id>[@attempt]`). */
function stepOf(key: unknown): number | undefined {
  if (typeof key !== 'string') return undefined;
  const seq = Number(key.slice(0, key.indexOf('/')));
  return Number.isInteger(seq) && seq > 0 ? seq : undefined;
}

const attemptOf = (key: unknown): number =>
  typeof key === 'string' ? Number(/@(\d+)$/.exec(key)?.[1] ?? 1) : 1;

/**
 * @internal The timeline item of one journal entry, with the causation ids of the message it
 * belongs to (an effect belongs to the message of the step that started it). `messages` maps the
 * step sequences seen so far to their message entry, and is updated.
 */
export function journalItem(
  actor: string,
  entry: JournalEntry,
  messages: Map<string, JournalEntry>,
  summary: string,
): TimelineItem | undefined {
  const { seq, event } = entry;
  const data = (event.data ?? {}) as Record<string, unknown>;
  let kind: TimelineKind;
  let message: JournalEntry | undefined;
  switch (event.kind) {
    case 'message':
      kind = 'message';
      message = entry;
      messages.set(String(seq), entry);
      break;
    case 'effect-intent':
    case 'effect-outcome': {
      message = messages.get(String(stepOf(data['key'])));
      // An outcome's step carries the message it belongs to on to the effects it starts.
      if (message !== undefined && event.kind === 'effect-outcome')
        messages.set(String(seq), message);
      const ok = (data['outcome'] as { ok?: unknown } | undefined)?.ok !== false;
      kind =
        event.kind === 'effect-intent'
          ? attemptOf(data['key']) > 1
            ? 'retry'
            : 'effect-started'
          : ok
            ? 'effect-succeeded'
            : 'effect-failed';
      break;
    }
    case 'note':
      kind = 'failedSeq' in data || 'effectKey' in data ? 'failure' : 'note';
      break;
    case 'state':
      kind = 'recovery';
      break;
    case 'supervisor':
      kind = 'supervisor';
      break;
    case 'decision':
      // A person's decision on an escalation, journaled in the parked child's journal.
      kind = 'decision';
      break;
  }
  const ids = (message?.event.data ?? {}) as EnvelopeIds;
  return {
    at: event.at,
    kind,
    subject: actor,
    summary,
    source: { type: 'journal', actor, seq },
    ...(typeof ids.id === 'string' ? { messageId: ids.id } : {}),
    ...(typeof ids.causationId === 'string' ? { causationId: ids.causationId } : {}),
    ...(typeof ids.correlationId === 'string' ? { correlationId: ids.correlationId } : {}),
  };
}
