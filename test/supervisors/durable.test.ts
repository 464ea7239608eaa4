import { describe, expect, it } from 'vitest';
import { MemoryCheckpointStore, MemoryJournal, createActorSystem } from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { createSupervisionTree } from 'agentvisor/supervisors';
import { worker } from './fixtures.js';

describe('Supervisor with durable workers', () => {
  it('restarts a crashed worker from its checkpoint: state kept, the crashing message dropped', async () => {
    const clock = new TestClock();
    const system = createActorSystem({}, { clock });
    const persistence = { store: new MemoryCheckpointStore(), journal: new MemoryJournal() };
    const tree = await createSupervisionTree(
      system,
      { root: { id: 'root', intensity: 3, children: [{ id: 'w', agent: 'worker' }] } },
      { agents: { worker }, persistence },
    );
    const settle = () => system.settled();
    system.tell('w', 'work.add', { n: 1 });
    system.tell('w', 'work.add', { n: 2 });
    await settle();
    system.tell('w', 'work.crash', { reason: 'boom' });
    system.tell('w', 'work.add', { n: 3 });
    await settle();
    expect(system.describe('w')).toMatchObject({ status: 'running', incarnation: 2 });
    await expect(system.ask('w', 'work.get')).resolves.toEqual({ total: 6, seen: [1, 2, 3] });
    // A second restart recovers the same way: the failed message stays out of every replay.
    system.tell('w', 'work.crash', { reason: 'again' });
    await settle();
    await expect(system.ask('w', 'work.get')).resolves.toEqual({ total: 6, seen: [1, 2, 3] });
    await tree.stop();
    await system.shutdown();
  });

  it('restarts fresh when the child spec says restartFrom: fresh', async () => {
    const system = createActorSystem({}, { clock: new TestClock() });
    const persistence = { store: new MemoryCheckpointStore(), journal: new MemoryJournal() };
    const tree = await createSupervisionTree(
      system,
      { root: { id: 'root', children: [{ id: 'w', agent: 'worker', restartFrom: 'fresh' }] } },
      { agents: { worker }, persistence },
    );
    system.tell('w', 'work.add', { n: 5 });
    system.tell('w', 'work.crash');
    await system.settled();
    await expect(system.ask('w', 'work.get')).resolves.toEqual({ total: 0, seen: [] });
    await tree.stop();
    await system.shutdown();
  });
});
