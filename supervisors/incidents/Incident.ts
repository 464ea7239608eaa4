import { z } from 'zod';

/** Incident statuses, in the only order an incident moves through them (Rootly-style). */
export const INCIDENT_STATUSES = ['open', 'mitigated', 'resolved', 'reviewed'] as const;
/** Where an incident stands: `open → mitigated → resolved → reviewed`, never backwards. */
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/**
 * The timestamps of an incident, in the order they must hold (each one at or after those before
 * it): impact started, detected, acknowledged by a person, mitigated, resolved, reviewed.
 */
export const INCIDENT_TIMESTAMPS = [
  'started',
  'detected',
  'acknowledged',
  'mitigated',
  'resolved',
  'reviewed',
] as const;
/** One of {@link INCIDENT_TIMESTAMPS}. */
export type IncidentTimestampName = (typeof INCIDENT_TIMESTAMPS)[number];

const epochMs = z.number().int().nonnegative();

/**
 * A signal that opens an incident or joins an open one: an escalation opened, a critical alert,
 * a rollout rollback, or a person declaring one (`manual`). `source` names the record it came
 * from (`escalation:<id>`, `alert:<fingerprint>`, `rollout:<id>`), so the incident links to it.
 */
export const IncidentSignalSchema = z.strictObject({
  kind: z.string().min(1).max(64),
  /** The agent (actor name) the signal is about. */
  agent: z.string().min(1).max(256),
  /** The node it was raised on, when known. */
  node: z.string().min(1).max(256).optional(),
  causationId: z.string().min(1).max(256).optional(),
  correlationId: z.string().min(1).max(256).optional(),
  /** Wall time of the signal, epoch ms. */
  at: epochMs,
  /** The record the signal came from, `<type>:<id>`. */
  source: z.string().min(1).max(512),
  /** Severity it asks for (1 most severe). @default 3 */
  severity: z.number().int().min(1).max(4).optional(),
  summary: z.string().max(2000).optional(),
});
/** A signal as given (see {@link IncidentSignalSchema}). */
export type IncidentSignal = z.output<typeof IncidentSignalSchema>;

/** Impact figures computed from the journals (see `computeImpact`). */
export const IncidentImpactSchema = z.strictObject({
  tasksAffected: z.number().int().nonnegative(),
  tasksFailed: z.number().int().nonnegative(),
  tasksEscalated: z.number().int().nonnegative(),
  effectsBlocked: z.number().int().nonnegative(),
  /** Effects that completed more than once for one ledger key: must be 0. */
  effectsDuplicated: z.number().int().nonnegative(),
  /** Model spend recorded in effect outcomes (`output.cost`). */
  spend: z.number().nonnegative(),
});
/** Impact figures of an incident. */
export type IncidentImpact = z.output<typeof IncidentImpactSchema>;

/** Action item types of a Google SRE postmortem. */
export const ACTION_ITEM_TYPES = ['mitigate', 'prevent', 'process'] as const;

/** A postmortem action item. */
export const ActionItemSchema = z.strictObject({
  id: z.string().min(1).max(128),
  text: z.string().min(1).max(2000),
  owner: z.string().min(1).max(256),
  type: z.enum(ACTION_ITEM_TYPES),
  status: z.enum(['open', 'done']),
});
/** A postmortem action item. */
export type ActionItem = z.output<typeof ActionItemSchema>;

/** A note a person added to an incident (it appears on the timeline). */
export const IncidentNoteSchema = z.strictObject({
  id: z.string().min(1).max(128),
  at: epochMs,
  by: z.string().min(1).max(256),
  text: z.string().min(1).max(10_000),
});
/** A note on an incident. */
export type IncidentNote = z.output<typeof IncidentNoteSchema>;

/** An incident record, as stored (validated on every read back). */
export const IncidentSchema = z.strictObject({
  id: z.string().min(1).max(128),
  title: z.string().min(1).max(500),
  /** 1 (most severe) to 4. */
  severity: z.number().int().min(1).max(4),
  status: z.enum(INCIDENT_STATUSES),
  timestamps: z.strictObject({
    started: epochMs,
    detected: epochMs,
    acknowledged: epochMs.optional(),
    mitigated: epochMs.optional(),
    resolved: epochMs.optional(),
    reviewed: epochMs.optional(),
  }),
  agents: z.array(z.string().min(1)),
  nodes: z.array(z.string().min(1)),
  /** Every signal that opened or joined it, in arrival order. */
  signals: z.array(IncidentSignalSchema),
  /** Envelope causation and correlation ids of its signals: later signals join through them. */
  chain: z.array(z.string().min(1)),
  impact: IncidentImpactSchema.optional(),
  /** Links to source records and documents (`escalation:<id>`, `alert:<fp>`, URLs). */
  links: z.array(z.string().min(1).max(2000)),
  notes: z.array(IncidentNoteSchema),
  actionItems: z.array(ActionItemSchema),
  /** Root cause, once diagnosed (`diagnoseRun`'s output, as data). */
  rootCause: z.unknown().optional(),
});
/** An incident record. */
export type Incident = z.output<typeof IncidentSchema>;

/**
 * A change to an incident: fields given replace the stored ones; `timestamps` merge; `status`
 * moves forward only and stamps its timestamp (`mitigated`, `resolved`, `reviewed`) with the
 * update's time when it is not given.
 */
export interface IncidentUpdate {
  readonly title?: string;
  readonly severity?: number;
  readonly status?: IncidentStatus;
  readonly timestamps?: Partial<Record<IncidentTimestampName, number>>;
  readonly impact?: IncidentImpact;
  readonly links?: readonly string[];
  readonly notes?: readonly IncidentNote[];
  readonly actionItems?: readonly ActionItem[];
  readonly rootCause?: unknown;
}
