import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { createIdleTimeout, Deadline, ErrorCode, isRuntimeError } from 'agentvisor';
import { TestClock, expectRuntimeError } from 'agentvisor/testing';

describe('Deadline', () => {
  it('counts down on the clock and aborts its signal with ERR_TIMEOUT at expiry', async () => {
    const clock = new TestClock();
    const deadline = Deadline.after(1_000, { clock }, { level: 'step' });
    const signal = deadline.signal();
    expect(deadline.remainingMs()).toBe(1_000);
    await clock.advance(999);
    expect(signal.aborted).toBe(false);
    expect(deadline.remainingMs()).toBe(1);
    await clock.advance(1);
    expect(signal.aborted).toBe(true);
    expect(deadline.expired).toBe(true);
    expect(isRuntimeError(signal.reason, ErrorCode.Timeout)).toBe(true);
    expect((signal.reason as { details: unknown }).details).toMatchObject({
      level: 'step',
      timeoutMs: 1_000,
    });
  });

  it('gives a child what is left of its parent when that is less', async () => {
    const clock = new TestClock();
    const task = Deadline.after(10_000, { clock }, { level: 'task' });
    await clock.advance(9_000);
    const step = task.child(5_000, { level: 'step' });
    expect(step.remainingMs()).toBe(1_000);
    expect(step.level).toBe('task');
    const call = step.child(200, { level: 'call' });
    expect(call.remainingMs()).toBe(200);
    expect(call.level).toBe('call');
    const signal = step.signal();
    await clock.advance(1_000);
    // The step was cut short by the task: its error names the task level.
    expect((signal.reason as { details: { level: string } }).details.level).toBe('task');
    expect(signal.reason).toBe(task.timeoutError());
  });

  it.prop([
    fc.array(
      fc.record({ budgetMs: fc.integer({ min: 0, max: 100_000 }), elapseMs: fc.nat(50_000) }),
      { minLength: 1, maxLength: 6 },
    ),
  ])('nests: each level expires no later than any level above it', async (levels) => {
    const clock = new TestClock();
    let current = Deadline.none({ clock });
    const chain: Deadline[] = [];
    for (const { budgetMs, elapseMs } of levels) {
      current = current.child(budgetMs);
      chain.push(current);
      await clock.advance(elapseMs);
    }
    for (let i = 1; i < chain.length; i++) {
      expect(chain[i]!.remainingMs()).toBeLessThanOrEqual(chain[i - 1]!.remainingMs());
    }
    // Every signal that is armed fires at its level's remaining time, none later.
    const signals = chain.map((d) => [d, d.signal()] as const);
    const horizon = Math.max(...chain.map((d) => d.remainingMs()));
    await clock.advance(horizon);
    for (const [d, s] of signals) {
      expect(s.aborted).toBe(true);
      expect(d.expired).toBe(true);
    }
  });

  it('takes the envelope deadline as wall time, converted once', async () => {
    const clock = new TestClock();
    const deadline = Deadline.fromEnvelope({ deadline: clock.now() + 3_000 }, { clock });
    expect(deadline.remainingMs()).toBe(3_000);
    expect(deadline.level).toBe('task');
    expect(deadline.toEpochMs()).toBe(clock.now() + 3_000);
    await clock.advance(500);
    expect(deadline.toEpochMs()).toBe(clock.now() + 2_500);
    expect(Deadline.fromEnvelope({}, { clock }).remainingMs()).toBe(Infinity);
    expect(Deadline.fromEnvelope({}, { clock }).toEpochMs()).toBeUndefined();
  });

  it('is already aborted when created expired, and never arms a timer for no deadline', () => {
    const clock = new TestClock();
    expect(Deadline.at(clock.now() - 1, { clock }).signal().aborted).toBe(true);
    Deadline.none({ clock }).signal();
    expect(clock.pendingTimers).toBe(0);
  });

  it('clears its timer on dispose', () => {
    const clock = new TestClock();
    const d = Deadline.after(100, { clock });
    d.signal();
    expect(clock.pendingTimers).toBe(1);
    d.dispose();
    expect(clock.pendingTimers).toBe(0);
  });

  it('refuses a negative or NaN budget with ERR_INVALID_OPTIONS', () => {
    const clock = new TestClock();
    expectRuntimeError(() => Deadline.after(-1, { clock }), ErrorCode.InvalidOptions);
    expectRuntimeError(() => Deadline.none({ clock }).child(NaN), ErrorCode.InvalidOptions);
  });

  it('throwIfExpired throws the same timeout error', async () => {
    const clock = new TestClock();
    const d = Deadline.after(10, { clock });
    d.throwIfExpired();
    await clock.advance(10);
    expect(
      expectRuntimeError(() => {
        d.throwIfExpired();
      }, d.timeoutError().code),
    ).toBe(d.timeoutError());
  });
});

describe('createIdleTimeout', () => {
  it('aborts after idleMs without progress, and touch() starts the period over', async () => {
    const clock = new TestClock();
    const idle = createIdleTimeout({ idleMs: 100 }, { clock });
    for (let i = 0; i < 10; i++) {
      await clock.advance(90);
      idle.touch();
    }
    expect(idle.signal.aborted).toBe(false);
    await clock.advance(99);
    expect(idle.signal.aborted).toBe(false);
    await clock.advance(1);
    expect(idle.signal.aborted).toBe(true);
    expect(isRuntimeError(idle.signal.reason, ErrorCode.Timeout)).toBe(true);
    expect((idle.signal.reason as { details: unknown }).details).toMatchObject({
      level: 'idle',
      idleMs: 100,
    });
  });

  it('keeps one timer however often it is touched, and none after dispose', async () => {
    const clock = new TestClock();
    const idle = createIdleTimeout({ idleMs: 50 }, { clock });
    for (let i = 0; i < 100; i++) idle.touch();
    expect(clock.pendingTimers).toBe(1);
    idle.dispose();
    expect(clock.pendingTimers).toBe(0);
    await clock.advance(1_000);
    expect(idle.signal.aborted).toBe(false);
  });
});
