import { describe, expect, it } from 'vitest';
import {
  MemoryCheckpointStore,
  MemoryJournal,
  createActorSystem,
  type DeadLetter,
  type Envelope,
  type PersistenceOptions,
} from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { counterMachine } from './fixtures.js';

function persistence(
  s: { store: MemoryCheckpointStore; journal: MemoryJournal },
  policy: PersistenceOptions['policy'] = {},
): PersistenceOptions {
  return { ...s, machineId: 'counter', machineVersion: 1, policy };
}

const inc = (id: string, by: number): Envelope => ({
  v: 1,
  id,
  type: 'inc',
  to: 'c',
  payload: { by },
});

/** The hooks a durable mailbox builds on: deliver(), isDurable(), onJournaled(). */
describe('ActorSystem durable delivery hooks', () => {
  it('reports each message once it is journaled and processed, keeping its id', async () => {
    const s = { store: new MemoryCheckpointStore(), journal: new MemoryJournal() };
    const system = createActorSystem({}, { clock: new TestClock() });
    const journaled: [string, string, number][] = [];
    system.onJournaled((actor, envelope) => {
      void s.journal.lastSeq(actor).then((seq) => journaled.push([actor, envelope.id, seq]));
    });
    expect(system.isDurable('c')).toBe(false);
    const spawning = system.spawnDurable('c', counterMachine, { persistence: persistence(s) });
    expect(system.isDurable('c')).toBe(true); // recovering already counts
    await spawning;
    system.deliver(inc('m-1', 2));
    system.deliver(inc('m-2', 3));
    await system.settled();
    expect(journaled).toEqual([
      ['c', 'm-1', 2],
      ['c', 'm-2', 2],
    ]);
    await expect(system.ask('c', 'get')).resolves.toBe(5);
    await system.shutdown();
  });

  it('reports a redelivered id as a duplicate dead letter, not as journaled', async () => {
    const s = { store: new MemoryCheckpointStore(), journal: new MemoryJournal() };
    const system = createActorSystem({}, { clock: new TestClock() });
    const journaled: string[] = [];
    const letters: DeadLetter[] = [];
    system.onJournaled((_actor, envelope) => journaled.push(envelope.id));
    system.deadLetters.subscribe((d) => letters.push(d));
    await system.spawnDurable('c', counterMachine, { persistence: persistence(s) });
    system.deliver(inc('m-1', 2));
    await system.settled();
    system.deliver(inc('m-1', 2));
    await system.settled();
    expect(journaled).toEqual(['m-1']);
    expect(letters.map((d) => [d.reason, d.envelope?.id, d.error.code])).toEqual([
      ['duplicate', 'm-1', 'ERR_DUPLICATE_MESSAGE'],
    ]);
    await system.shutdown();
  });

  it('dead-letters a delivery to an actor it does not host, and a plain actor is not durable', async () => {
    const system = createActorSystem({}, { clock: new TestClock() });
    const letters: DeadLetter[] = [];
    system.deadLetters.subscribe((d) => letters.push(d));
    system.spawn('plain', counterMachine);
    expect(system.isDurable('plain')).toBe(false);
    system.deliver({ ...inc('m-1', 1), to: 'nobody' });
    expect(letters.map((d) => [d.reason, d.to, d.error.code])).toEqual([
      ['unknown-actor', 'nobody', 'ERR_ACTOR_NOT_FOUND'],
    ]);
    await system.shutdown();
  });

  it('checkpoints a recovered actor only after its replay: a second crash loses nothing', async () => {
    const s = { store: new MemoryCheckpointStore(), journal: new MemoryJournal() };
    // No checkpoint per message: after A's crash the journal alone holds its two messages.
    const policy = { everySteps: 1_000_000 };
    const a = createActorSystem({}, { clock: new TestClock() });
    await a.spawnDurable('c', counterMachine, { persistence: persistence(s, policy) });
    a.deliver(inc('m-1', 2));
    a.deliver(inc('m-2', 3));
    await a.settled();
    // B recovers (replaying both) and crashes at once; C must still find both.
    const b = createActorSystem({}, { clock: new TestClock() });
    await b.spawnDurable('c', counterMachine, { persistence: persistence(s, policy) });
    await b.settled(); // B's own (settled) checkpoint lands
    const latest = await s.store.latest('c');
    expect(latest?.checkpoint.journalSeq).toBe(2);
    expect((latest?.checkpoint.snapshot as { context: { count: number } }).context.count).toBe(5);
    const c = createActorSystem({}, { clock: new TestClock() });
    await c.spawnDurable('c', counterMachine, { persistence: persistence(s, policy) });
    await expect(c.ask('c', 'get')).resolves.toBe(5);
    await c.shutdown();
  });
});
