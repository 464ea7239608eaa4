import { ErrorCode, type Journal } from 'agentvisor/internal';
import type { Escalation } from '../escalation/index.js';
import type { IncidentImpact } from './Incident.js';
import { journalTasks } from './internal/journalTasks.js';

/** Error codes of an effect that was refused before it ran (counted as blocked). */
const BLOCKING_CODES: ReadonlySet<string> = new Set([
  ErrorCode.CircuitOpen,
  ErrorCode.InputBlocked,
  ErrorCode.BudgetExceeded,
]);

/** What {@link computeImpact} reads. */
export interface ImpactSources {
  readonly journal: Journal;
  /** The affected actors (an incident's `agents`). */
  readonly actors: readonly string[];
  /** The period, wall ms: tasks that began in `[from, to)` count. */
  readonly from: number;
  readonly to: number;
  /** Escalations to count (those of the actors raised in the period). */
  readonly escalations?: readonly Escalation[];
}

/**
 * An incident's impact, computed from the journals of its actors (each figure is a journal
 * query): tasks begun in the period, those of them that failed (ended on a failed effect, or
 * named by a failure note), escalations raised, effects refused before running (breaker open,
 * input blocked, budget), effects that completed more than once for one ledger key (duplicates:
 * must be 0) and the spend recorded by model outcomes (`output.cost`).
 */
export async function computeImpact(sources: ImpactSources): Promise<IncidentImpact> {
  const impact = {
    tasksAffected: 0,
    tasksFailed: 0,
    tasksEscalated: 0,
    effectsBlocked: 0,
    effectsDuplicated: 0,
    spend: 0,
  };
  const inPeriod = (at: number): boolean => at >= sources.from && at < sources.to;
  for (const actor of sources.actors) {
    const tasks = journalTasks(await sources.journal.read(actor, 0)).filter((t) =>
      inPeriod(t.startedAt),
    );
    const completions = new Map<string, number>();
    for (const task of tasks) {
      impact.tasksAffected++;
      if (task.failed) impact.tasksFailed++;
      for (const effect of task.effects) {
        if (!effect.ok && BLOCKING_CODES.has(effect.errorCode ?? '')) impact.effectsBlocked++;
        if (effect.ok) {
          const key = effect.key.replace(/@\d+$/, '');
          completions.set(key, (completions.get(key) ?? 0) + 1);
        }
        impact.spend += effect.cost;
      }
    }
    for (const count of completions.values()) impact.effectsDuplicated += count - 1;
  }
  impact.tasksEscalated = (sources.escalations ?? []).filter(
    (e) => sources.actors.includes(e.child.name) && inPeriod(e.raisedAt),
  ).length;
  return impact;
}
