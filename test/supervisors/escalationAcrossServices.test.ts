import { describe, expect, it } from 'vitest';
import { MemoryCheckpointStore, MemoryJournal, createActorSystem } from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import {
  EscalationService,
  createMemoryEscalationStore,
  createSupervisionTree,
  type EscalationStore,
} from 'agentvisor/supervisors';
import { worker } from './fixtures.js';

const policy = {
  root: {
    id: 'root',
    onFailure: { auth: 'human' as const },
    human: { deadlineMs: 60_000, default: 'stop' as const },
    children: [{ id: 'w', agent: 'worker' }],
  },
};

async function parkedTree(store: EscalationStore, snapshot?: unknown) {
  const clock = new TestClock();
  const system = createActorSystem({}, { clock });
  const persistence = { store: new MemoryCheckpointStore(), journal: new MemoryJournal() };
  const tree = await createSupervisionTree(system, policy, {
    agents: { worker },
    persistence,
    escalationStore: store,
    ...(snapshot === undefined ? {} : { snapshot }),
  });
  return { clock, system, tree, persistence };
}

describe('escalations decided in another service (another node) on the same store', () => {
  it('a decision made by another service applies to the child here, once, and is journaled', async () => {
    const store = createMemoryEscalationStore();
    const { system, tree, persistence } = await parkedTree(store);
    system.tell('w', 'work.add', { n: 4 });
    system.tell('w', 'work.crash', { reason: 'key revoked', failureClass: 'auth' });
    await system.settled();
    const [record] = await tree.escalations.list({ status: 'open' });
    expect(tree.root.whichChildren()[0]?.status).toBe('parked');

    // Another node's view: its own service on the shared store, holding no binding.
    const elsewhere = new EscalationService(store, { clock: system.clock });
    await elsewhere.resolve(
      record!.id,
      { type: 'resume', context: { total: 100 } },
      { by: 'ops', note: 'key rotated' },
    );
    await system.settled();
    await expect(system.ask('w', 'work.get')).resolves.toEqual({ total: 100, seen: [4] });
    const stored = await store.get(record!.id);
    expect(stored).toMatchObject({
      status: 'resolved',
    });

    expect(await store.appliedAt?.(record!.id)).toEqual(expect.any(Number));
    const journal = await persistence.journal.read('w', 0);
    const decisions = journal.filter((e) => e.event.kind === 'decision');
    expect(decisions).toHaveLength(1);
    expect(decisions[0]?.event.data).toEqual({
      escalation: record!.id,
      decision: { type: 'resume', context: { total: 100 } },
      decidedBy: 'human',
      by: 'ops',
      note: 'key rotated',
      decidedAt: stored?.resolution?.decidedAt,
    });
    elsewhere.dispose();
    await tree.stop();
    await system.shutdown();
  });

  it('a tree restored from its snapshot applies a decision made while nobody held the child, once', async () => {
    const store = createMemoryEscalationStore();
    const first = await parkedTree(store);
    first.system.tell('w', 'work.crash', { reason: 'key revoked', failureClass: 'auth' });
    await first.system.settled();
    const [record] = await first.tree.escalations.list({ status: 'open' });
    const snapshot = first.tree.toSnapshot();
    // The node holding the tree dies: its service is gone with it.
    first.tree.escalations.dispose();
    await first.tree.stop();
    await first.system.shutdown();

    const elsewhere = new EscalationService(store, { clock: first.clock });
    await elsewhere.resolve(record!.id, { type: 'restart-fresh' }, { by: 'ops' });
    expect(await store.appliedAt?.(record!.id)).toBeUndefined();

    const second = await parkedTree(store, snapshot);
    await second.system.settled();
    expect(second.tree.root.whichChildren()[0]?.status).toBe('running');
    expect(await store.appliedAt?.(record!.id)).toEqual(expect.any(Number));
    const decisions = (await second.persistence.journal.read('w', 0)).filter(
      (e) => e.event.kind === 'decision',
    );
    expect(decisions.map((e) => e.event.data)).toMatchObject([
      { by: 'ops', decision: { type: 'restart-fresh' } },
    ]);
    await second.tree.stop();
    await second.system.shutdown();

    // A third owner after the decision was applied: nothing is applied again; the child just runs.
    const third = await parkedTree(store, snapshot);
    await third.system.settled();
    expect(third.tree.root.whichChildren()[0]?.status).toBe('running');
    expect(
      (await third.persistence.journal.read('w', 0)).filter((e) => e.event.kind === 'decision'),
    ).toEqual([]);
    await third.tree.stop();
    await third.system.shutdown();
    elsewhere.dispose();
  });
});
