import { describe, expect, it } from 'vitest';
import {
  createActorSystem,
  isRuntimeError,
  type DeadLetter,
  type LifecycleEvent,
} from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { createSupervisionTree, type SupervisorEvent } from 'agentvisor/supervisors';
import { stubborn, worker } from './fixtures.js';

async function setupTree(
  root: Record<string, unknown>,
  extra: { agents?: Record<string, unknown> } = {},
) {
  const clock = new TestClock();
  const system = createActorSystem({}, { clock });
  const lifecycle: string[] = [];
  system.onLifecycle((e: LifecycleEvent) => lifecycle.push(`${e.type}:${e.name}:${e.incarnation}`));
  const deadLetters: DeadLetter[] = [];
  system.deadLetters.subscribe((d) => deadLetters.push(d));
  const tree = await createSupervisionTree(
    system,
    { root: root as never },
    { agents: { worker, stubborn, ...(extra.agents as object) } as never, random: () => 0.5 },
  );
  const events: SupervisorEvent[] = [];
  tree.onEvent((e) => events.push(e));
  const settle = () => system.settled();
  return { clock, system, tree, events, lifecycle, deadLetters, settle };
}

describe('Supervisor', () => {
  it('starts children in order and stops them in reverse order', async () => {
    const { system, tree, lifecycle, settle } = await setupTree({
      id: 'root',
      children: [
        { id: 'a', agent: 'worker' },
        { id: 'b', agent: 'worker' },
        { id: 'c', agent: 'worker' },
      ],
    });
    expect(lifecycle).toEqual(['started:root:1', 'started:a:1', 'started:b:1', 'started:c:1']);
    expect(tree.root.whichChildren().map((c) => [c.id, c.status])).toEqual([
      ['a', 'running'],
      ['b', 'running'],
      ['c', 'running'],
    ]);
    lifecycle.length = 0;
    await tree.stop();
    await settle();
    expect(lifecycle).toEqual(['stopped:c:1', 'stopped:b:1', 'stopped:a:1', 'stopped:root:1']);
    await system.shutdown();
  });

  it('one-for-one: restarts only the failed child, after its backoff, and holds its messages in order', async () => {
    const { system, tree, clock, events, settle } = await setupTree({
      id: 'root',
      intensity: 5,
      backoff: { minMs: 100, maxMs: 1_000, factor: 2, jitter: 0 },
      children: [
        { id: 'a', agent: 'worker' },
        { id: 'b', agent: 'worker' },
      ],
    });
    system.tell('a', 'work.add', { n: 1 });
    system.tell('b', 'work.add', { n: 7 });
    system.tell('a', 'work.crash');
    system.tell('a', 'work.add', { n: 2 });
    await settle();
    system.tell('a', 'work.add', { n: 3 });
    expect(tree.root.whichChildren().find((c) => c.id === 'a')?.status).toBe('restarting');
    expect(system.heldCount('a')).toBe(2);
    await clock.advance(99);
    expect(system.describe('a')?.incarnation).toBe(1);
    await clock.advance(1);
    await settle();
    expect(system.describe('a')).toMatchObject({ status: 'running', incarnation: 2 });
    // A fresh incarnation (no checkpoint store yet) that got the held messages in arrival order.
    await expect(system.ask('a', 'work.get')).resolves.toEqual({ total: 5, seen: [2, 3] });
    await expect(system.ask('b', 'work.get')).resolves.toEqual({ total: 7, seen: [7] });
    expect(events.find((e) => e.type === 'restart-scheduled')).toMatchObject({
      child: 'a',
      targets: ['a'],
      delayMs: 100,
      failureClass: 'bug',
    });
    await tree.stop();
    await system.shutdown();
  });

  it('one-for-all: takes every sibling down in reverse order and restarts all in order', async () => {
    const { system, tree, lifecycle, settle } = await setupTree({
      id: 'team',
      strategy: 'one-for-all',
      intensity: 3,
      children: [
        { id: 'a', agent: 'worker' },
        { id: 'b', agent: 'worker' },
        { id: 'c', agent: 'worker' },
      ],
    });
    lifecycle.length = 0;
    system.tell('b', 'work.crash');
    await settle();
    expect(lifecycle).toEqual([
      'failed:b:1',
      'stopped:c:1',
      'stopped:a:1',
      'started:a:2',
      'started:b:2',
      'started:c:2',
    ]);
    expect(tree.root.whichChildren().map((c) => c.restarts)).toEqual([0, 1, 0]);
    await tree.stop();
    await system.shutdown();
  });

  it('rest-for-one: restarts the failed child and those after it', async () => {
    const { system, tree, lifecycle, settle } = await setupTree({
      id: 'team',
      strategy: 'rest-for-one',
      intensity: 3,
      children: [
        { id: 'a', agent: 'worker' },
        { id: 'b', agent: 'worker' },
        { id: 'c', agent: 'worker' },
      ],
    });
    lifecycle.length = 0;
    system.tell('b', 'work.crash');
    await settle();
    expect(lifecycle).toEqual(['failed:b:1', 'stopped:c:1', 'started:b:2', 'started:c:2']);
    await tree.stop();
    await system.shutdown();
  });

  it('gives up past its intensity, stops its children, and its parent restarts it', async () => {
    const { system, tree, events, settle } = await setupTree({
      id: 'root',
      intensity: 3,
      children: [
        {
          id: 'team',
          type: 'supervisor',
          intensity: 1,
          restart: 'transient',
          children: [{ id: 'w', agent: 'worker' }],
        },
      ],
    });
    // Different failures each time: the same input failing the same way twice would be poison.
    system.tell('w', 'work.crash', { reason: 'first' });
    await settle();
    expect(system.describe('w')?.incarnation).toBe(2);
    system.tell('w', 'work.crash', { reason: 'second' });
    await settle();
    const gaveUp = events.find((e) => e.type === 'gave-up');
    expect(gaveUp).toMatchObject({ supervisor: 'team', child: 'w', failureClass: 'bug' });
    // The escalation is an abnormal exit: the transient 'team' child is restarted, not lost.
    const teamFailed = events.find((e) => e.type === 'child-failed' && e.child === 'team');
    expect(teamFailed).toMatchObject({ supervisor: 'root', directive: 'restart' });
    expect(system.describe('team')).toMatchObject({ status: 'running', incarnation: 2 });
    expect(system.describe('w')).toMatchObject({ status: 'running', incarnation: 3 });
    await tree.stop();
    await system.shutdown();
  });

  it('never restarts a temporary child, and a transient one only on an abnormal exit', async () => {
    const { system, tree, settle } = await setupTree({
      id: 'root',
      intensity: 5,
      children: [
        { id: 't', agent: 'worker', restart: 'temporary' },
        { id: 'tr', agent: 'worker', restart: 'transient' },
        { id: 'tr2', agent: 'worker', restart: 'transient' },
      ],
    });
    system.tell('t', 'work.crash');
    system.tell('tr', 'work.finish');
    system.tell('tr2', 'work.crash');
    await settle();
    expect(tree.root.whichChildren().map((c) => [c.id, c.status, c.incarnation])).toEqual([
      ['tr', 'terminated', 1],
      ['tr2', 'running', 2],
    ]);
    await tree.stop();
    await system.shutdown();
  });

  it('forces a child that ignores the stop request after its shutdown time', async () => {
    const { system, tree, clock, lifecycle, settle } = await setupTree({
      id: 'root',
      children: [
        { id: 's', agent: 'stubborn', shutdownMs: 2_000 },
        { id: 'w', agent: 'worker' },
      ],
    });
    lifecycle.length = 0;
    const stopping = tree.stop();
    await settle();
    expect(lifecycle).toEqual(['stopped:w:1']);
    await clock.advance(2_000);
    await stopping;
    expect(lifecycle).toEqual(['stopped:w:1', 'stopped:s:1', 'stopped:root:1']);
    await system.shutdown();
  });

  it('escalates to a human: parks the child, holds its messages, and acts on the decision', async () => {
    const { system, tree, settle } = await setupTree({
      id: 'root',
      onFailure: { auth: 'human' },
      human: { deadlineMs: 60_000, default: 'stop' },
      children: [{ id: 'w', agent: 'worker' }],
    });
    const opened: string[] = [];
    tree.escalations.onOpened((e) => opened.push(e.id));
    system.tell('w', 'work.add', { n: 4 });
    system.tell('w', 'work.crash', { reason: 'key revoked', failureClass: 'auth' });
    system.tell('w', 'work.add', { n: 5 });
    await settle();
    expect(opened).toHaveLength(1);
    const [record] = await tree.escalations.list({ status: 'open' });
    expect(record).toMatchObject({
      failureClass: 'auth',
      child: { id: 'w', name: 'w', incarnation: 1 },
      errorChain: [expect.objectContaining({ message: 'key revoked' })],
      lastCheckpoint: { kind: 'last-good-snapshot' },
      failedMessage: expect.objectContaining({ type: 'work.crash' }) as unknown,
    });
    expect(record?.lastMessages.map((m) => m.type)).toEqual(['work.add', 'work.crash']);
    expect(tree.root.whichChildren()[0]?.status).toBe('parked');
    expect(system.heldCount('w')).toBe(1);
    await tree.escalations.resolve(
      record!.id,
      { type: 'resume', context: { total: 100 } },
      { by: 'ops' },
    );
    await settle();
    await expect(system.ask('w', 'work.get')).resolves.toEqual({ total: 105, seen: [4, 5] });
    const again = await tree.escalations
      .resolve(record!.id, { type: 'stop' })
      .catch((e: unknown) => e);
    expect(isRuntimeError(again, 'ERR_ESCALATION_CLOSED')).toBe(true);
    await tree.stop();
    await system.shutdown();
  });

  it("records the restart history of an escalation in wall ms, not the clock's monotonic ms", async () => {
    const { system, tree, clock, settle } = await setupTree({
      id: 'root',
      intensity: 5,
      periodMs: 60_000,
      onFailure: { auth: 'human' },
      human: { deadlineMs: 60_000, default: 'stop' },
      children: [{ id: 'w', agent: 'worker' }],
    });
    // Wall and monotonic time have different origins (TestClock: wall 1.7e12, monotonic 0).
    const restartedAt: number[] = [];
    for (const step of [1_000, 2_500]) {
      await clock.advance(step);
      restartedAt.unshift(clock.now());
      system.tell('w', 'work.crash', { failureClass: 'transient' });
      await settle();
    }
    await clock.advance(500);
    system.tell('w', 'work.crash', { reason: 'key revoked', failureClass: 'auth' });
    await settle();
    const [record] = await tree.escalations.list({ status: 'open' });
    expect(restartedAt).toEqual([1_700_000_003_500, 1_700_000_001_000]);
    expect(record?.restartHistory).toEqual(restartedAt);
    await tree.stop();
    await system.shutdown();
  });

  it('applies the default decision when no one decides by the deadline', async () => {
    const { system, tree, clock, settle, deadLetters } = await setupTree({
      id: 'root',
      onFailure: { default: 'human' },
      human: { deadlineMs: 1_000, default: 'stop' },
      children: [{ id: 'w', agent: 'worker' }],
    });
    system.tell('w', 'work.crash');
    system.tell('w', 'work.add', { n: 1 });
    await settle();
    await clock.advance(1_000);
    await settle();
    const [record] = await tree.escalations.list();
    expect(record?.resolution).toMatchObject({ decision: { type: 'stop' }, decidedBy: 'deadline' });
    expect(tree.root.whichChildren()[0]?.status).toBe('terminated');
    expect(deadLetters.map((d) => d.reason)).toEqual(['stopped-actor']);
    await tree.stop();
    await system.shutdown();
  });

  it('dynamic: starts instances on demand and refuses restart_child as OTP does', async () => {
    const { system, tree, settle } = await setupTree({
      id: 'pool',
      strategy: 'dynamic',
      intensity: 5,
      children: [{ id: 'job', agent: 'worker', restart: 'transient' }],
    });
    const one = await tree.root.startChild({});
    const two = await tree.root.startChild({ id: 'special' });
    expect([one.id, two.id]).toEqual(['job-1', 'special']);
    system.tell('job-1', 'work.crash');
    await settle();
    expect(system.describe('job-1')?.incarnation).toBe(2);
    const refused = await tree.root.restartChild('job-1').catch((e: unknown) => e);
    expect(isRuntimeError(refused, 'ERR_CHILD_CONFLICT')).toBe(true);
    await tree.root.terminateChild('special');
    expect(tree.root.countChildren()).toEqual({ specs: 1, active: 1, supervisors: 0, workers: 1 });
    await tree.stop();
    await system.shutdown();
  });

  it('auto shutdown: a significant child ending by itself ends the supervisor (exit shutdown, as OTP)', async () => {
    const { system, tree, events, settle } = await setupTree({
      id: 'root',
      intensity: 5,
      children: [
        {
          id: 'job',
          type: 'supervisor',
          restart: 'transient',
          autoShutdown: 'any-significant',
          children: [
            { id: 'main', agent: 'worker', restart: 'transient', significant: true },
            { id: 'helper', agent: 'worker' },
          ],
        },
      ],
    });
    system.tell('main', 'work.finish');
    await settle();
    expect(events.map((e) => e.type)).toContain('auto-shutdown');
    expect(system.describe('helper')).toBeUndefined();
    expect(tree.root.whichChildren()[0]).toMatchObject({ id: 'job', status: 'terminated' });
    await tree.stop();
    await system.shutdown();
  });

  it('answers the supervisor message API', async () => {
    const { system, tree } = await setupTree({
      id: 'root',
      children: [{ id: 'a', agent: 'worker' }],
    });
    await expect(system.ask('root', 'supervisor.count-children')).resolves.toEqual({
      specs: 1,
      active: 1,
      supervisors: 0,
      workers: 1,
    });
    const missing = await system
      .ask('root', 'supervisor.terminate-child', { id: 'zz' })
      .catch((e: unknown) => e);
    expect(isRuntimeError(missing, 'ERR_CHILD_NOT_FOUND')).toBe(true);
    await tree.stop();
    await system.shutdown();
  });

  it('dead-letters, counts and answers what overflows the hold buffer during a backoff', async () => {
    const { system, tree, clock, deadLetters, settle } = await setupTree({
      id: 'root',
      intensity: 5,
      holdCapacity: 2,
      backoff: { minMs: 1_000, maxMs: 1_000, jitter: 0 },
      children: [{ id: 'a', agent: 'worker' }],
    });
    system.tell('a', 'work.crash');
    await settle();
    system.tell('a', 'work.add', { n: 1 });
    system.tell('a', 'work.add', { n: 2 });
    system.tell('a', 'work.add', { n: 3 });
    const refused = await system.ask('a', 'work.get').catch((e: unknown) => e);
    expect(isRuntimeError(refused, 'ERR_MAILBOX_FULL')).toBe(true);
    expect(deadLetters.map((d) => [d.reason, d.envelope?.type])).toEqual([
      ['hold-overflow', 'work.add'],
      ['hold-overflow', 'work.get'],
    ]);
    expect(system.deadLetters.count('hold-overflow')).toBe(2);
    await clock.advance(1_000);
    await settle();
    await expect(system.ask('a', 'work.get')).resolves.toEqual({ total: 3, seen: [1, 2] });
    await tree.stop();
    await system.shutdown();
  });

  it.each([
    ['retry', 'the failed message is delivered again', { type: 'retry' }, { total: 0, seen: [] }],
    [
      'restart-fresh',
      'starts from the initial state',
      { type: 'restart-fresh' },
      { total: 0, seen: [] },
    ],
    [
      'skip',
      'keeps the state, drops the message',
      { type: 'skip', result: 'done by hand' },
      { total: 10, seen: [10] },
    ],
  ])('acts on a %s decision: %s', async (_name, _why, decision, expected) => {
    const { system, tree, settle, events } = await setupTree({
      id: 'root',
      onFailure: { auth: 'human' },
      children: [{ id: 'w', agent: 'worker' }],
    });
    system.tell('w', 'work.add', { n: 10 });
    system.tell('w', 'work.crash', { reason: 'denied', failureClass: 'auth' });
    await settle();
    const [record] = await tree.escalations.list({ status: 'open' });
    if (decision.type === 'retry') {
      // The retried message is delivered again and fails again the same way: now it is poison,
      // so it is dropped (resume) instead of going back to a person.
      await tree.escalations.resolve(record!.id, decision);
      await settle();
      const failures = events.filter((e) => e.type === 'child-failed');
      expect(failures.map((e) => [e.failureClass, e.directive])).toEqual([
        ['auth', 'human'],
        ['poison', 'resume'],
      ]);
      await expect(system.ask('w', 'work.get')).resolves.toEqual({ total: 10, seen: [10] });
      await tree.stop();
      await system.shutdown();
      return;
    }
    await tree.escalations.resolve(record!.id, decision);
    await settle();
    const expectedState = decision.type === 'restart-fresh' ? expected : { total: 10, seen: [10] };
    await expect(system.ask('w', 'work.get')).resolves.toEqual(expectedState);
    expect(system.metrics.snapshot()['agentvisor_escalations_open']?.series[0]?.value).toBe(0);
    await tree.stop();
    await system.shutdown();
  });

  it('counts restarts by failure class', async () => {
    const { system, tree, settle } = await setupTree({
      id: 'root',
      intensity: 5,
      children: [{ id: 'a', agent: 'worker' }],
    });
    system.tell('a', 'work.crash', { reason: 'x', failureClass: 'transient' });
    await settle();
    system.tell('a', 'work.crash', { reason: 'y' });
    await settle();
    const series = system.metrics.snapshot()['agentvisor_supervisor_restarts_total']?.series ?? [];
    expect(series.map((s) => [s.labels['class'], s.value])).toEqual([
      ['transient', 1],
      ['bug', 1],
    ]);
    await tree.stop();
    await system.shutdown();
  });
});
