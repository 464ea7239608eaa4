import { describe, expect, it } from 'vitest';
import {
  MemoryCheckpointStore,
  MemoryJournal,
  RuntimeError,
  createActorSystem,
  isRuntimeError,
  type Journal,
} from 'agentvisor';
import { formatReasoningChain, readReasoningChain } from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';
import { settle } from '../resilientAgentHarness.js';
import { failingModel, heldTool, scriptedModel, traceAgent } from './traceAgent.js';

/** One recorded task: the primary model is down (fallback to backup), a tool fails once (retried). */
async function recordedRun() {
  const journal = new MemoryJournal();
  const persistence = {
    store: new MemoryCheckpointStore(),
    journal,
    machineId: 'tracer',
    machineVersion: 3,
    // Keep every journal entry: the chain reads what the journal keeps.
    policy: { keep: 1_000 },
  };
  const clock = new TestClock();
  const calls: string[] = [];
  let lookups = 0;
  const flaky = heldTool('lookup', [], () => false);
  const agent = traceAgent({
    models: {
      main: {
        use: [
          { client: failingModel('primary', calls), retry: false },
          scriptedModel('backup', 'gpt-test', calls),
        ],
      },
    },
    tools: {
      lookup: {
        ...flaky,
        run: (input, context) =>
          ++lookups === 1
            ? Promise.reject(Object.assign(new Error('lookup blinked'), { status: 503 }))
            : flaky.run(input, context),
      },
      fetch: heldTool('fetch', [], () => false),
      post: heldTool('post', [], () => false),
    },
  });
  const system = createActorSystem({}, { clock });
  await system.spawnDurable('t', agent, { persistence });
  const reply = await settle(
    system.ask('t', 'task.run', { q: 'why' }, { timeoutMs: 60_000 }),
    clock,
  );
  await system.shutdown();
  return { journal, reply, calls, lookups, agent };
}

describe('readReasoningChain', () => {
  it('gives one step per message and outcome, the effects each started, and the task totals', async () => {
    const { journal, reply, lookups } = await recordedRun();
    expect(reply.ok).toBe(true);
    expect(lookups).toBe(2);
    const chain = await readReasoningChain(journal, 't');
    expect(chain.steps.map((s) => s.event.kind)).toEqual([
      'message',
      'effect-outcome',
      'effect-outcome',
      'effect-outcome',
      'effect-outcome',
      'effect-outcome',
    ]);
    const message = chain.steps[0]!;
    expect(message.event).toMatchObject({
      kind: 'message',
      type: 'task.run',
      payload: { q: 'why' },
    });
    const task = message.task;
    expect(chain.steps.every((s) => s.task === task)).toBe(true);
    // Each step started the next effect: model, lookup, fetch, model, post; the last started none.
    expect(chain.steps.map((s) => s.effects.map((e) => e.effect))).toEqual([
      ['model:main'],
      ['tool:lookup'],
      ['tool:fetch'],
      ['model:main'],
      ['tool:post'],
      [],
    ]);
    const first = message.effects[0]!;
    expect(first).toMatchObject({
      type: 'model',
      name: 'main',
      status: 'ok',
      attempt: 1,
      usage: { inputTokens: 20, outputTokens: 2 },
      cost: 0.001,
      model: {
        declared: 'main',
        model: 'gpt-test',
        endpoint: 'backup',
        strategy: 'normal',
        finishReason: 'stop',
      },
    });
    expect(first.outcomeSeq).toBe(chain.steps[1]!.seq);
    expect(first.durationMs).toBe(first.endedAt! - first.startedAt);
    // The retried lookup succeeded within its effect: one outcome, ok.
    expect(chain.steps[1]!.effects[0]).toMatchObject({
      name: 'lookup',
      status: 'ok',
      output: 'lookup(why)',
    });
    expect(chain.tasks).toEqual([
      expect.objectContaining({
        task,
        steps: 6,
        modelCalls: 2,
        toolCalls: 3,
        failedEffects: 0,
        inputTokens: 20 + 30,
        outputTokens: 2 + 3,
        cost: 0.002,
      }),
    ]);
    const text = formatReasoningChain(chain);
    expect(text).toContain('model:main');
    expect(text).toContain('endpoint backup');
  });

  it('reads the same chain twice, and filters by task and position', async () => {
    const { journal } = await recordedRun();
    const once = await readReasoningChain(journal, 't');
    expect(await readReasoningChain(journal, 't')).toEqual(once);
    expect(JSON.stringify(await readReasoningChain(journal, 't'))).toBe(JSON.stringify(once));
    expect((await readReasoningChain(journal, 't', { task: 'nope' })).steps).toEqual([]);
    const from = once.steps[3]!.seq;
    expect((await readReasoningChain(journal, 't', { from })).steps).toEqual(once.steps.slice(3));
  });

  it('with the agent, replays each step through its machine: state before, targets, state after', async () => {
    const { journal, agent } = await recordedRun();
    const chain = await readReasoningChain(journal, 't', { logic: agent });
    expect(chain.steps.map((s) => [s.transition?.stateBefore, s.transition?.stateAfter])).toEqual([
      ['idle', 'plan'],
      ['plan', 'lookup'],
      ['lookup', 'fetch'],
      ['fetch', 'answer'],
      ['answer', 'post'],
      ['post', 'idle'],
    ]);
    expect(chain.steps[0]!.transition!.targets).toEqual(['tracer.plan']);
    expect(chain.steps[0]!.transition!.guards).toEqual([]);
    expect(await readReasoningChain(journal, 't', { logic: agent })).toEqual(chain);
    expect(formatReasoningChain(chain)).toContain('"idle" → "plan"');
  });

  it('reports a corrupt entry as ERR_CORRUPT_DATA', async () => {
    const journal = new MemoryJournal();
    await journal.append('t', [{ id: 'i:x', kind: 'effect-intent', at: 1, data: { effect: 7 } }]);
    const error = await readReasoningChain(journal, 't').catch((e: unknown) => e);
    expect(isRuntimeError(error, 'ERR_CORRUPT_DATA')).toBe(true);
    expect((error as RuntimeError).details).toMatchObject({ actor: 't', seq: 1 });
    // As the journal's own read reports it (a record failing its checksum or schema).
    const rejecting = {
      read: () =>
        Promise.reject(new RuntimeError('ERR_CORRUPT_DATA', 'record 3 fails its checksum')),
    } as unknown as Journal;
    const read = await readReasoningChain(rejecting, 't').catch((e: unknown) => e);
    expect(isRuntimeError(read, 'ERR_CORRUPT_DATA')).toBe(true);
  });
});
