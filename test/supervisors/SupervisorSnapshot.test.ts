import { fc, it as propIt } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { createActorSystem, isRuntimeError } from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import {
  createMemoryEscalationStore,
  createSupervisionTree,
  type EscalationStore,
  type SupervisorEvent,
  type SupervisorSnapshot,
} from 'agentvisor/supervisors';
import { worker } from './fixtures.js';

/** One process: a clock whose wall time starts at `wallMs`, a system and a tree on it. */
async function boot(
  root: Record<string, unknown>,
  snapshot?: unknown,
  wallMs?: number,
  escalationStore?: EscalationStore,
) {
  const clock = new TestClock(wallMs);
  const system = createActorSystem({}, { clock });
  const tree = await createSupervisionTree(
    system,
    { root: root as never },
    {
      agents: { worker } as never,
      random: () => 0.5,
      ...(snapshot === undefined ? {} : { snapshot }),
      ...(escalationStore === undefined ? {} : { escalationStore }),
    },
  );
  const events: SupervisorEvent[] = [];
  tree.onEvent((e) => events.push(e));
  const settle = () => system.settled();
  // Each crash fails differently, so none is taken for a poison message (that would resume).
  let crashes = 0;
  const crash = async (name: string) => {
    system.tell(name, 'work.crash', { reason: `crash ${'abcdefghij'.charAt(crashes++)}` });
    await settle();
  };
  const close = async () => {
    await tree.stop();
    await system.shutdown();
  };
  return { clock, system, tree, events, settle, crash, close };
}

const WALL = 1_700_000_000_000;
const window3 = {
  id: 'root',
  intensity: 3,
  periodMs: 60_000,
  children: [{ id: 'a', agent: 'worker' }],
};

