import { describe, expect, it } from 'vitest';
import {
  MemoryCheckpointStore,
  MemoryJournal,
  createActorSystem,
  isRuntimeError,
  type DeadLetter,
} from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { counterMachine } from './fixtures.js';

describe('ActorSystem caller-chosen message ids', () => {
  it('tell and ask carry the id given; a durable actor processes an id once', async () => {
    const system = createActorSystem({}, { clock: new TestClock() });
    const letters: DeadLetter[] = [];
    system.deadLetters.subscribe((d) => letters.push(d));
    await system.spawnDurable('c', counterMachine, {
      persistence: {
        store: new MemoryCheckpointStore(),
        journal: new MemoryJournal(),
        machineId: 'counter',
        machineVersion: 1,
      },
    });
    system.tell('c', 'inc', { by: 2 }, { id: 'order-1' });
    system.tell('c', 'inc', { by: 2 }, { id: 'order-1' });
    await system.settled();
    expect(await system.ask('c', 'get', undefined, { id: 'get-1' })).toBe(2);
    await expect(system.ask('c', 'get', undefined, { id: 'get-1' })).rejects.toSatisfy((e) =>
      isRuntimeError(e, 'ERR_DUPLICATE_MESSAGE'),
    );
    expect(letters.filter((d) => d.reason === 'duplicate').map((d) => d.envelope?.id)).toEqual([
      'order-1',
      'get-1',
    ]);
    await system.shutdown();
  });
});
