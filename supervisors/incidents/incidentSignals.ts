import type { Alert } from 'agentvisor';
import type { OpenEscalation } from '../escalation/index.js';
import type { IncidentSignal } from './Incident.js';

/**
 * The signal of an escalation opened (a human was asked to decide): severity 2, about the parked
 * child's actor, chained through the failed message's causation and correlation ids.
 */
export function signalFromEscalation(record: OpenEscalation): IncidentSignal {
  const message = record.failedMessage;
  return {
    kind: 'escalation',
    agent: record.child.name,
    at: record.raisedAt,
    source: `escalation:${record.id}`,
    severity: 2,
    summary: `${record.failureClass} failure of ${record.child.name} escalated to a human`,
    ...(message?.causationId === undefined ? {} : { causationId: message.causationId }),
    ...(message?.correlationId === undefined ? {} : { correlationId: message.correlationId }),
  };
}

/**
 * The signal of a firing alert, or `undefined` for one that should not open an incident (not
 * critical, resolved, or naming no `agent` label). Critical alerts ask for severity 2.
 */
export function signalFromAlert(alert: Alert): IncidentSignal | undefined {
  const agent = alert.labels['agent'];
  if (alert.severity !== 'critical' || alert.status !== 'firing' || agent === undefined)
    return undefined;
  return {
    kind: 'alert',
    agent,
    at: alert.startsAt,
    source: `alert:${alert.fingerprint}`,
    severity: 2,
    summary: `${alert.name} firing on ${agent}`,
  };
}
