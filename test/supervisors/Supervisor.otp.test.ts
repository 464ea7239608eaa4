import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { createActorSystem, type LifecycleEvent, type MessageEvent } from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { createSupervisionTree, type SupervisorEvent } from 'agentvisor/supervisors';
import { stubborn, worker } from './fixtures.js';

// Hand-written scenarios where agentvisor diverged from OTP's supervisor (issue 10 items M, N,
// O, P, 8): each is what OTP 25 does for the same tree and schedule.

/** A worker that records every shutdown request it receives, and finishes on it. */
function recorder(received: string[]) {
  return setup({
    types: { events: {} as MessageEvent<'agentvisor.shutdown'> },
  }).createMachine({
    id: 'recorder',
    initial: 'busy',
    states: {
      busy: {
        on: {
          'agentvisor.shutdown': {
            target: 'done',
            actions: () => {
              received.push('agentvisor.shutdown');
            },
          },
        },
      },
      done: { type: 'final' },
    },
  });
}

async function setupTree(root: Record<string, unknown>, agents: Record<string, unknown> = {}) {
  const clock = new TestClock();
  const system = createActorSystem({}, { clock });
  const lifecycle: LifecycleEvent[] = [];
  system.onLifecycle((e) => lifecycle.push(e));
  const tree = await createSupervisionTree(
    system,
    { root: root as never },
    { agents: { worker, stubborn, ...agents } as never, random: () => 0.5 },
  );
  const events: SupervisorEvent[] = [];
  tree.onEvent((e) => events.push(e));
  const settle = () => system.settled();
  return { clock, system, tree, events, lifecycle, settle };
}

const stoppedOf = (lifecycle: readonly LifecycleEvent[]) =>
  lifecycle.flatMap((e) =>
    e.type === 'stopped' ? [`${e.name}:${e.reason}`] : e.type === 'done' ? [`${e.name}:done`] : [],
  );

