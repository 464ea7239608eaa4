/**
 * Where a timeline item came from, enough to read the record back (see `resolveTimelineSource`):
 * an actor's journal entry, an alert, an escalation, a supervisor event, a resilience event, a
 * rollout event, an incident note or a signal.
 */
export type TimelineSource =
  | { readonly type: 'journal'; readonly actor: string; readonly seq: number }
  | { readonly type: 'alert'; readonly id: string }
  | { readonly type: 'escalation'; readonly id: string }
  | { readonly type: 'supervisor'; readonly supervisor: string; readonly index: number }
  | { readonly type: 'resilience'; readonly index: number }
  | { readonly type: 'rollout'; readonly index: number }
  | { readonly type: 'note'; readonly id: string };

/** Kinds of timeline items. */
export type TimelineKind =
  | 'message'
  | 'effect-started'
  | 'effect-succeeded'
  | 'effect-failed'
  | 'retry'
  | 'failure'
  | 'recovery'
  | 'supervisor'
  | 'breaker'
  | 'fallback'
  | 'resilience'
  | 'alert'
  | 'escalation'
  | 'decision'
  | 'rollout'
  | 'note';

/** One item of an incident's timeline. */
export interface TimelineItem {
  /** Wall time, epoch ms. */
  readonly at: number;
  readonly kind: TimelineKind;
  /** The actor (or supervisor, breaker) it is about. */
  readonly subject: string;
  readonly summary: string;
  readonly source: TimelineSource;
  /** The envelope ids of the message it belongs to, when it belongs to one. */
  readonly messageId?: string;
  readonly causationId?: string;
  readonly correlationId?: string;
}
