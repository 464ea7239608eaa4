import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { z } from 'zod';
import { MemoryCheckpointStore, MemoryJournal, createActorSystem } from 'agentvisor';
import { defineAgent, type AgentEvents } from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';

const accepts = { 'wait.start': z.strictObject({ ms: z.number() }) } as const;

const waiter = defineAgent({
  name: 'waiter',
  version: 1,
  accepts,
  machine: ({ effects, self }) =>
    setup({
      types: {
        context: {} as { deadlineAt: number; firedAt: number },
        events: {} as AgentEvents<typeof accepts>,
      },
      actors: effects,
    }).createMachine({
      context: { deadlineAt: 0, firedAt: 0 },
      initial: 'idle',
      states: {
        idle: {
          on: {
            'wait.start': {
              target: 'waiting',
              // The deadline goes into context: it survives a restore, a platform timer would not.
              actions: assign({ deadlineAt: ({ event }) => self.clock.now() + event.payload.ms }),
            },
          },
        },
        waiting: {
          invoke: {
            src: 'timer',
            input: ({ context }) => ({ deadlineAt: context.deadlineAt }),
            onDone: { target: 'fired', actions: assign({ firedAt: ({ event }) => event.output }) },
          },
        },
        fired: {},
      },
    }),
});

describe('the durable timer', () => {
  it('fires at the original deadline after a crash and restore', async () => {
    const store = new MemoryCheckpointStore();
    const journal = new MemoryJournal();
    const persistence = { store, journal, machineId: 'waiter', machineVersion: 1 };
    const start = 1_700_000_000_000;
    const clockA = new TestClock(start);
    const a = createActorSystem({}, { clock: clockA });
    await a.spawnDurable('w', waiter, { persistence });
    a.tell('w', 'wait.start', { ms: 1_000 });
    await a.settled();
    await clockA.advance(400);
    // Crash at +400. Process B starts with its wall clock at +700.
    const clockB = new TestClock(start + 700);
    const b = createActorSystem({}, { clock: clockB });
    await b.spawnDurable('w', waiter, { persistence });
    await b.settled();
    const state = () => b.getSnapshot('w') as { value: string; context: { firedAt: number } };
    expect(state().value).toBe('waiting');
    await clockB.advance(299);
    expect(state().value).toBe('waiting');
    await clockB.advance(1);
    expect(state().value).toBe('fired');
    expect(state().context.firedAt).toBe(start + 1_000);
    await b.shutdown();
  });
});
