import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { z } from 'zod';
import {
  createActorSystem,
  createPrometheusRegistry,
  metricValue,
  replyAddress,
  respondTo,
  type ReplyAddress,
} from 'agentvisor';
import {
  defineAgent,
  type AgentEvents,
  type EvaluationResult,
  type ModelClient,
} from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';

const accepts = {
  'task.run': z.strictObject({ q: z.string(), fail: z.boolean(), truth: z.string() }),
} as const;

/** Answers at once, after a 250 ms step on the test clock. */
function model(clock: TestClock): ModelClient {
  return {
    name: 'm',
    complete: async (request) => {
      await new Promise<void>((resolve) => clock.setTimeout(resolve, 250));
      const content = request.messages.at(-1)?.content ?? '';
      return {
        text: content.includes('yes') ? 'pass' : 'fail',
        model: 'm-1',
        usage: { inputTokens: 3, outputTokens: 1 },
        finishReason: 'stop' as const,
      };
    },
  };
}

type Ctx = { asker: ReplyAddress | undefined; q: string; fail: boolean };

function agent(clock: TestClock, evaluate?: (task: unknown, result: unknown) => EvaluationResult) {
  return defineAgent({
    name: 'grader',
    version: 1,
    accepts,
    models: { m: model(clock) },
    ...(evaluate === undefined ? {} : { evaluate }),
    machine: ({ effects }) =>
      setup({
        types: { context: {} as Ctx, events: {} as AgentEvents<typeof accepts> },
        actors: effects,
      }).createMachine({
        context: { asker: undefined, q: '', fail: false },
        initial: 'idle',
        states: {
          idle: {
            on: {
              'task.run': {
                target: 'think',
                actions: assign({
                  asker: ({ event }) => replyAddress(event),
                  q: ({ event }) => event.payload.q,
                  fail: ({ event }) => event.payload.fail,
                }),
              },
            },
          },
          think: {
            invoke: {
              src: 'model',
              input: ({ context }) => ({ messages: [{ role: 'user', content: context.q }] }),
              onDone: {
                target: 'idle',
                actions: respondTo(({ context, event }) =>
                  context.fail
                    ? { to: context.asker!, error: { code: 'ERR_TIMEOUT', message: 'gave up' } }
                    : { to: context.asker!, payload: event.output.text },
                ),
              },
            },
          },
        },
      }),
  });
}

async function run(
  clock: TestClock,
  ask: () => Promise<unknown>,
): Promise<PromiseSettledResult<unknown>> {
  const settled = ask().then(
    (value) => ({ status: 'fulfilled' as const, value }),
    (reason: unknown) => ({ status: 'rejected' as const, reason }),
  );
  await clock.advance(250);
  return settled;
}

