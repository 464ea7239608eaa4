import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { z } from 'zod';
import {
  MemoryCheckpointStore,
  MemoryJournal,
  createActorSystem,
  withFailureClass,
  type FailureClass,
} from 'agentvisor';
import { defineAgent, type AgentEvents } from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';
import { createSupervisionTree, type SupervisorEvent } from 'agentvisor/supervisors';

const accepts = { 'job.run': z.strictObject({}) } as const;

/**
 * An agent whose `job.run` calls the `prepare` tool, then the `login` tool without an onError: a
 * login failure fails it. The step's checkpoints (before each tool, after `prepare`) outnumber
 * the three kept, so none from before the step is left.
 */
function toolAgent(run: () => Promise<unknown>) {
  return defineAgent({
    name: 'agent',
    version: 1,
    accepts,
    tools: {
      prepare: { input: z.strictObject({}), run: () => Promise.resolve('ready') },
      login: { input: z.strictObject({}), run },
    },
    machine: ({ effects }) =>
      setup({
        types: { events: {} as AgentEvents<typeof accepts> },
        actors: effects,
      }).createMachine({
        id: 'agent',
        initial: 'idle',
        states: {
          idle: { on: { 'job.run': 'preparing' } },
          preparing: {
            invoke: { src: 'tool', input: { tool: 'prepare', input: {} }, onDone: 'working' },
          },
          working: {
            invoke: {
              src: 'tool',
              input: { tool: 'login', input: {} },
              onDone: 'idle',
            },
          },
        },
      }),
  });
}

/** A tool that fails with `cls` on its first `failures` runs, then answers `ok`. */
function flakyTool(runs: { n: number }, cls: FailureClass, failures = Infinity) {
  return () => {
    runs.n++;
    if (runs.n > failures) return Promise.resolve('ok');
    return Promise.reject(withFailureClass(new Error(`run ${runs.n} failed`), cls));
  };
}

async function runTree(
  durable: boolean,
  run: () => Promise<unknown>,
  onFailure: Record<string, string> = { auth: 'human' },
) {
  const clock = new TestClock();
  const system = createActorSystem({}, { clock });
  const events: SupervisorEvent[] = [];
  const agent = toolAgent(run);
  const persistenceOf = { store: new MemoryCheckpointStore(), journal: new MemoryJournal() };
  const tree = await createSupervisionTree(
    system,
    { root: { id: 'root', intensity: 3, onFailure, children: [{ id: 'a', agent: 'agent' }] } },
    {
      agents: { agent },
      ...(durable ? { persistence: persistenceOf } : {}),
    },
  );
  tree.onEvent((e) => events.push(e));
  return { clock, system, tree, events };
}

describe('a durable agent keeps its failure class', () => {
  it.each([false, true])(
    'persistence %s: an auth-tagged tool failure parks the child',
    async (durable) => {
      const runs = { n: 0 };
      const { system, tree, events } = await runTree(durable, flakyTool(runs, 'auth'));
      system.tell('a', 'job.run', {});
      await system.settled();
      const failed = events.filter((e) => e.type === 'child-failed');
      expect(failed).toEqual([
        expect.objectContaining({ failureClass: 'auth', directive: 'human' }),
      ]);
      expect(runs.n).toBe(1);
      await tree.stop();
      await system.shutdown();
    },
  );

  it('a restart from the checkpoint runs the failed tool again instead of replaying its failure', async () => {
    const runs = { n: 0 };
    const { system, tree, events } = await runTree(true, flakyTool(runs, 'transient', 1));
    system.tell('a', 'job.run', {});
    await system.settled();
    expect(events.filter((e) => e.type === 'child-failed')).toEqual([
      expect.objectContaining({ failureClass: 'transient', directive: 'restart' }),
    ]);
    expect(runs.n).toBe(2);
    expect(system.describe('a')).toMatchObject({ status: 'running', incarnation: 2 });
    expect((system.getSnapshot('a') as { value: unknown }).value).toBe('idle');
    await tree.stop();
    await system.shutdown();
  });

  it.each([false, true])(
    'persistence %s: a human retry runs the failed tool again with a fresh attempt',
    async (durable) => {
      const runs = { n: 0 };
      const { system, tree, events } = await runTree(durable, flakyTool(runs, 'auth', 1));
      system.tell('a', 'job.run', {});
      await system.settled();
      const [open] = await tree.escalations.list();
      expect(open).toBeDefined();
      await tree.escalations.resolve((open as { id: string }).id, { type: 'retry' });
      await system.settled();
      expect(events.filter((e) => e.type === 'child-failed')).toHaveLength(1);
      expect(runs.n).toBe(2);
      expect((system.getSnapshot('a') as { value: unknown }).value).toBe('idle');
      await tree.stop();
      await system.shutdown();
    },
  );

  it('after the root gave up, a retry of its escalation runs the failed tool again', async () => {
    const runs = { n: 0 };
    // Fails 5 times: the root (intensity 3) gives up on the 4th failure, before any success.
    const { system, tree, events } = await runTree(true, flakyTool(runs, 'transient', 4));
    system.tell('a', 'job.run', {});
    await system.settled();
    expect(events.filter((e) => e.type === 'gave-up')).toHaveLength(1);
    expect(runs.n).toBe(4);
    const [open] = await tree.escalations.list({ status: 'open' });
    expect(open?.supervisor).toBe('(root)');
    await tree.escalations.resolve((open as { id: string }).id, { type: 'retry' });
    await system.settled();
    expect(runs.n).toBe(5);
    expect((system.getSnapshot('a') as { value: unknown }).value).toBe('idle');
    await tree.stop();
    await system.shutdown();
  });
});
