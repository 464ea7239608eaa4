import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createActorSystem, isRuntimeError } from 'agentvisor';
import {
  createSimulatedModel,
  type FaultPlan,
  type ModelClient,
  type ResilienceEvent,
  type ToolDefinition,
} from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';
import { answerOf, errorOf, failingClient, harnessAgent, settle } from './resilientAgentHarness.js';

/** A simulated endpoint that logs each call's start under its name. */
function sim(
  name: string,
  clock: TestClock,
  calls: string[],
  faults: FaultPlan = [],
  latencyMs = 10,
): ModelClient {
  const inner = createSimulatedModel(
    { name, seed: 7, latencyMs: [latencyMs, latencyMs], faults, script: () => `${name} answers` },
    { clock },
  );
  return {
    name,
    complete: (request, options) => {
      calls.push(name);
      return inner.complete(request, options);
    },
  };
}

function run(agent: ReturnType<typeof harnessAgent>, clock: TestClock) {
  const system = createActorSystem({}, { clock });
  system.spawn('a', agent);
  const events: ResilienceEvent[] = [];
  const sub = agent.onResilienceEvent((e) => events.push(e));
  const ask = (text: string, extra: Record<string, unknown> = {}, timeoutMs = 3_600_000) =>
    settle(system.ask('a', 'q.ask', { text, ...extra }, { timeoutMs }), clock);
  const tool = (name: string, input: unknown) =>
    settle(system.ask('a', 'q.tool', { tool: name, input }, { timeoutMs: 3_600_000 }), clock);
  return {
    system,
    events,
    ask,
    tool,
    stop: async () => {
      sub.dispose();
      await system.shutdown();
    },
  };
}