describe('agent task metrics', () => {
  it('counts outcomes, steps and seconds per agent, with no task ids as labels', async () => {
    const clock = new TestClock();
    const metrics = createPrometheusRegistry();
    const system = createActorSystem({}, { clock, metrics });
    system.spawn('g-1', agent(clock));
    for (let i = 0; i < 3; i++) {
      const r = await run(clock, () =>
        system.ask('g-1', 'task.run', { q: 'yes', fail: false, truth: 'pass' }),
      );
      expect(r.status).toBe('fulfilled');
    }
    const failed = await run(clock, () =>
      system.ask('g-1', 'task.run', { q: 'no', fail: true, truth: 'fail' }),
    );
    expect(failed.status).toBe('rejected');
    const snapshot = metrics.snapshot();
    const ok = { agent: 'grader', outcome: 'succeeded' };
    expect(metricValue(snapshot, 'agentvisor_tasks_total', ok)).toBe(3);
    expect(
      metricValue(snapshot, 'agentvisor_tasks_total', { agent: 'grader', outcome: 'failed' }),
    ).toBe(1);
    // The message, then the model's answer: 2 transitions per task.
    const steps = snapshot['agentvisor_task_steps']?.series.find(
      (s) => s.labels['outcome'] === 'succeeded',
    );
    expect(steps?.count).toBe(3);
    expect(steps?.value).toBe(6);
    const seconds = snapshot['agentvisor_task_seconds']?.series.find(
      (s) => s.labels['outcome'] === 'succeeded',
    );
    expect(seconds?.value).toBeCloseTo(0.75, 6);
    const text = await metrics.exposition();
    expect(text).toContain(
      'agentvisor_task_steps_bucket{le="2",agent="grader",outcome="succeeded"} 3',
    );
    expect(text).not.toMatch(/g-1/);
    await system.shutdown();
  });

  it('exports evaluation scores and rolling precision, recall and F1 from labelled results', async () => {
    const clock = new TestClock();
    const metrics = createPrometheusRegistry();
    const system = createActorSystem({}, { clock, metrics });
    const seen: unknown[] = [];
    system.spawn(
      'g-1',
      agent(clock, (task, result) => {
        seen.push(result);
        const label = (result as { payload?: string }).payload ?? 'fail';
        const expected = (task as { payload: { truth: string } }).payload.truth;
        return { name: 'verdict', score: label === expected ? 1 : 0, label, expected };
      }),
    );
    // Predicted/expected: pass/pass, pass/pass, pass/fail, fail/pass (a failed task evaluates to fail).
    const cases = [
      { q: 'yes', fail: false, truth: 'pass' },
      { q: 'yes', fail: false, truth: 'pass' },
      { q: 'yes', fail: false, truth: 'fail' },
      { q: 'no', fail: false, truth: 'pass' },
    ];
    for (const payload of cases) await run(clock, () => system.ask('g-1', 'task.run', payload));
    expect(seen).toHaveLength(4);
    const snapshot = metrics.snapshot();
    const labels = { agent: 'grader', evaluation: 'verdict' };
    expect(metricValue(snapshot, 'agentvisor_quality_score', labels)).toBe(0.5);
    expect(metricValue(snapshot, 'agentvisor_quality_accuracy_ratio', labels)).toBe(0.5);
    // pass: P = 2/3, R = 2/3; fail: P = 0, R = 0 → macro P = R = F1 = 1/3.
    expect(metricValue(snapshot, 'agentvisor_quality_precision_ratio', labels)).toBeCloseTo(1 / 3);
    expect(metricValue(snapshot, 'agentvisor_quality_recall_ratio', labels)).toBeCloseTo(1 / 3);
    expect(metricValue(snapshot, 'agentvisor_quality_f1_ratio', labels)).toBeCloseTo(1 / 3);
    await system.shutdown();
  });

  it('drops an evaluate that throws or returns no score, and the task still succeeds', async () => {
    const clock = new TestClock();
    const metrics = createPrometheusRegistry();
    const system = createActorSystem({}, { clock, metrics });
    let n = 0;
    system.spawn(
      'g-1',
      agent(clock, () => {
        n++;
        if (n === 1) throw new Error('grader broke');
        return { name: 'verdict', score: Number.NaN };
      }),
    );
    for (let i = 0; i < 2; i++) {
      const r = await run(clock, () =>
        system.ask('g-1', 'task.run', { q: 'yes', fail: false, truth: 'pass' }),
      );
      expect(r).toEqual({ status: 'fulfilled', value: 'pass' });
    }
    const snapshot = metrics.snapshot();
    expect(snapshot['agentvisor_quality_score']?.series ?? []).toHaveLength(0);
    expect(
      metricValue(snapshot, 'agentvisor_tasks_total', { agent: 'grader', outcome: 'succeeded' }),
    ).toBe(2);
    await system.shutdown();
  });

  it('refuses an evaluate that is not a function', () => {
    expect(() =>
      defineAgent({
        name: 'x',
        version: 1,
        accepts,
        evaluate: 'no' as never,
        machine: setup({}).createMachine({}),
      }),
    ).toThrow(/evaluate/);
  });
});
