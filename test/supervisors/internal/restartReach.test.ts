import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { STRATEGIES } from '../../../supervisors/failureClasses.js';
import { restartReach } from '../../../supervisors/internal/restartReach.js';

interface Child {
  readonly id: number;
  readonly temporary: boolean;
}

/** Children (ids in start order) and the index of the one that failed. */
const scenarios = fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }).chain((temps) =>
  fc.record({
    children: fc.constant(temps.map((temporary, id): Child => ({ id, temporary }))),
    index: fc.integer({ min: 0, max: temps.length - 1 }),
    strategy: fc.constantFrom(...STRATEGIES),
  }),
);

/** OTP's reach, written out per strategy: which ids a restart touches. */
function expectedReach(strategy: string, children: readonly Child[], index: number): Child[] {
  if (strategy === 'one-for-all') return [...children];
  if (strategy === 'rest-for-one') return children.slice(index);
  return [children[index]!];
}

const isTemporary = (c: Child) => c.temporary;

describe('restartReach', () => {
  it.prop([scenarios])(
    'stops the reach but the failed child in reverse start order, restarts the failed child and non-temporary siblings in start order, drops temporary siblings',
    ({ children, index, strategy }) => {
      const failed = children[index]!;
      const reach = expectedReach(strategy, children, index);
      const result = restartReach(strategy, children, failed, isTemporary);
      expect(result.stop).toEqual([...reach].reverse().filter((c) => c !== failed));
      expect(result.targets).toEqual(reach.filter((c) => c === failed || !c.temporary));
      expect(result.dropped).toEqual(reach.filter((c) => c !== failed && c.temporary));
      // Every child in reach is either restarted or dropped, never both.
      expect(new Set([...result.targets, ...result.dropped]).size).toBe(reach.length);
    },
  );

  it.prop([scenarios])('the failed child is always a target, even when temporary', (s) => {
    const failed = s.children[s.index]!;
    expect(restartReach(s.strategy, s.children, failed, isTemporary).targets).toContain(failed);
  });

  it('one-for-one and dynamic never touch siblings', () => {
    const children: Child[] = [
      { id: 0, temporary: false },
      { id: 1, temporary: true },
      { id: 2, temporary: false },
    ];
    for (const strategy of ['one-for-one', 'dynamic'] as const) {
      const r = restartReach(strategy, children, children[1]!, isTemporary);
      expect(r).toEqual({ stop: [], targets: [children[1]], dropped: [] });
    }
  });

  it('rest-for-one reaches the failed child and those started after it', () => {
    const children: Child[] = [0, 1, 2, 3].map((id) => ({ id, temporary: id === 3 }));
    const r = restartReach('rest-for-one', children, children[1]!, isTemporary);
    expect(r.stop.map((c) => c.id)).toEqual([3, 2]);
    expect(r.targets.map((c) => c.id)).toEqual([1, 2]);
    expect(r.dropped.map((c) => c.id)).toEqual([3]);
  });
});
