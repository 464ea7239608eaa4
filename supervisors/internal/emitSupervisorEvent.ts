import type { Logger } from 'agentvisor/internal';
import type { SupervisorDeps } from '../SupervisorDeps.js';
import type { SupervisorEvent } from '../SupervisorEvent.js';
import type { SupervisorEventInput } from './SupervisorCore.js';
import { recordSupervisorMetrics } from './supervisorMetrics.js';

/**
 * Publishes one supervisor decision: stamped with the supervisor's name and the wall time, counted
 * in the metrics, logged as one structured line, and handed to the tree's listeners.
 */
export function emitSupervisorEvent(
  deps: SupervisorDeps,
  logger: Logger,
  supervisor: string,
  event: SupervisorEventInput,
): void {
  const full = { ...event, supervisor, at: deps.clock.now() } as SupervisorEvent;
  recordSupervisorMetrics(deps.system.metrics, full, () => deps.escalations.openCount());
  logger.info({ supervisorEvent: full }, `${full.type} ${'child' in full ? full.child : ''}`);
  deps.emit(full);
}