describe('SupervisorSnapshot', () => {
  it('a tree that used 2 of 3 restarts gives up after the next 2 failures, not 4', async () => {
    const before = await boot(window3, undefined, WALL);
    await before.crash('a');
    await before.crash('a');
    expect(before.tree.root.whichChildren()[0]).toMatchObject({ status: 'running', restarts: 2 });
    // Through JSON, as storage would keep it.
    const snapshot: unknown = JSON.parse(JSON.stringify(before.tree.toSnapshot()));
    await before.close();

    // The process restarts 5 s later: monotonic time starts over, wall time goes on.
    const after = await boot(window3, snapshot, WALL + 5_000);
    expect(after.tree.root.whichChildren()[0]?.restarts).toBe(2);
    await after.crash('a');
    expect(after.events.some((e) => e.type === 'gave-up')).toBe(false);
    await after.crash('a');
    expect(after.events.find((e) => e.type === 'gave-up')).toMatchObject({ restarts: 4 });
    expect(after.tree.root.status).toBe('failed');
    await after.close();

    // Without the snapshot the same tree takes 3 more restarts before it gives up on the 4th.
    const fresh = await boot(window3, undefined, WALL + 5_000);
    for (let i = 0; i < 3; i++) await fresh.crash('a');
    expect(fresh.events.some((e) => e.type === 'gave-up')).toBe(false);
    await fresh.crash('a');
    expect(fresh.events.some((e) => e.type === 'gave-up')).toBe(true);
    await fresh.close();
  });

  it('restarts older than the window at restore time no longer count', async () => {
    const before = await boot(window3, undefined, WALL);
    await before.crash('a');
    await before.crash('a');
    await before.crash('a');
    const snapshot = before.tree.toSnapshot();
    expect(snapshot.restarts).toHaveLength(3);
    await before.close();

    const after = await boot(window3, snapshot, WALL + 60_001);
    expect(after.tree.toSnapshot().restarts).toEqual([]);
    for (let i = 0; i < 3; i++) await after.crash('a');
    expect(after.events.some((e) => e.type === 'gave-up')).toBe(false);
    await after.close();
  });

  it('continues each child’s backoff where it was', async () => {
    const root = {
      ...window3,
      intensity: 10,
      backoff: { minMs: 100, maxMs: 10_000, factor: 2, jitter: 0 },
    };
    const before = await boot(root, undefined, WALL);
    await before.crash('a');
    await before.clock.advance(100);
    await before.settle();
    await before.crash('a');
    await before.clock.advance(200);
    await before.settle();
    const snapshot = before.tree.toSnapshot();
    expect(snapshot.children['a']).toMatchObject({ restarts: 2, backoffAttempt: 2 });
    await before.close();

    const after = await boot(root, snapshot, WALL + 1_000);
    await after.crash('a');
    expect(after.events.find((e) => e.type === 'restart-scheduled')).toMatchObject({
      delayMs: 400,
    });
    await after.close();
  });

  it('keeps nested supervisors’ windows too', async () => {
    const root = {
      id: 'root',
      intensity: 5,
      children: [
        { id: 'team', type: 'supervisor', intensity: 1, children: [{ id: 'w', agent: 'worker' }] },
      ],
    };
    const before = await boot(root, undefined, WALL);
    await before.crash('w');
    const snapshot = before.tree.toSnapshot();
    expect(snapshot.children['team']?.supervisor?.restarts).toHaveLength(1);
    await before.close();

    const after = await boot(root, snapshot, WALL + 1_000);
    await after.crash('w');
    // `team` allowed 1 restart and had used it: this failure makes it give up.
    expect(after.events.find((e) => e.type === 'gave-up')).toMatchObject({
      supervisor: 'team',
      child: 'w',
    });
    await after.close();
  });

  it('a child parked when the snapshot was taken waits for its still-open escalation', async () => {
    const root = {
      ...window3,
      onFailure: { auth: 'human' },
      human: { deadlineMs: 60_000, default: 'stop' },
    };
    // The memory store outlives both trees here, as a durable store outlives a process.
    const store = createMemoryEscalationStore();
    const before = await boot(root, undefined, WALL, store);
    before.system.tell('a', 'work.add', { n: 4 });
    before.system.tell('a', 'work.crash', { reason: 'key revoked', failureClass: 'auth' });
    await before.settle();
    const snapshot = before.tree.toSnapshot();
    const [open] = await before.tree.escalations.list({ status: 'open' });
    expect(snapshot.children['a']?.parked).toEqual({ escalation: open?.id });
    await before.close();

    const after = await boot(root, snapshot, WALL + 1_000, store);
    expect(after.tree.root.whichChildren()[0]?.status).toBe('parked');
    expect(after.system.describe('a')).toBeUndefined();
    expect(after.tree.toSnapshot().children['a']?.parked).toEqual({ escalation: open?.id });
    await after.tree.escalations.resolve(open!.id, { type: 'restart-fresh' }, { by: 'ops' });
    await after.settle();
    expect(after.tree.root.whichChildren()[0]?.status).toBe('running');
    expect(after.system.describe('a')?.status).toBe('running');
    expect(after.tree.toSnapshot().children['a']?.parked).toBeUndefined();
    await after.close();

    // With the escalation gone (a memory store lost with the process) the child starts as usual.
    const lost = await boot(root, snapshot, WALL + 1_000);
    expect(lost.tree.root.whichChildren()[0]?.status).toBe('running');
    await lost.close();
  });

  it('refuses a snapshot of an unknown version, a malformed one, or one of another supervisor, and starts nothing', async () => {
    const good = { v: 1, id: 'root', takenAt: WALL, restarts: [], children: {} };
    const cases: [unknown, string][] = [
      [{ ...good, v: 2 }, 'ERR_CHECKPOINT_VERSION'],
      ['not a snapshot', 'ERR_CHECKPOINT_VERSION'],
      [{ ...good, restarts: ['x'] }, 'ERR_INVALID_OPTIONS'],
      [{ ...good, children: { a: { restarts: -1, backoffAttempt: 0 } } }, 'ERR_INVALID_OPTIONS'],
      [{ ...good, extra: true }, 'ERR_INVALID_OPTIONS'],
      [{ ...good, id: 'other' }, 'ERR_INVALID_OPTIONS'],
    ];
    for (const [snapshot, code] of cases) {
      const clock = new TestClock();
      const system = createActorSystem({}, { clock });
      const input = structuredClone(snapshot);
      const refused = await createSupervisionTree(
        system,
        { root: window3 as never },
        { agents: { worker } as never, snapshot },
      ).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(isRuntimeError(refused, code as never), JSON.stringify(snapshot)).toBe(true);
      // Nothing started, and the snapshot handed in is as it was.
      expect(system.describe('root')).toBeUndefined();
      expect(system.describe('a')).toBeUndefined();
      expect(snapshot).toEqual(input);
      await system.shutdown();
    }
  });

  const spec = {
    id: 'root',
    intensity: 50,
    periodMs: 10_000,
    backoff: { minMs: 10, maxMs: 1_000, factor: 2, jitter: 0 },
    children: [
      { id: 'a', agent: 'worker' },
      { id: 'b', agent: 'worker' },
      {
        id: 'team',
        type: 'supervisor',
        intensity: 50,
        periodMs: 10_000,
        backoff: { minMs: 10, maxMs: 1_000, factor: 2, jitter: 0 },
        children: [{ id: 'w', agent: 'worker' }],
      },
    ],
  };
  /** Restart times inside a 10 s window ending at WALL, newest first. */
  const restartsArb = fc
    .array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 8 })
    .map((ages) => [...ages].sort((x, y) => x - y).map((age) => WALL - age));
  const childArb = fc.record({
    restarts: fc.integer({ min: 0, max: 1_000 }),
    backoffAttempt: fc.integer({ min: 0, max: 30 }),
  });
  const snapshotArb = fc
    .record({ root: restartsArb, team: restartsArb, a: childArb, b: childArb, t: childArb })
    .chain((s) =>
      fc.record({ w: childArb }).map(({ w }): SupervisorSnapshot => ({
        v: 1,
        id: 'root',
        takenAt: WALL,
        restarts: s.root,
        children: {
          a: s.a,
          b: s.b,
          team: {
            ...s.t,
            supervisor: {
              v: 1,
              id: 'team',
              takenAt: WALL,
              restarts: s.team,
              children: { w },
            },
          },
        },
      })),
    );

  propIt.prop([snapshotArb], { numRuns: 25 })(
    'round trip: restoring a snapshot and taking one gives the same snapshot',
    async (snapshot) => {
      const restored = await boot(spec, JSON.parse(JSON.stringify(snapshot)), WALL);
      expect(restored.tree.toSnapshot()).toEqual(snapshot);
      await restored.close();
    },
  );
});
