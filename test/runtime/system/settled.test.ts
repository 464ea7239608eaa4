import { describe, expect, it } from 'vitest';
import { fromPromise, setup, assign } from 'xstate';
import { MemoryCheckpointStore, MemoryJournal, createActorSystem } from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { counterMachine } from './fixtures.js';

/** Runs a chain of resolved promises (deeper than any fixed flush) before it answers. */
const deepMachine = setup({
  actors: {
    deep: fromPromise(async () => {
      let n = 0;
      for (let i = 0; i < 200; i++) n = await Promise.resolve(n + 1);
      return n;
    }),
  },
}).createMachine({
  context: { n: 0 },
  initial: 'idle',
  states: {
    idle: { on: { go: 'working' } },
    working: {
      invoke: {
        src: 'deep',
        onDone: { target: 'idle', actions: assign({ n: ({ event }) => event.output }) },
      },
    },
  },
});

/** Waits for a timer on the clock, then counts. */
const timedMachine = setup({ types: { context: {} as { ticks: number } } }).createMachine({
  context: { ticks: 0 },
  initial: 'waiting',
  states: {
    waiting: {
      after: {
        1000: {
          target: 'waiting',
          reenter: true,
          actions: assign({ ticks: ({ context }) => context.ticks + 1 }),
        },
      },
    },
  },
});

describe('ActorSystem.settled', () => {
  it('resolves at once with nothing hosted', async () => {
    const system = createActorSystem({}, { clock: new TestClock() });
    await system.settled();
    await system.shutdown();
  });

  it('resolves once every mailbox is drained', async () => {
    const system = createActorSystem({}, { clock: new TestClock() });
    system.spawn('a', counterMachine);
    system.spawn('b', counterMachine);
    for (let i = 0; i < 300; i++) system.tell(i % 2 === 0 ? 'a' : 'b', 'inc');
    await system.settled();
    expect(system.describe('a')).toMatchObject({ processed: 150, mailboxSize: 0 });
    expect(system.describe('b')).toMatchObject({ processed: 150, mailboxSize: 0 });
    await system.shutdown();
  });

  it('waits for promise chains an actor started, however deep', async () => {
    const system = createActorSystem({}, { clock: new TestClock() });
    system.spawn('d', deepMachine);
    system.tell('d', 'go');
    await system.settled();
    expect(system.getSnapshot('d')).toMatchObject({ value: 'idle', context: { n: 200 } });
    await system.shutdown();
  });

  it('waits for a durable actor journal appends and checkpoint writes', async () => {
    const store = new MemoryCheckpointStore();
    const journal = new MemoryJournal();
    const system = createActorSystem({}, { clock: new TestClock() });
    const persistence = {
      store,
      journal,
      machineId: 'counter',
      machineVersion: 1,
      policy: { everySteps: 1 },
    };
    await system.spawnDurable('c', counterMachine, { persistence });
    system.tell('c', 'inc');
    system.tell('c', 'inc');
    await system.settled();
    expect(system.describe('c')?.processed).toBe(2);
    expect((await store.latest('c'))?.checkpoint.snapshot).toMatchObject({ context: { count: 2 } });
    await system.shutdown();
  });

  it('does not wait for a timer: advanceAsync fires it and settles what it started', async () => {
    const clock = new TestClock();
    const system = createActorSystem({}, { clock });
    system.spawn('t', timedMachine);
    await system.settled();
    expect(system.getSnapshot('t')).toMatchObject({ context: { ticks: 0 } });
    await clock.advanceAsync(3_000, system);
    expect(system.getSnapshot('t')).toMatchObject({ context: { ticks: 3 } });
    await system.shutdown();
  });
});
