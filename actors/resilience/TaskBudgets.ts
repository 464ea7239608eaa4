import {
  createBudget,
  isRuntimeError,
  type Budget,
  type BudgetOptions,
  type BudgetSnapshot,
} from 'agentvisor/internal';
import type { ModelResponse } from '../models/index.js';

/** Tasks remembered (budgets, degraded flags); the oldest is dropped first beyond this. */
const MAX_TASKS = 256;

/**
 * The budgets of an agent's tasks (tokens, cost, steps per task: the `taskId` of the model
 * effect), and which tasks run on the degraded strategy. A model call is one step.
 */
export class TaskBudgets {
  readonly #options: BudgetOptions | undefined;
  readonly #onExceeded: (task: string, dimension: string) => void;
  readonly #budgets = new Map<string, Budget>();
  readonly #degraded = new Set<string>();

  constructor(
    options: BudgetOptions | undefined,
    onExceeded: (task: string, dimension: string) => void,
  ) {
    this.#options = options;
    this.#onExceeded = onExceeded;
  }

  /** The budget of `task`, created on first use; undefined when the agent has none. */
  get(task: string): Budget | undefined {
    if (this.#options === undefined) return undefined;
    let budget = this.#budgets.get(task);
    if (budget === undefined) {
      budget = createBudget(this.#options);
      this.#budgets.set(task, budget);
      this.#trim();
    }
    return budget;
  }

  /** True once `task` switched to the degraded strategy. */
  isDegraded(task: string): boolean {
    return this.#degraded.has(task);
  }

  /** Marks `task` degraded; true when it was not before (the switch itself). */
  markDegraded(task: string): boolean {
    if (this.#degraded.has(task)) return false;
    this.#degraded.add(task);
    this.#trim();
    return true;
  }

  /**
   * Throws when `task` has nothing left for another call.
   *
   * @throws {RuntimeError} ERR_BUDGET_EXCEEDED (class `budget`).
   */
  check(task: string): void {
    this.#reporting(task, (budget) => {
      budget.check();
    });
  }

  /**
   * Charges what an answer spent (its tokens and cost, one step) to `task`.
   *
   * @throws {RuntimeError} ERR_BUDGET_EXCEEDED (class `budget`) when a total is now over.
   */
  charge(task: string, answer: Pick<ModelResponse, 'usage' | 'cost'>): void {
    this.#reporting(task, (budget) => {
      budget.charge({
        inputTokens: answer.usage.inputTokens,
        outputTokens: answer.usage.outputTokens,
        ...(answer.cost === undefined ? {} : { cost: answer.cost }),
        steps: 1,
      });
    });
  }

  /** What `task` has spent, for the model effect's output; undefined without a budget. */
  spent(task: string): BudgetSnapshot | undefined {
    return this.#budgets.get(task)?.toSnapshot();
  }

  /**
   * Takes a spend the machine (or a recorded outcome) reports when it says more was spent than
   * this process counted: a restored agent does not get its budget back. Never throws.
   */
  catchUp(task: string, spent: BudgetSnapshot | undefined): void {
    const budget = this.get(task);
    if (budget === undefined || spent === undefined) return;
    const now = budget.spent;
    if (spent.steps > now.steps || spent.inputTokens + spent.outputTokens > now.tokens) {
      try {
        budget.restore(spent);
      } catch {
        // A malformed figure from the machine's context: keep what this process counted.
      }
    }
  }

  #reporting(task: string, fn: (budget: Budget) => void): void {
    const budget = this.get(task);
    if (budget === undefined) return;
    try {
      fn(budget);
    } catch (error) {
      const details = isRuntimeError(error)
        ? (error.details as { dimension?: unknown } | undefined)
        : undefined;
      const dimension = details?.dimension;
      this.#onExceeded(task, typeof dimension === 'string' ? dimension : 'unknown');
      throw error;
    }
  }

  #trim(): void {
    for (const set of [this.#budgets, this.#degraded] as const) {
      if (set.size <= MAX_TASKS) continue;
      const oldest = set.keys().next().value;
      if (oldest !== undefined) set.delete(oldest);
    }
  }
}
