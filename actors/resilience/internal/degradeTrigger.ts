import type { CircuitBreaker } from 'agentvisor/internal';
import type { AgentResilienceConfig, DegradeTrigger } from '../AgentResilienceOptions.js';
import type { ModelCallPlan } from '../ModelCallPlan.js';
import type { TaskBudgets } from '../TaskBudgets.js';

/**
 * Why a model call takes the degraded strategy, or `undefined` to call the model as planned:
 * a task once degraded stays so (`chain-exhausted`); `breaker-open` when the model's first
 * endpoint's breaker is open or isolated; `budget-low` when a budget dimension is down to its
 * `budgetLowRatio`. Never for the degraded model itself.
 */
export function degradeTrigger(
  plan: ModelCallPlan,
  degrade: AgentResilienceConfig['degrade'],
  tasks: TaskBudgets,
  primaryBreaker: CircuitBreaker['state'] | undefined,
): DegradeTrigger | undefined {
  const budget = tasks.get(plan.task);
  if (degrade === undefined || plan.model === degrade.model) return undefined;
  // Once degraded, a task stays degraded: the machine said so, or an earlier call switched.
  if (plan.degraded || tasks.isDegraded(plan.task)) return 'chain-exhausted';
  if (degrade.when.includes('breaker-open')) {
    if (primaryBreaker === 'open' || primaryBreaker === 'isolated') return 'breaker-open';
  }
  if (degrade.when.includes('budget-low') && budget !== undefined) {
    const left = budget.remaining();
    const { maxTokens, maxCost, maxSteps } = budget.config;
    const low = (rest: number, max: number | undefined) =>
      max !== undefined && rest <= max * degrade.budgetLowRatio;
    if (low(left.tokens, maxTokens) || low(left.cost, maxCost) || low(left.steps, maxSteps)) {
      return 'budget-low';
    }
  }
  return undefined;
}