describe('defineAgent resilience: models', () => {
  it('retries a 429 after its Retry-After, not before, and journals one outcome', async () => {
    const clock = new TestClock();
    const calls: string[] = [];
    const primary = sim('primary', clock, calls, [
      { on: 1, fault: { type: 'rate-limit', retryAfterMs: 2_000 } },
    ]);
    const h = run(harnessAgent({ models: { main: primary } }), clock);
    const result = await h.ask('hello');
    expect(answerOf(result)).toMatchObject({ text: 'primary answers', strategy: 'normal' });
    expect(calls).toEqual(['primary', 'primary']);
    const retry = h.events.find((e) => e.type === 'retry');
    expect(retry).toMatchObject({ endpoint: 'model:primary', failureClass: 'rate-limit' });
    expect(retry?.type === 'retry' && retry.delayMs).toBeGreaterThanOrEqual(2_000);
    expect(result.atMs).toBeGreaterThanOrEqual(2_000 + 20);
    await h.stop();
  });

  it('never retries a non-retryable class: an auth failure falls to the backup at once', async () => {
    const clock = new TestClock();
    const calls: string[] = [];
    const agent = harnessAgent({
      models: {
        main: { use: [failingClient('primary', 'auth', calls), sim('backup', clock, calls)] },
      },
    });
    const h = run(agent, clock);
    const answer = answerOf(await h.ask('hello'));
    expect(answer.endpoint).toBe('backup');
    expect(calls).toEqual(['primary', 'backup']);
    expect(h.events.filter((e) => e.type === 'retry')).toEqual([]);
    expect(h.events.find((e) => e.type === 'fallback')).toMatchObject({
      from: 'primary',
      failureClass: 'auth',
    });
    await h.stop();
  });

  it('falls back in declared order, primary → backup → cheaper, and cools a failing one down', async () => {
    const clock = new TestClock();
    const calls: string[] = [];
    const agent = harnessAgent({
      models: {
        main: {
          use: [
            { client: sim('primary', clock, calls, [{ on: {}, fault: { type: 'server-error' } }]) },
            failingClient('backup', 'invalid-request', calls),
            sim('cheaper', clock, calls),
          ],
          coolDownMs: 30_000,
        },
      },
    });
    const h = run(agent, clock);
    expect(answerOf(await h.ask('one')).endpoint).toBe('cheaper');
    expect(calls).toEqual(['primary', 'primary', 'primary', 'backup', 'cheaper']);
    // Within the cool-down the primary is skipped; the backup (not cooled: its class says
    // nothing about the endpoint's health) is tried again.
    calls.length = 0;
    expect(answerOf(await h.ask('two')).endpoint).toBe('cheaper');
    expect(calls).toEqual(['backup', 'cheaper']);
    await h.stop();
  });

  it('fails the step at its deadline however many retries were left', async () => {
    const clock = new TestClock();
    const calls: string[] = [];
    const agent = harnessAgent({
      models: {
        main: {
          use: [
            {
              client: sim(
                'primary',
                clock,
                calls,
                [{ on: {}, fault: { type: 'server-error' } }],
                100,
              ),
              retry: { maxAttempts: Infinity, initialDelayMs: 50 },
              breaker: { strategy: { type: 'consecutive', threshold: 1_000 } },
            },
          ],
        },
      },
      timeouts: { stepMs: 1_000 },
    });
    const h = run(agent, clock);
    const result = await h.ask('hello');
    expect(result.ok).toBe(false);
    expect(result.atMs).toBeLessThanOrEqual(1_000 + 10);
    expect(calls.length).toBeGreaterThan(1);
    await h.stop();
  });

  it('the task deadline in the envelope bounds the step', async () => {
    const clock = new TestClock();
    const calls: string[] = [];
    const agent = harnessAgent({
      models: { main: sim('slow', clock, calls, [{ on: {}, fault: { type: 'hang' } }]) },
    });
    const h = run(agent, clock);
    const seen: unknown[] = [];
    const sub = agent.onResilienceEvent((e) => seen.push(e));
    const result = await h.ask('hello', {}, 500);
    expect(result.ok).toBe(false);
    expect(result.atMs).toBeLessThanOrEqual(510);
    // The hung call was aborted by the task deadline: no retry waited past it.
    expect(calls).toEqual(['slow']);
    sub.dispose();
    await h.stop();
  });

  it('refuses a call once a task budget is used up: failure class budget, no model call', async () => {
    const clock = new TestClock();
    const calls: string[] = [];
    const agent = harnessAgent({
      models: { main: sim('primary', clock, calls) },
      budget: { maxSteps: 2 },
    });
    const h = run(agent, clock);
    answerOf(await h.ask('one', { task: 't1' }));
    answerOf(await h.ask('two', { task: 't1' }));
    const third = await h.ask('three', { task: 't1' });
    expect(errorOf(third)).toEqual({ code: 'ERR_BUDGET_EXCEEDED', failureClass: 'budget' });
    expect(calls).toHaveLength(2);
    expect(h.events.find((e) => e.type === 'budget-exceeded')).toMatchObject({
      task: 't1',
      dimension: 'steps',
    });
    // Another task has its own budget.
    answerOf(await h.ask('four', { task: 't2' }));
    await h.stop();
  });

  it('fails with class budget when a call goes over the token limit', async () => {
    const clock = new TestClock();
    const calls: string[] = [];
    const agent = harnessAgent({
      models: { main: sim('primary', clock, calls) },
      budget: { maxTokens: 1 },
    });
    const h = run(agent, clock);
    expect(errorOf(await h.ask('hello'))).toEqual({
      code: 'ERR_BUDGET_EXCEEDED',
      failureClass: 'budget',
    });
    await h.stop();
  });

  it('switches to the degraded strategy when the chain is exhausted, and stays on it', async () => {
    const clock = new TestClock();
    const calls: string[] = [];
    const requests: string[][] = [];
    const cheap: ModelClient = {
      name: 'cheap',
      complete: (request, options) => {
        requests.push(request.messages.map((m) => m.role));
        return sim('cheap', clock, calls).complete(request, options);
      },
    };
    const agent = harnessAgent({
      models: {
        main: {
          use: [{ client: failingClient('primary', 'transient', calls), retry: false }],
        },
        direct: cheap,
      },
      degrade: { model: 'direct', when: ['chain-exhausted'], instruction: 'Answer directly.' },
    });
    const h = run(agent, clock);
    const first = answerOf(await h.ask('one'));
    expect(first).toMatchObject({ strategy: 'degraded', degradedBy: 'chain-exhausted' });
    expect(requests[0]).toEqual(['system', 'user']);
    expect(h.events.filter((e) => e.type === 'degraded')).toHaveLength(1);
    calls.length = 0;
    // The machine keeps the strategy in its context: the next task goes straight to it.
    const second = answerOf(await h.ask('two'));
    expect(second.strategy).toBe('degraded');
    expect(calls).toEqual(['cheap']);
    await h.stop();
  });

  it('degrades at once while the primary breaker is open (forced by an operator)', async () => {
    const clock = new TestClock();
    const calls: string[] = [];
    const agent = harnessAgent({
      models: { main: sim('primary', clock, calls), direct: sim('cheap', clock, calls) },
      degrade: { model: 'direct', when: ['breaker-open'] },
    });
    const h = run(agent, clock);
    agent.resilience(clock).breakers.get('model:primary').isolate();
    const answer = answerOf(await h.ask('one'));
    expect(answer).toMatchObject({ strategy: 'degraded', degradedBy: 'breaker-open' });
    expect(calls).toEqual(['cheap']);
    expect(h.events).toContainEqual(
      expect.objectContaining({ type: 'breaker', breaker: 'model:primary', to: 'isolated' }),
    );
    await h.stop();
  });

  it('degrades when a task budget runs low', async () => {
    const clock = new TestClock();
    const calls: string[] = [];
    const agent = harnessAgent({
      models: { main: sim('primary', clock, calls), direct: sim('cheap', clock, calls) },
      budget: { maxSteps: 5 },
      degrade: { model: 'direct', when: ['budget-low'], budgetLowRatio: 0.4 },
    });
    const h = run(agent, clock);
    const strategies: string[] = [];
    for (const text of ['1', '2', '3', '4']) {
      strategies.push(answerOf(await h.ask(text, { task: 't' })).strategy);
    }
    // 5 steps, low at <= 2 left: the 4th call (2 left) degrades.
    expect(strategies).toEqual(['normal', 'normal', 'normal', 'degraded']);
    await h.stop();
  });
});

