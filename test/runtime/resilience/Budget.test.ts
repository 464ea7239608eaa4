import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { expectRuntimeError } from 'agentvisor/testing';
import { classifyFailure, createBudget, ErrorCode } from 'agentvisor';

describe('Budget', () => {
  it('charges usage and fails with ERR_BUDGET_EXCEEDED, class budget, once over', () => {
    const budget = createBudget({ maxTokens: 100, maxCost: 1, maxSteps: 3 });
    budget.charge({ inputTokens: 40, outputTokens: 20, cost: 0.25, steps: 1 });
    expect(budget.spent).toEqual({
      inputTokens: 40,
      outputTokens: 20,
      tokens: 60,
      cost: 0.25,
      steps: 1,
    });
    expect(budget.remaining()).toEqual({ tokens: 40, cost: 0.75, steps: 2 });
    const err = expectRuntimeError(() => {
      budget.charge({ inputTokens: 30, outputTokens: 11 });
    }, ErrorCode.BudgetExceeded);
    expect(classifyFailure(err)).toBe('budget');
    expect((err as { details: unknown }).details).toMatchObject({
      failureClass: 'budget',
      dimension: 'tokens',
      limit: 100,
      spent: 101,
    });
    // What was spent stays spent.
    expect(budget.spent.tokens).toBe(101);
  });

  it('check() fails once a limit is used up, before spending more', () => {
    const budget = createBudget({ maxSteps: 2 });
    budget.check();
    budget.charge({ steps: 2 });
    const err = expectRuntimeError(() => {
      budget.check();
    }, ErrorCode.BudgetExceeded);
    expect(err.details).toMatchObject({ dimension: 'steps' });
  });

  it('has no limit where none is set', () => {
    const budget = createBudget();
    budget.charge({ inputTokens: 1e9, cost: 1e6, steps: 1e6 });
    budget.check();
    expect(budget.remaining()).toEqual({ tokens: Infinity, cost: Infinity, steps: Infinity });
  });

  it.prop([
    fc.record({
      maxTokens: fc.integer({ min: 1, max: 10_000 }),
      maxSteps: fc.integer({ min: 1, max: 50 }),
    }),
    fc.array(
      fc.record({
        inputTokens: fc.nat(500),
        outputTokens: fc.nat(500),
        steps: fc.nat(2),
      }),
      { maxLength: 40 },
    ),
  ])('fails exactly when a total goes over its limit', (limits, usages) => {
    const budget = createBudget(limits);
    let tokens = 0;
    let steps = 0;
    for (const usage of usages) {
      tokens += usage.inputTokens + usage.outputTokens;
      steps += usage.steps;
      const over = tokens > limits.maxTokens || steps > limits.maxSteps;
      const charge = (): void => {
        budget.charge(usage);
      };
      if (over) expectRuntimeError(charge, ErrorCode.BudgetExceeded);
      else expect(charge).not.toThrow();
    }
  });

  it('round-trips through its snapshot', () => {
    const budget = createBudget({ maxCost: 5 });
    budget.charge({ inputTokens: 3, outputTokens: 4, cost: 1.5, steps: 2 });
    const copy = createBudget(
      { maxCost: 5 },
      { snapshot: JSON.parse(JSON.stringify(budget.toSnapshot())) },
    );
    expect(copy.spent).toEqual(budget.spent);
    expectRuntimeError(() => createBudget({}, { snapshot: { v: 9 } }), ErrorCode.CheckpointVersion);
  });

  it('refuses negative or non-finite usage', () => {
    const budget = createBudget();
    expectRuntimeError(() => {
      budget.charge({ inputTokens: -1 });
    }, ErrorCode.InvalidOptions);
    expectRuntimeError(() => {
      budget.charge({ cost: NaN });
    }, ErrorCode.InvalidOptions);
  });
});
