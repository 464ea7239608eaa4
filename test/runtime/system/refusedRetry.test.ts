import { describe, expect, it } from 'vitest';
import {
  MemoryCheckpointStore,
  MemoryJournal,
  createActorSystem,
  type DeadLetter,
  type PersistenceOptions,
} from 'agentvisor';
import { TestClock, expectRuntimeError } from 'agentvisor/testing';
import { counterMachine } from './fixtures.js';

// Regression (found by the failover-under-load test): a retry of a message the actor *refused*
// ERR_UNHANDLED was answered ERR_DUPLICATE_MESSAGE, the answer for a processed one, so a sender
// whose refusal reply was lost took the task as done. A retry now gets the first outcome.
function stores(): PersistenceOptions {
  return {
    store: new MemoryCheckpointStore(),
    journal: new MemoryJournal(),
    machineId: 'counter',
    machineVersion: 1,
  };
}

function processOn() {
  const system = createActorSystem({}, { clock: new TestClock() });
  const letters: DeadLetter[] = [];
  system.deadLetters.subscribe((d) => letters.push(d));
  return { system, letters };
}

describe('a retried message the durable actor refused ERR_UNHANDLED', () => {
  it('is answered ERR_UNHANDLED again, not ERR_DUPLICATE_MESSAGE', async () => {
    const { system, letters } = processOn();
    await system.spawnDurable('c', counterMachine, { persistence: stores() });
    const ask = () => system.ask('c', 'not-a-type', undefined, { id: 'task-7' });
    await expectRuntimeError(ask(), 'ERR_UNHANDLED');
    const retry = await expectRuntimeError(ask(), 'ERR_UNHANDLED');
    expect(retry.details).toMatchObject({ actor: 'c', id: 'task-7', duplicate: true });
    // A processed id still answers ERR_DUPLICATE_MESSAGE.
    await system.ask('c', 'get', undefined, { id: 'get-1' });
    await expectRuntimeError(
      system.ask('c', 'get', undefined, { id: 'get-1' }),
      'ERR_DUPLICATE_MESSAGE',
    );
    expect(letters.map((d) => [d.reason, d.error.code])).toEqual([
      ['unhandled', 'ERR_UNHANDLED'],
      ['duplicate', 'ERR_UNHANDLED'],
      ['duplicate', 'ERR_DUPLICATE_MESSAGE'],
    ]);
    await system.shutdown();
  });

  it('keeps that outcome across recovery from the journal and from a checkpoint', async () => {
    for (const checkpoint of [false, true]) {
      const s = stores();
      const a = processOn();
      await a.system.spawnDurable('c', counterMachine, { persistence: s });
      await expectRuntimeError(
        a.system.ask('c', 'not-a-type', undefined, { id: 'task-7' }),
        'ERR_UNHANDLED',
      );
      a.system.tell('c', 'inc', { by: 1 }, { id: 'inc-1' });
      await a.system.settled();
      if (checkpoint) await a.system.checkpoint('c');
      // Crash: process B recovers the actor from the same stores (the node it failed over to).
      const b = processOn();
      await b.system.spawnDurable('c', counterMachine, { persistence: s });
      await expectRuntimeError(
        b.system.ask('c', 'not-a-type', undefined, { id: 'task-7' }),
        'ERR_UNHANDLED',
      );
      b.system.tell('c', 'inc', { by: 1 }, { id: 'inc-1' });
      await b.system.settled();
      expect(await b.system.ask('c', 'get')).toBe(1);
      expect(b.letters.map((d) => [d.reason, d.error.code])).toEqual([
        ['duplicate', 'ERR_UNHANDLED'],
        ['duplicate', 'ERR_DUPLICATE_MESSAGE'],
      ]);
      await b.system.shutdown();
    }
  });
});
