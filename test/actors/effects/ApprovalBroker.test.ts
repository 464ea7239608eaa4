import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createApprovalBroker, type ApprovalRequest } from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';

const request = (key: string): ApprovalRequest => ({
  key,
  agent: 'writer',
  question: 'ship it?',
  options: ['approve', 'reject'],
  default: 'reject',
  deadlineMs: 1_000,
  context: {},
});

describe('createApprovalBroker', () => {
  it('leaves no listener on the caller signal once a person decided', async () => {
    const clock = new TestClock();
    const broker = createApprovalBroker({ clock });
    const controller = new AbortController();
    const decision = broker.request(request('a'), { signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    broker.decide('a', 'approve', 'ops');
    await expect(decision).resolves.toEqual({ choice: 'approve', decidedBy: 'human', by: 'ops' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('leaves no listener once the deadline decided', async () => {
    const clock = new TestClock();
    const broker = createApprovalBroker({ clock });
    const controller = new AbortController();
    const decision = broker.request(request('b'), { signal: controller.signal });
    await clock.advance(1_000);
    await expect(decision).resolves.toEqual({ choice: 'reject', decidedBy: 'deadline' });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect(broker.pending()).toEqual([]);
  });

  it('an abort rejects with the reason and forgets the request', async () => {
    const clock = new TestClock();
    const broker = createApprovalBroker({ clock });
    const controller = new AbortController();
    const decision = broker.request(request('c'), { signal: controller.signal });
    controller.abort(new Error('task cancelled'));
    await expect(decision).rejects.toThrow('task cancelled');
    expect(broker.pending()).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });
});
