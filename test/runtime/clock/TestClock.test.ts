import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { createActor, setup } from 'xstate';
import { TestClock } from 'agentvisor/testing';

describe('TestClock', () => {
  it('starts at the given wall time with monotonic time at zero', () => {
    const clock = new TestClock(1_000);
    expect(clock.now()).toBe(1_000);
    expect(clock.monotonic()).toBe(0);
    expect(new TestClock().now()).toBe(1_700_000_000_000);
  });

  it('moves now and monotonic together, also inside timer callbacks', async () => {
    const clock = new TestClock(5_000);
    const seen: [number, number][] = [];
    clock.setTimeout(() => seen.push([clock.monotonic(), clock.now()]), 30);
    clock.setTimeout(() => seen.push([clock.monotonic(), clock.now()]), 10);
    await clock.advance(100);
    expect(seen).toEqual([
      [10, 5_010],
      [30, 5_030],
    ]);
    expect(clock.monotonic()).toBe(100);
    expect(clock.now()).toBe(5_100);
  });

  it('fires due timers in deadline order, ties in the order they were set', async () => {
    const clock = new TestClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('c@30'), 30);
    clock.setTimeout(() => fired.push('a@10'), 10);
    clock.setTimeout(() => fired.push('b@10'), 10);
    clock.setTimeout(() => fired.push('d@0'), 0);
    clock.setTimeout(() => fired.push('e@later'), 31);
    await clock.advance(30);
    expect(fired).toEqual(['d@0', 'a@10', 'b@10', 'c@30']);
    expect(clock.pendingTimers).toBe(1);
    expect(clock.nextDueAt()).toBe(31);
    await clock.advance(1);
    expect(fired.at(-1)).toBe('e@later');
    expect(clock.pendingTimers).toBe(0);
    expect(clock.nextDueAt()).toBeUndefined();
  });

  it('does not fire a timer before its deadline', async () => {
    const clock = new TestClock();
    let fired = false;
    clock.setTimeout(() => (fired = true), 1_000);
    await clock.advance(999);
    expect(fired).toBe(false);
    await clock.advance(1);
    expect(fired).toBe(true);
  });

  it('fires timers set by callbacks when they fall inside the window', async () => {
    const clock = new TestClock();
    const fired: [string, number][] = [];
    clock.setTimeout(() => {
      fired.push(['first', clock.monotonic()]);
      clock.setTimeout(() => fired.push(['nested+0', clock.monotonic()]), 0);
      clock.setTimeout(() => {
        fired.push(['nested+20', clock.monotonic()]);
        clock.setTimeout(() => fired.push(['deep+50', clock.monotonic()]), 50);
      }, 20);
    }, 10);
    clock.setTimeout(() => fired.push(['second', clock.monotonic()]), 15);
    await clock.advance(60);
    expect(fired).toEqual([
      ['first', 10],
      ['nested+0', 10],
      ['second', 15],
      ['nested+20', 30],
    ]);
    expect(clock.nextDueAt()).toBe(80);
  });

  it('lets the promise chain started by one timer settle before the next fires', async () => {
    const clock = new TestClock();
    const log: string[] = [];
    clock.setTimeout(() => {
      void Promise.resolve()
        .then(() => log.push('a.then1'))
        .then(() => log.push('a.then2'));
      log.push('a');
    }, 5);
    clock.setTimeout(() => log.push('b'), 5);
    await clock.advance(5);
    expect(log).toEqual(['a', 'a.then1', 'a.then2', 'b']);
  });

  it('cancels a timer with clearTimeout and ignores unknown or fired handles', async () => {
    const clock = new TestClock();
    const fired: string[] = [];
    const a = clock.setTimeout(() => fired.push('a'), 10);
    const b = clock.setTimeout(() => fired.push('b'), 10);
    clock.setTimeout(() => {
      clock.clearTimeout(b); // a callback may cancel a later timer due at the same instant
    }, 5);
    clock.clearTimeout(a);
    clock.clearTimeout('not a handle');
    clock.clearTimeout(undefined);
    clock.clearTimeout(12345);
    await clock.advance(20);
    expect(fired).toEqual([]);
    const c = clock.setTimeout(() => fired.push('c'), 1);
    await clock.advance(1);
    clock.clearTimeout(c);
    expect(fired).toEqual(['c']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('treats negative and non-finite delays as zero', async () => {
    const clock = new TestClock();
    const fired: number[] = [];
    for (const [i, ms] of [-5, Number.NaN, Number.POSITIVE_INFINITY].entries()) {
      clock.setTimeout(() => fired.push(i), ms);
    }
    expect(clock.nextDueAt()).toBe(0);
    await clock.advance(0);
    expect(fired).toEqual([0, 1, 2]);
    expect(clock.monotonic()).toBe(0);
  });

  it('runNext jumps to the next deadline and fires every timer due then', async () => {
    const clock = new TestClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('x'), 40);
    clock.setTimeout(() => fired.push('y'), 40);
    clock.setTimeout(() => fired.push('z'), 90);
    await expect(clock.runNext()).resolves.toBe(true);
    expect(fired).toEqual(['x', 'y']);
    expect(clock.monotonic()).toBe(40);
    await expect(clock.runNext()).resolves.toBe(true);
    expect(clock.monotonic()).toBe(90);
    await expect(clock.runNext()).resolves.toBe(false);
    expect(fired).toEqual(['x', 'y', 'z']);
  });

  it.prop([fc.array(fc.nat({ max: 1_000 }), { maxLength: 40 })])(
    'fires any set of timers in the order of their delays, sorted stably',
    async (delays) => {
      const clock = new TestClock();
      const fired: number[] = [];
      delays.forEach((ms, i) => clock.setTimeout(() => fired.push(i), ms));
      await clock.advance(1_000);
      const expected = delays
        .map((ms, i) => ({ ms, i }))
        .sort((x, y) => x.ms - y.ms) // Array.prototype.sort is stable
        .map(({ i }) => i);
      expect(fired).toEqual(expected);
      expect(clock.pendingTimers).toBe(0);
    },
  );

  it.prop([
    fc.array(fc.nat({ max: 1_000 }), { maxLength: 40 }),
    fc.array(fc.nat({ max: 300 }), { minLength: 1, maxLength: 10 }),
  ])('fires the same order however the advance is split', async (delays, steps) => {
    const clock = new TestClock();
    const fired: [number, number][] = [];
    delays.forEach((ms, i) => clock.setTimeout(() => fired.push([i, clock.monotonic()]), ms));
    let elapsed = 0;
    for (const step of steps) {
      await clock.advance(step);
      elapsed += step;
      // Everything due so far fired, nothing later did.
      expect(fired.length).toBe(delays.filter((ms) => ms <= elapsed).length);
    }
    await clock.advance(1_000);
    const expected = delays
      .map((ms, i) => ({ ms, i }))
      .sort((x, y) => x.ms - y.ms)
      .map(({ ms, i }) => [i, ms]);
    expect(fired).toEqual(expected);
    expect(clock.monotonic()).toBe(elapsed + 1_000);
  });

  describe('driving XState', () => {
    const machine = setup({}).createMachine({
      initial: 'waiting',
      states: {
        waiting: { after: { 1_000: 'done' }, on: { skip: 'skipped' } },
        done: {},
        skipped: {},
      },
    });

    it('fires an `after` transition when advanced past the delay', async () => {
      const clock = new TestClock();
      const actor = createActor(machine, { clock }).start();
      expect(clock.pendingTimers).toBe(1);
      await clock.advance(999);
      expect(actor.getSnapshot().value).toBe('waiting');
      await clock.advance(1);
      expect(actor.getSnapshot().value).toBe('done');
      expect(clock.pendingTimers).toBe(0);
      actor.stop();
    });

    it('cancels the `after` timer when the state is left first', async () => {
      const clock = new TestClock();
      const actor = createActor(machine, { clock }).start();
      actor.send({ type: 'skip' });
      expect(clock.pendingTimers).toBe(0);
      await clock.advance(5_000);
      expect(actor.getSnapshot().value).toBe('skipped');
      actor.stop();
    });
  });
});