describe('Supervisor against OTP', () => {
  describe('M: finished dynamic children are removed', () => {
    it('a transient instance that exits normally is removed, and its id can start again', async () => {
      const { system, tree, settle } = await setupTree({
        id: 'pool',
        strategy: 'dynamic',
        children: [{ id: 'job', agent: 'worker', restart: 'transient' }],
      });
      await tree.root.startChild({ id: 'j' });
      system.tell('j', 'work.finish');
      await settle();
      expect(tree.root.whichChildren()).toEqual([]);
      const again = await tree.root.startChild({ id: 'j' });
      expect(again).toMatchObject({ id: 'j', status: 'running' });
      await tree.stop();
      await system.shutdown();
    });

    it('after 5 finished auto-id jobs the counts are back to zero', async () => {
      const { system, tree, settle } = await setupTree({
        id: 'pool',
        strategy: 'dynamic',
        children: [{ id: 'job', agent: 'worker', restart: 'transient' }],
      });
      for (let i = 0; i < 5; i++) {
        const job = await tree.root.startChild({});
        system.tell(job.name, 'work.finish');
        await settle();
      }
      expect(tree.root.countChildren()).toEqual({
        specs: 0,
        active: 0,
        supervisors: 0,
        workers: 0,
      });
      await tree.stop();
      await system.shutdown();
    });

    it('a temporary instance is removed when it fails', async () => {
      const { system, tree, events, settle } = await setupTree({
        id: 'pool',
        strategy: 'dynamic',
        children: [{ id: 'job', agent: 'worker', restart: 'temporary' }],
      });
      await tree.root.startChild({ id: 't' });
      system.tell('t', 'work.crash');
      await settle();
      expect(events.some((e) => e.type === 'restart-scheduled')).toBe(false);
      expect(tree.root.countChildren()).toMatchObject({ specs: 0, active: 0 });
      await tree.root.startChild({ id: 't' });
      await tree.stop();
      await system.shutdown();
    });

    it('a stop decision removes a transient instance', async () => {
      const { system, tree, settle } = await setupTree({
        id: 'pool',
        strategy: 'dynamic',
        intensity: 5,
        onFailure: { auth: 'stop' },
        children: [{ id: 'job', agent: 'worker', restart: 'transient' }],
      });
      await tree.root.startChild({ id: 'p' });
      system.tell('p', 'work.crash', { failureClass: 'auth' });
      await settle();
      expect(tree.root.whichChildren()).toEqual([]);
      await tree.stop();
      await system.shutdown();
    });
  });

  it('N: dynamic instances are stopped together under one shutdown timer', async () => {
    const { system, tree, clock, lifecycle, settle } = await setupTree({
      id: 'pool',
      strategy: 'dynamic',
      children: [{ id: 'job', agent: 'stubborn', restart: 'temporary', shutdownMs: 300 }],
    });
    for (const id of ['a', 'b', 'c']) await tree.root.startChild({ id });
    lifecycle.length = 0;
    let stopped = false;
    const stopping = tree.stop().then(() => {
      stopped = true;
    });
    await settle();
    await clock.advance(299);
    await settle();
    expect(stoppedOf(lifecycle)).toEqual([]);
    await clock.advance(1);
    await settle();
    expect(stoppedOf(lifecycle).filter((s) => !s.startsWith('pool'))).toHaveLength(3);
    expect(stopped).toBe(true);
    await stopping;
    await system.shutdown();
  });

  it('O: poison is the same input failing the same way for the same child', async () => {
    const { system, tree, events, settle } = await setupTree({
      id: 'root',
      strategy: 'one-for-all',
      intensity: 5,
      children: [
        { id: 'c0', agent: 'worker' },
        { id: 'c1', agent: 'worker' },
      ],
    });
    system.tell('c0', 'work.crash', { reason: 'same' });
    await settle();
    system.tell('c1', 'work.crash', { reason: 'same' });
    await settle();
    const failed = events.filter((e) => e.type === 'child-failed');
    expect(failed.map((e) => [e.child, e.failureClass, e.directive])).toEqual([
      ['c0', 'bug', 'restart'],
      ['c1', 'bug', 'restart'],
    ]);
    // The same child failing the same way on the same input is poison.
    system.tell('c1', 'work.crash', { reason: 'same' });
    await settle();
    expect(events.filter((e) => e.type === 'child-failed').at(-1)).toMatchObject({
      child: 'c1',
      failureClass: 'poison',
    });
    await tree.stop();
    await system.shutdown();
  });

  describe('P: brutal kill and how a supervisor ends', () => {
    it('shutdownMs 0 kills the child without delivering agentvisor.shutdown', async () => {
      const received: string[] = [];
      const { system, tree, lifecycle } = await setupTree(
        { id: 'root', children: [{ id: 'r', agent: 'recorder', shutdownMs: 0 }] },
        { recorder: recorder(received) },
      );
      await tree.stop();
      expect(received).toEqual([]);
      expect(stoppedOf(lifecycle)).toContain('r:normal');
      await system.shutdown();
    });

    it('a supervisor stopped by tree.stop() exits shutdown', async () => {
      const { system, tree, lifecycle } = await setupTree({
        id: 'root',
        children: [{ id: 'sub', type: 'supervisor', children: [{ id: 'w', agent: 'worker' }] }],
      });
      await tree.stop();
      expect(stoppedOf(lifecycle)).toEqual(['w:normal', 'sub:shutdown', 'root:shutdown']);
      await system.shutdown();
    });

    it('auto shutdown ends the supervisor with shutdown, as OTP', async () => {
      const { system, tree, events, lifecycle, settle } = await setupTree({
        id: 'root',
        children: [
          {
            id: 'job',
            type: 'supervisor',
            restart: 'transient',
            autoShutdown: 'any-significant',
            children: [{ id: 'main', agent: 'worker', restart: 'transient', significant: true }],
          },
        ],
      });
      system.tell('main', 'work.finish');
      await settle();
      expect(stoppedOf(lifecycle)).toContain('job:shutdown');
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'child-exited', child: 'job', reason: 'shutdown' }),
      );
      expect(tree.root.whichChildren()[0]).toMatchObject({ id: 'job', status: 'terminated' });
      await tree.stop();
      await system.shutdown();
    });
  });

  describe('8: system.shutdown() stops the trees first', () => {
    it('without tree.stop(): no restart, no escalation, children in reverse order, trees newest first', async () => {
      const { system, tree, events, lifecycle } = await setupTree({
        id: 'first',
        children: [
          { id: 'a', agent: 'worker' },
          { id: 'b', agent: 'worker' },
        ],
      });
      const second = await createSupervisionTree(
        system,
        { root: { id: 'second', children: [{ id: 'c', agent: 'worker' }] } },
        { agents: { worker } },
      );
      second.onEvent((e) => events.push(e));
      lifecycle.length = 0;
      await system.shutdown();
      expect(events.filter((e) => e.type !== 'child-stopped')).toEqual([]);
      expect(await tree.escalations.list()).toEqual([]);
      expect(stoppedOf(lifecycle)).toEqual([
        'c:normal',
        'second:shutdown',
        'b:normal',
        'a:normal',
        'first:shutdown',
      ]);
      expect(system.describe('a')).toBeUndefined();
    });
  });
});