describe('defineAgent resilience: bulkhead per endpoint', () => {
  it('limits calls in flight to an endpoint across the incarnations of an agent, queueing the rest', async () => {
    for (const maxQueue of [0, 1]) {
      const clock = new TestClock();
      const calls: string[] = [];
      const agent = harnessAgent({
        models: {
          main: {
            use: [
              {
                client: sim('primary', clock, calls, [], 100),
                retry: false,
                bulkhead: { maxConcurrent: 1, maxQueue },
              },
            ],
          },
        },
      });
      const system = createActorSystem({}, { clock });
      system.spawn('a1', agent);
      system.spawn('a2', agent);
      const ask = (to: string) =>
        settle(system.ask(to, 'q.ask', { text: to }, { timeoutMs: 60_000 }), clock);
      const [one, two] = await Promise.all([ask('a1'), ask('a2')]);
      expect(answerOf(one).text).toBe('primary answers');
      if (maxQueue === 0) {
        // The second call finds the only slot taken and no queue: refused, never sent.
        expect(errorOf(two).code).toBe('ERR_FALLBACK_EXHAUSTED');
        const causes = (two as { error: { details: { causes: { error: { code: string } }[] } } })
          .error.details.causes;
        expect(causes[0]?.error.code).toBe('ERR_BULKHEAD_FULL');
        expect(calls).toEqual(['primary']);
      } else {
        // It waits for the slot, then runs: one after the other.
        expect(answerOf(two).text).toBe('primary answers');
        expect(Math.max(one.atMs, two.atMs)).toBeGreaterThanOrEqual(200);
        expect(calls).toEqual(['primary', 'primary']);
      }
      await system.shutdown();
    }
  });
});

