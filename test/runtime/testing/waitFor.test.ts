import { describe, expect, it } from 'vitest';
import { TestClock, WaitForTimeoutError, waitFor } from 'agentvisor/testing';

describe('waitFor', () => {
  it('returns the first value the check yields, polling on the given clock', async () => {
    const clock = new TestClock();
    let polls = 0;
    const waiting = waitFor('the third poll', () => (++polls >= 3 ? polls : undefined), {
      clock,
      intervalMs: 10,
    });
    await clock.advance(10);
    await clock.advance(10);
    await expect(waiting).resolves.toBe(3);
  });

  it('counts a throwing check as not yet, and keeps the last error as the cause', async () => {
    const clock = new TestClock();
    const boom = new Error('not ready');
    const waiting = waitFor(
      'a check that never passes',
      () => {
        throw boom;
      },
      { clock, timeoutMs: 50, intervalMs: 10 },
    );
    const outcome = waiting.catch((err: unknown) => err);
    for (let i = 0; i < 6; i++) await clock.advance(10);
    const err = await outcome;
    expect(err).toBeInstanceOf(WaitForTimeoutError);
    expect((err as WaitForTimeoutError).what).toBe('a check that never passes');
    expect((err as WaitForTimeoutError).timeoutMs).toBe(50);
    expect((err as WaitForTimeoutError).cause).toBe(boom);
  });

  it('waits for an event (a promise) against the deadline', async () => {
    const clock = new TestClock();
    let resolve!: (v: string) => void;
    const event = new Promise<string>((r) => (resolve = r));
    const waiting = waitFor('the reply', event, { clock, timeoutMs: 100 });
    resolve('hi');
    await expect(waiting).resolves.toBe('hi');
    expect(clock.pendingTimers).toBe(0);
  });

  it('fails an event that does not come in time, naming it', async () => {
    const clock = new TestClock();
    const waiting = waitFor('the never event', new Promise<never>(() => undefined), {
      clock,
      timeoutMs: 100,
    });
    const outcome = waiting.catch((err: unknown) => err);
    await clock.advance(99); // lets the timeout's promise chains run too: no extra flush
    await clock.advance(1);
    const err = await outcome;
    expect(err).toBeInstanceOf(WaitForTimeoutError);
    expect((err as WaitForTimeoutError).what).toBe('the never event');
  });
});
