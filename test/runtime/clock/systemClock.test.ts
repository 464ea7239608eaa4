import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { createSystemClock, systemClock, type Clock } from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { DeadlineTimer } from '../../../runtime/clock/index.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** The longest delay a platform timer takes; Node fires longer ones after 1 ms. */
const MAX_PLATFORM_MS = 2 ** 31 - 1;

// vi.useFakeTimers only around the system clock: it is the one piece that calls the platform's
// timers (STYLE §8 allows fake timers around code that reads global timers).
describe('systemClock long timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('does not fire a 30-day timer at 2^31 ms, and fires it at 30 days', () => {
    const fired = vi.fn();
    systemClock.setTimeout(fired, 30 * DAY_MS);
    vi.advanceTimersByTime(10);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(MAX_PLATFORM_MS + 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30 * DAY_MS - MAX_PLATFORM_MS - 12);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(60 * DAY_MS);
    expect(fired).toHaveBeenCalledOnce();
  });

  it('clears a chained timer before and after its first hop', () => {
    const early = vi.fn();
    const late = vi.fn();
    const a = systemClock.setTimeout(early, 30 * DAY_MS);
    const b = systemClock.setTimeout(late, 30 * DAY_MS);
    systemClock.clearTimeout(a);
    vi.advanceTimersByTime(MAX_PLATFORM_MS + 5);
    systemClock.clearTimeout(b);
    vi.advanceTimersByTime(60 * DAY_MS);
    expect(early).not.toHaveBeenCalled();
    expect(late).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fires a timer of exactly 2^31 - 1 ms on one platform timer, and short ones as before', () => {
    const fired: string[] = [];
    systemClock.setTimeout(() => fired.push('max'), MAX_PLATFORM_MS);
    systemClock.setTimeout(() => fired.push('short'), 5);
    vi.advanceTimersByTime(5);
    expect(fired).toEqual(['short']);
    vi.advanceTimersByTime(MAX_PLATFORM_MS - 5);
    expect(fired).toEqual(['short', 'max']);
  });

  it('keeps an unref clock from holding the process on every hop', () => {
    const clock = createSystemClock({ unref: true });
    const fired = vi.fn();
    clock.setTimeout(fired, 3 * MAX_PLATFORM_MS);
    vi.advanceTimersByTime(3 * MAX_PLATFORM_MS);
    expect(fired).toHaveBeenCalledOnce();
  });

  it('keeps a DeadlineTimer 30 days out from firing (or spinning) early', () => {
    const expired = vi.fn();
    const deadlines = new DeadlineTimer<string>(systemClock, expired);
    deadlines.add('ask', systemClock.now() + 30 * DAY_MS);
    vi.advanceTimersByTime(MAX_PLATFORM_MS + 1_000);
    expect(expired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(30 * DAY_MS);
    expect(expired).toHaveBeenCalledWith('ask');
  });

  // The same timers on the TestClock and on the (faked) system clock fire at the same times:
  // tests on the TestClock say what production does.
  test.prop(
    [fc.array(fc.integer({ min: 0, max: 4 * MAX_PLATFORM_MS }), { minLength: 1, maxLength: 8 })],
    { numRuns: 50 },
  )('fires long and short timers at the same times as the TestClock', async (delays) => {
    const run = async (clock: Clock, advance: (ms: number) => Promise<void>) => {
      const start = clock.now();
      const at = new Map<number, number>();
      delays.forEach((ms, i) => clock.setTimeout(() => at.set(i, clock.now() - start), ms));
      await advance(4 * MAX_PLATFORM_MS + 1);
      return delays.map((_, i) => at.get(i));
    };
    const testClock = new TestClock();
    const onTest = await run(testClock, (ms) => testClock.advance(ms));
    const onSystem = await run(systemClock, (ms) => {
      vi.advanceTimersByTime(ms);
      return Promise.resolve();
    });
    expect(onTest).toEqual(delays);
    expect(onSystem).toEqual(onTest);
  });
});
