import { z } from 'zod';
import { ErrorCode, parseOptions, RuntimeError } from '../errors/index.js';
import { parseSnapshot } from './internal/parseSnapshot.js';

/** Options of {@link createBudget}; an absent limit is no limit. */
export const BudgetOptionsSchema = z.strictObject({
  /** Tokens (input plus output) the task may spend. @default unlimited */
  maxTokens: z.number().int().positive().optional(),
  /** Cost the task may spend, in the unit the model clients report (USD). @default unlimited */
  maxCost: z.number().nonnegative().optional(),
  /** Agent steps the task may take. @default unlimited */
  maxSteps: z.number().int().positive().optional(),
});
/** What callers pass to {@link createBudget}. */
export type BudgetOptions = z.input<typeof BudgetOptionsSchema>;
/** The resolved options of a {@link Budget}. */
export type BudgetConfig = z.output<typeof BudgetOptionsSchema>;

/** What one call or step spent; `ModelResponse` fits (`{ ...response.usage, cost: response.cost }`). */
export interface BudgetUsage {
  readonly inputTokens?: number | undefined;
  readonly outputTokens?: number | undefined;
  readonly cost?: number | undefined;
  readonly steps?: number | undefined;
}

/** The dimensions a budget limits. */
export type BudgetDimension = 'tokens' | 'cost' | 'steps';

/** Totals spent so far. */
export interface BudgetSpent {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** `inputTokens + outputTokens`. */
  readonly tokens: number;
  readonly cost: number;
  readonly steps: number;
}

const SNAPSHOT_VERSION = 1;

/** The persisted form of a {@link Budget}: part of the task's checkpoint. */
export const BudgetSnapshotSchema = z.strictObject({
  v: z.literal(SNAPSHOT_VERSION),
  inputTokens: z.number().nonnegative(),
  outputTokens: z.number().nonnegative(),
  cost: z.number().nonnegative(),
  steps: z.number().int().nonnegative(),
});
/** A snapshot of a {@link Budget}. */
export type BudgetSnapshot = z.output<typeof BudgetSnapshotSchema>;

/**
 * What a task may spend in tokens, cost and steps. None of Polly, cockatiel, resilience4j or
 * Temporal budgets money, so this is ours. Charge each call's usage as it comes back; going over
 * a limit is failure class `budget` (a person decides, by the default supervision table).
 */
export class Budget {
  readonly #config: BudgetConfig;
  #inputTokens = 0;
  #outputTokens = 0;
  #cost = 0;
  #steps = 0;

  /** @internal Use {@link createBudget}. */
  constructor(config: BudgetConfig) {
    this.#config = config;
  }

  /** The limits. */
  get config(): BudgetConfig {
    return this.#config;
  }

  /** Totals so far. */
  get spent(): BudgetSpent {
    return {
      inputTokens: this.#inputTokens,
      outputTokens: this.#outputTokens,
      tokens: this.#inputTokens + this.#outputTokens,
      cost: this.#cost,
      steps: this.#steps,
    };
  }

  /** What is left of each limit; `Infinity` where there is none, 0 once reached. */
  remaining(): Record<BudgetDimension, number> {
    const { maxTokens, maxCost, maxSteps } = this.#config;
    const left = (max: number | undefined, spent: number): number =>
      max === undefined ? Infinity : Math.max(0, max - spent);
    return {
      tokens: left(maxTokens, this.#inputTokens + this.#outputTokens),
      cost: left(maxCost, this.#cost),
      steps: left(maxSteps, this.#steps),
    };
  }

  /**
   * Adds what a call or step spent. The usage is recorded even when it goes over: it was spent.
   *
   * @throws {RuntimeError} ERR_BUDGET_EXCEEDED (`details.failureClass` `budget`,
   *   `details.dimension`, `details.limit`, `details.spent`) when a total is now over its limit.
   * @throws {RuntimeError} ERR_INVALID_OPTIONS when a figure is negative or not finite.
   */
  charge(usage: BudgetUsage): void {
    const figures = {
      inputTokens: usage.inputTokens ?? 0,
      outputTokens: usage.outputTokens ?? 0,
      cost: usage.cost ?? 0,
      steps: usage.steps ?? 0,
    };
    for (const [field, value] of Object.entries(figures)) {
      if (!Number.isFinite(value) || value < 0) {
        throw new RuntimeError(
          ErrorCode.InvalidOptions,
          `Expected \`${field}\` to be a finite number >= 0, got ${String(value)}`,
          { details: { field, value } },
        );
      }
    }
    this.#inputTokens += figures.inputTokens;
    this.#outputTokens += figures.outputTokens;
    this.#cost += figures.cost;
    this.#steps += figures.steps;
    const over = this.#over((spent, max) => spent > max);
    if (over !== undefined) throw over;
  }

  /**
   * Throws when a limit is already used up (nothing left for another call or step): the check
   * before spending more.
   *
   * @throws {RuntimeError} ERR_BUDGET_EXCEEDED as {@link Budget.charge}.
   */
  check(): void {
    const over = this.#over((spent, max) => spent >= max);
    if (over !== undefined) throw over;
  }

  /** The totals as JSON-safe data. */
  toSnapshot(): BudgetSnapshot {
    return {
      v: SNAPSHOT_VERSION,
      inputTokens: this.#inputTokens,
      outputTokens: this.#outputTokens,
      cost: this.#cost,
      steps: this.#steps,
    };
  }

  /**
   * Takes the totals of a snapshot (a task restored from its checkpoint).
   *
   * @throws {RuntimeError} ERR_CHECKPOINT_VERSION when `v` is unknown; ERR_INVALID_OPTIONS when
   *   a field is malformed.
   */
  restore(snapshot: unknown): void {
    const data = parseSnapshot(BudgetSnapshotSchema, snapshot, SNAPSHOT_VERSION, 'budget');
    this.#inputTokens = data.inputTokens;
    this.#outputTokens = data.outputTokens;
    this.#cost = data.cost;
    this.#steps = data.steps;
  }

  #over(isOver: (spent: number, max: number) => boolean): RuntimeError | undefined {
    const { maxTokens, maxCost, maxSteps } = this.#config;
    const checks: [BudgetDimension, number, number | undefined][] = [
      ['tokens', this.#inputTokens + this.#outputTokens, maxTokens],
      ['cost', this.#cost, maxCost],
      ['steps', this.#steps, maxSteps],
    ];
    for (const [dimension, spent, limit] of checks) {
      if (limit !== undefined && isOver(spent, limit)) {
        return new RuntimeError(
          ErrorCode.BudgetExceeded,
          `Budget exceeded: ${dimension} spent ${spent} of ${limit}`,
          { details: { failureClass: 'budget', dimension, limit, spent } },
        );
      }
    }
    return undefined;
  }
}

/**
 * Creates a {@link Budget}, empty or from a snapshot.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when a limit is out of range.
 * @example
 * const budget = createBudget({ maxTokens: 50_000, maxCost: 0.5, maxSteps: 20 });
 * budget.check();
 * const answer = await model.complete(request, { signal });
 * budget.charge({ ...answer.usage, cost: answer.cost, steps: 1 });
 */
export function createBudget(
  options: BudgetOptions = {},
  deps: { snapshot?: unknown } = {},
): Budget {
  const budget = new Budget(parseOptions(BudgetOptionsSchema, options, 'budget'));
  if (deps.snapshot !== undefined) budget.restore(deps.snapshot);
  return budget;
}
