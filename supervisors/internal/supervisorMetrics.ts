import type { MetricsRegistry } from 'agentvisor/internal';
import type { SupervisorEvent } from '../SupervisorEvent.js';

/** Updates the supervisor metrics an event moves (restarts, open escalations, give-ups). */
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
  } else if (event.type === 'child-parked' || event.type === 'escalation-decided') {
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
