import type { MetricsRegistry } from 'agentvisor/internal';
import type { SupervisorEvent } from '../SupervisorEvent.js';

/**
 * Updates the supervisor metrics an event moves. Labels are bounded by the tree's code
 * (supervisor ids), failure classes and decisions, never by traffic:
 * - `agentvisor_supervisor_restarts_total{supervisor,class}` and
 *   `agentvisor_restarts_total{failure_class}` (`exit` for a child that exited without error);
 * - `agentvisor_escalations_open` (gauge), `agentvisor_escalations_opened_total`,
 *   `agentvisor_escalations_resolved_total{decision,decided_by}`;
 * - `agentvisor_supervisor_gave_up_total{supervisor}`.
 */
export function recordSupervisorMetrics(
  metrics: MetricsRegistry,
  event: SupervisorEvent,
  openEscalations: () => number,
): void {
  if (event.type === 'restart-scheduled') {
    metrics
      .counter(
        'agentvisor_supervisor_restarts_total',
        'Restarts scheduled by supervisors, by failure class',
      )
      .inc({ supervisor: event.supervisor, class: event.failureClass ?? 'exit' });
    metrics
      .counter('agentvisor_restarts_total', 'Restarts scheduled, by failure class', {
        labelNames: ['failure_class'],
      })
      .inc({ failure_class: event.failureClass ?? 'exit' });
  } else if (event.type === 'child-parked' || event.type === 'escalation-decided') {
    if (event.type === 'child-parked') {
      metrics.counter('agentvisor_escalations_opened_total', 'Escalations opened').inc();
    } else {
      metrics
        .counter('agentvisor_escalations_resolved_total', 'Escalations resolved, by decision', {
          labelNames: ['decision', 'decided_by'],
        })
        .inc({ decision: event.decision, decided_by: event.decidedBy });
    }
    metrics
      .gauge('agentvisor_escalations_open', 'Escalations waiting for a person')
      .set(openEscalations());
  } else if (event.type === 'gave-up') {
    metrics
      .counter(
        'agentvisor_supervisor_gave_up_total',
        'Supervisors that exceeded their restart intensity',
      )
      .inc({ supervisor: event.supervisor });
  }
}
