import { fc, it as prop } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { type Placement } from 'agentvisor/internal';
import {
  isOwnedByLive,
  planPlacements,
  type PlacementCandidate,
  type PlannedUnit,
} from 'agentvisor/node';

const node = (id: string, roles: string[] = [], accepting = true): PlacementCandidate => ({
  node: id,
  run: `${id}-run`,
  roles,
  accepting,
});

const owned = (unit: string, owner: string, epoch = 1, run = `${owner}-run`): Placement => ({
  record: { v: 1, unit, node: owner, run, epoch, status: 'active', at: 0 },
  revision: epoch,
});

const any = (name: string): PlannedUnit => ({ name, placement: {} });

describe('planPlacements', () => {
  it('places unowned units on the least loaded node, ties by node id', () => {
    const plan = planPlacements(
      ['u1', 'u2', 'u3', 'u4'].map(any),
      new Map([['u1', owned('u1', 'a')]]),
      [node('a'), node('b'), node('c')],
    );
    expect(Object.fromEntries(plan)).toEqual({ u2: 'b', u3: 'c', u4: 'a' });
  });

  it('sends a unit to its preferred node when it is live, elsewhere when it is not', () => {
    const units: PlannedUnit[] = [{ name: 'p', placement: { node: 'c' } }];
    expect(planPlacements(units, new Map(), [node('a'), node('c')]).get('p')).toBe('c');
    expect(planPlacements(units, new Map(), [node('a'), node('b')]).get('p')).toBe('a');
  });

  it('places a unit with a role only on nodes with that role, and leaves it when none is live', () => {
    const units: PlannedUnit[] = [{ name: 'g', placement: { role: 'gpu' } }];
    expect(planPlacements(units, new Map(), [node('a'), node('z', ['gpu'])]).get('g')).toBe('z');
    expect(planPlacements(units, new Map(), [node('a')]).has('g')).toBe(false);
  });

  it('treats a dead owner, an old run, a release and a corrupt entry as unowned', () => {
    const live = [node('a'), node('b')];
    const placements = new Map<string, Placement>([
      ['dead', owned('dead', 'gone')],
      ['old-run', owned('old-run', 'a', 3, 'previous-run')],
      [
        'released',
        { record: { ...owned('released', 'b').record!, status: 'released' }, revision: 2 },
      ],
      ['corrupt', { record: undefined, revision: 7 }],
      ['kept', owned('kept', 'b')],
    ]);
    const plan = planPlacements(
      ['dead', 'old-run', 'released', 'corrupt', 'kept'].map(any),
      placements,
      live,
    );
    expect([...plan.keys()].sort()).toEqual(['corrupt', 'dead', 'old-run', 'released']);
    expect(isOwnedByLive(placements.get('kept'), live)).toBe(true);
  });

  it('gives nothing new to a draining node', () => {
    const plan = planPlacements(['u1', 'u2'].map(any), new Map(), [
      node('a', [], false),
      node('b'),
    ]);
    expect(Object.fromEntries(plan)).toEqual({ u1: 'b', u2: 'b' });
  });

  const scenario = fc.record({
    nodes: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { minLength: 1 }),
    units: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 30 }),
    owners: fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'gone'), { maxLength: 30 }),
  });

  prop.prop([scenario])(
    'plans exactly the units without a live owner, each onto a live node, evenly for `any`',
    ({ nodes, units, owners }) => {
      const live = nodes.map((n) => node(n));
      const placements = new Map<string, Placement>();
      units.forEach((u, i) => {
        const owner = owners[i];
        if (owner !== undefined) placements.set(u, owned(u, owner));
      });
      const plan = planPlacements(units.map(any), placements, live);
      const orphans = units.filter((u) => !isOwnedByLive(placements.get(u), live));
      expect([...plan.keys()].sort()).toEqual([...orphans].sort());
      for (const target of plan.values()) expect(nodes).toContain(target);
      // Deterministic: another node with the same view plans the same.
      expect(planPlacements(units.map(any), placements, [...live].reverse())).toEqual(plan);
      // Least loaded first: the planned units never widen the gap past what was already owned.
      const load = new Map<string, number>(nodes.map((n) => [n, 0]));
      for (const u of units) {
        const owner = isOwnedByLive(placements.get(u), live)
          ? placements.get(u)?.record?.node
          : plan.get(u);
        if (owner !== undefined) load.set(owner, (load.get(owner) ?? 0) + 1);
      }
      const before = new Map<string, number>(nodes.map((n) => [n, 0]));
      for (const u of units) {
        const p = placements.get(u);
        if (isOwnedByLive(p, live))
          before.set(p!.record!.node, (before.get(p!.record!.node) ?? 0) + 1);
      }
      const gapBefore = Math.max(...before.values()) - Math.min(...before.values());
      const gapAfter = Math.max(...load.values()) - Math.min(...load.values());
      expect(gapAfter).toBeLessThanOrEqual(Math.max(1, gapBefore));
    },
  );
});