describe('defineAgent resilience: tools', () => {
  const searchTool = (fail: { on: boolean }, runs: string[]): ToolDefinition => ({
    input: z.strictObject({ q: z.string() }),
    description: 'searches the web',
    idempotent: true,
    resilience: {
      retry: false,
      breaker: { strategy: { type: 'consecutive', threshold: 2 }, halfOpenAfterMs: 1_000 },
    },
    run: (input) => {
      runs.push((input as { q: string }).q);
      return fail.on
        ? Promise.reject(Object.assign(new Error('search down'), { failureClass: 'transient' }))
        : Promise.resolve(`results for ${(input as { q: string }).q}`);
    },
  });

  it('withholds a tool from the model while its breaker is open, offers it again after', async () => {
    const clock = new TestClock();
    const offered: string[][] = [];
    const model = createSimulatedModel(
      {
        latencyMs: [5, 5],
        script: (request) => {
          offered.push((request.tools ?? []).map((t) => t.name));
          return 'ok';
        },
      },
      { clock },
    );
    const fail = { on: true };
    const runs: string[] = [];
    const agent = harnessAgent({
      models: { main: model },
      tools: { search: searchTool(fail, runs) },
    });
    const h = run(agent, clock);
    await h.ask('before', { offerTools: true });
    expect(offered.at(-1)).toEqual(['search']);
    // Two failures open the tool's breaker.
    expect((await h.tool('search', { q: 'a' })).ok).toBe(false);
    expect((await h.tool('search', { q: 'b' })).ok).toBe(false);
    await h.ask('while open', { offerTools: true });
    expect(offered.at(-1)).toEqual([]);
    expect(h.events).toContainEqual(
      expect.objectContaining({ type: 'tool-withheld', tool: 'search', state: 'open' }),
    );
    // An open breaker refuses without running the tool.
    const refused = await h.tool('search', { q: 'c' });
    expect(isRuntimeError(refused.ok ? undefined : refused.error, 'ERR_CIRCUIT_OPEN')).toBe(true);
    expect(runs).toEqual(['a', 'b']);
    // After halfOpenAfterMs it is offered again (a probe may go through), and a good probe closes it.
    await clock.advance(1_000);
    fail.on = false;
    await h.ask('half-open', { offerTools: true });
    expect(offered.at(-1)).toEqual(['search']);
    expect((await h.tool('search', { q: 'd' })).ok).toBe(true);
    expect(agent.resilience(clock).toolPipeline('search')?.breaker?.state).toBe('closed');
    await h.stop();
  });

  it('retries an idempotent tool on a transient failure, never one that is not idempotent', async () => {
    const clock = new TestClock();
    const runs: string[] = [];
    const flaky = (idempotent: boolean): ToolDefinition => {
      let n = 0;
      return {
        input: z.strictObject({}),
        idempotent,
        run: () => {
          runs.push(idempotent ? 'idem' : 'once');
          n++;
          return n === 1
            ? Promise.reject(Object.assign(new Error('blip'), { failureClass: 'transient' }))
            : Promise.resolve('done');
        },
      };
    };
    const agent = harnessAgent({ tools: { idem: flaky(true), once: flaky(false) } });
    const h = run(agent, clock);
    expect((await h.tool('idem', {})).ok).toBe(true);
    expect((await h.tool('once', {})).ok).toBe(false);
    expect(runs).toEqual(['idem', 'idem', 'once']);
    await h.stop();
  });
});

describe('defineAgent resilience: configuration', () => {
  const paths = (fn: () => unknown): string[] => {
    try {
      fn();
    } catch (err) {
      expect(isRuntimeError(err, 'ERR_INVALID_OPTIONS')).toBe(true);
      return (err as { details: { issues: { path: string }[] } }).details.issues.map((i) => i.path);
    }
    throw new Error('expected ERR_INVALID_OPTIONS');
  };
  const clock = new TestClock();
  const model = createSimulatedModel({}, { clock });

  it('names the bad field of a resilience option', () => {
    expect(
      paths(() => harnessAgent({ models: { main: model }, timeouts: { stepMs: -1 } })),
    ).toEqual(['timeouts.stepMs']);
    expect(paths(() => harnessAgent({ models: { main: { use: [] } } }))).toEqual([
      'models.main.use',
    ]);
    expect(paths(() => harnessAgent({ budget: { maxCost: -1 } }))).toEqual(['budget.maxCost']);
    expect(
      paths(() => harnessAgent({ models: { main: model }, degrade: { model: 'nope' } })),
    ).toEqual(['degrade.model']);
    expect(
      paths(() =>
        harnessAgent({
          tools: {
            t: {
              input: z.object({}),
              run: () => Promise.resolve(1),
              resilience: { timeoutMs: 0 },
            },
          },
        }),
      ),
    ).toEqual(['timeoutMs']);
  });

  it('refuses a model name the agent did not declare, with ERR_INVALID_OPTIONS', async () => {
    const h = run(harnessAgent({ models: { main: model } }), clock);
    expect(errorOf(await h.ask('x', { model: 'other' })).code).toBe('ERR_INVALID_OPTIONS');
    await h.stop();
  });
});
