import { describe, expect, it } from 'vitest';
import { assign, fromPromise, setup } from 'xstate';
import { createActorSystem, isRuntimeError, respond, type MessageEvent } from 'agentvisor';
import { StuckWatch } from 'agentvisor/node';
import { TestClock } from 'agentvisor/testing';

type JobEvent = MessageEvent<'start'> | MessageEvent<'wait'> | MessageEvent<'ping'>;

/**
 * `start` invokes an effect that never settles (an effect lost in a restore); `wait` enters a
 * mid-task state that handles nothing (its effect was never restarted); `ping` answers while idle.
 */
const job = setup({
  types: { context: {} as { pings: number }, events: {} as JobEvent },
  actors: { never: fromPromise(() => new Promise<never>(() => undefined)) },
}).createMachine({
  context: { pings: 0 },
  initial: 'idle',
  states: {
    idle: {
      on: {
        start: 'working',
        wait: 'waiting',
        ping: {
          actions: [assign({ pings: ({ context }) => context.pings + 1 }), respond(() => 'pong')],
        },
      },
    },
    working: { invoke: { src: 'never' } },
    waiting: {},
  },
});

const STEP_MS = 1_000;

function world() {
  const clock = new TestClock();
  const system = createActorSystem({}, { clock });
  const watch = new StuckWatch(system, { clock });
  return { clock, system, watch, check: (name = 'j') => watch.check([{ name, stepMs: STEP_MS }]) };
}

describe('StuckWatch', () => {
  it('reports an actor whose invoked effect has not settled past its step deadline, once as new', async () => {
    const { clock, system, check } = world();
    system.spawn('j', job);
    system.tell('j', 'start');
    await system.settled();
    expect(check()).toEqual([]);
    await clock.advance(STEP_MS);
    expect(check()).toEqual([]); // exactly at the deadline: not yet
    await clock.advance(1);
    expect(check()).toEqual([{ name: 'j', sinceMs: STEP_MS + 1, owed: ['effect'], newly: true }]);
    await clock.advance(500);
    expect(check()).toEqual([expect.objectContaining({ name: 'j', newly: false })]);
    await system.shutdown();
  });

  it('reports a mid-task state that answers every message ERR_UNHANDLED', async () => {
    const { clock, system, check } = world();
    system.spawn('j', job);
    system.tell('j', 'wait');
    await system.settled();
    check();
    await clock.advance(STEP_MS + 1);
    // Nothing owed yet: a state that waits with nothing pending and no one asking is not stuck.
    expect(check()).toEqual([]);
    await expect(system.ask('j', 'ping')).rejects.toSatisfy((e) =>
      isRuntimeError(e, 'ERR_UNHANDLED'),
    );
    expect(check()).toEqual([expect.objectContaining({ name: 'j', owed: ['unhandled'] })]);
    await system.shutdown();
  });

  it('never reports an actor that keeps making transitions, nor an idle one', async () => {
    const { clock, system, check } = world();
    system.spawn('j', job);
    for (let i = 0; i < 5; i++) {
      expect(await system.ask('j', 'ping')).toBe('pong');
      expect(check()).toEqual([]);
      await clock.advance(STEP_MS / 2);
    }
    await clock.advance(STEP_MS * 10);
    expect(check()).toEqual([]);
    await system.shutdown();
  });

  it('starts over for a new incarnation, and forgets actors no longer listed', async () => {
    const { clock, system, check, watch } = world();
    system.spawn('j', job);
    system.tell('j', 'start');
    await system.settled();
    check();
    await clock.advance(STEP_MS + 1);
    expect(check()).toHaveLength(1);
    system.stop('j');
    system.spawn('j', job);
    system.tell('j', 'start');
    await system.settled();
    expect(check()).toEqual([]);
    expect(watch.check([])).toEqual([]);
    await clock.advance(STEP_MS + 1);
    expect(check()).toEqual([]); // tracked afresh after being forgotten
    await system.shutdown();
  });
});
