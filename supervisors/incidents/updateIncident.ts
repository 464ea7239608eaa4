import { ErrorCode, RuntimeError } from 'agentvisor/internal';
import {
  INCIDENT_STATUSES,
  INCIDENT_TIMESTAMPS,
  IncidentSchema,
  type Incident,
  type IncidentStatus,
  type IncidentTimestampName,
  type IncidentUpdate,
} from './Incident.js';

/** The timestamp a status stamps when an incident moves to it. */
const STAMP: Readonly<Record<IncidentStatus, IncidentTimestampName | undefined>> = {
  open: undefined,
  mitigated: 'mitigated',
  resolved: 'resolved',
  reviewed: 'reviewed',
};

/**
 * `incident` with `update` applied at wall time `now`, validated: the status only moves forward
 * (moving to one stamps the timestamps it implies, e.g. `resolved` also stamps `mitigated` when
 * missing), and the timestamps stay monotonic in {@link INCIDENT_TIMESTAMPS} order. The input is
 * not changed.
 *
 * @throws {RuntimeError} ERR_INCIDENT_TIMESTAMP when a timestamp would lie before an earlier one
 *   (`details.path` names it, e.g. `timestamps.mitigated`, `details.before` the one it precedes);
 *   ERR_INCIDENT_TRANSITION for a status that is not forward; ERR_INVALID_OPTIONS for a record
 *   the schema refuses.
 */
export function updateIncident(incident: Incident, update: IncidentUpdate, now: number): Incident {
  const timestamps: Record<string, number | undefined> = {
    ...incident.timestamps,
    ...update.timestamps,
  };
  let status = incident.status;
  if (update.status !== undefined && update.status !== incident.status) {
    const from = INCIDENT_STATUSES.indexOf(incident.status);
    const to = INCIDENT_STATUSES.indexOf(update.status);
    if (to < from)
      throw new RuntimeError(
        ErrorCode.IncidentTransition,
        `Incident ${incident.id} cannot move from ${incident.status} back to ${update.status}`,
        { details: { id: incident.id, from: incident.status, to: update.status } },
      );
    for (const passed of INCIDENT_STATUSES.slice(from + 1, to + 1)) {
      const stamp = STAMP[passed];
      if (stamp !== undefined && timestamps[stamp] === undefined) timestamps[stamp] = now;
    }
    if (timestamps['acknowledged'] === undefined) {
      // Moving it on acknowledges it, no later than the first step it moved to.
      const later = (['mitigated', 'resolved', 'reviewed'] as const)
        .map((name) => timestamps[name])
        .filter((at): at is number => at !== undefined);
      timestamps['acknowledged'] = Math.min(now, ...later);
    }
    status = update.status;
  }
  assertMonotonic(incident.id, timestamps);
  const next = {
    ...incident,
    ...(update.title === undefined ? {} : { title: update.title }),
    ...(update.severity === undefined ? {} : { severity: update.severity }),
    ...(update.impact === undefined ? {} : { impact: update.impact }),
    ...(update.links === undefined ? {} : { links: [...update.links] }),
    ...(update.notes === undefined ? {} : { notes: [...update.notes] }),
    ...(update.actionItems === undefined ? {} : { actionItems: [...update.actionItems] }),
    ...(update.rootCause === undefined ? {} : { rootCause: update.rootCause }),
    status,
    timestamps: Object.fromEntries(
      Object.entries(timestamps).filter(([, v]) => v !== undefined),
    ) as Incident['timestamps'],
  };
  const parsed = IncidentSchema.safeParse(next);
  if (!parsed.success)
    throw new RuntimeError(ErrorCode.InvalidOptions, `Invalid update of incident ${incident.id}`, {
      details: { id: incident.id, issues: parsed.error.issues },
    });
  return parsed.data;
}

/**
 * @throws {RuntimeError} ERR_INCIDENT_TIMESTAMP naming the first timestamp that lies before an
 *   earlier-ordered one.
 */
export function assertMonotonic(id: string, timestamps: Readonly<Record<string, unknown>>): void {
  let last: { name: IncidentTimestampName; at: number } | undefined;
  for (const name of INCIDENT_TIMESTAMPS) {
    const at = timestamps[name];
    if (typeof at !== 'number') continue;
    if (last !== undefined && at < last.at)
      throw new RuntimeError(
        ErrorCode.IncidentTimestamp,
        `Incident ${id}: \`timestamps.${name}\` (${at}) is before \`timestamps.${last.name}\` (${last.at})`,
        {
          details: {
            id,
            path: `timestamps.${name}`,
            value: at,
            before: last.name,
            beforeValue: last.at,
          },
        },
      );
    last = { name, at };
  }
}
