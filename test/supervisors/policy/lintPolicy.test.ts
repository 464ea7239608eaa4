import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  lintPolicy,
  parsePolicy,
  type ChildSpecInput,
  type Policy,
  type SupervisorSpecInput,
} from '../../../supervisors/policy/index.js';

type Restart = 'permanent' | 'transient' | 'temporary';

const worker = (id: string, restart: Restart = 'permanent'): ChildSpecInput => ({
  id,
  agent: id,
  restart,
});

function supervisor(
  id: string,
  intensity: number,
  children: ChildSpecInput[],
  extra: Partial<SupervisorSpecInput> = {},
): SupervisorSpecInput {
  return { id, type: 'supervisor', intensity, children, ...extra };
}

const policyOf = (root: SupervisorSpecInput): Policy => parsePolicy({ root });

const codesOf = (policy: Policy): string[] => lintPolicy(policy).warnings.map((w) => w.code);

describe('lintPolicy', () => {
  describe('absorbedFailures', () => {
    it('is 1 for a worker under one supervisor of intensity 1', () => {
      const lint = lintPolicy(policyOf(supervisor('desk', 1, [worker('editor')])));
      expect(lint.paths).toStrictEqual([{ path: 'desk/editor', absorbedFailures: 1 }]);
      expect(lint.worstCase).toBe(1);
    });

    it('is 3 under two levels of intensity 1', () => {
      const lint = lintPolicy(
        policyOf(supervisor('desk', 1, [supervisor('team', 1, [worker('researcher')])])),
      );
      expect(lint.paths).toStrictEqual([{ path: 'desk/team/researcher', absorbedFailures: 3 }]);
    });

    it('is 120 under two levels of intensity 10 (OTP says "100": 11 × 11 − 1 exactly)', () => {
      const lint = lintPolicy(
        policyOf(supervisor('desk', 10, [supervisor('team', 10, [worker('researcher')])])),
      );
      expect(lint.worstCase).toBe(120);
    });

    it('is 0 for a temporary worker, which is never restarted', () => {
      const lint = lintPolicy(policyOf(supervisor('desk', 5, [worker('oneshot', 'temporary')])));
      expect(lint.paths).toStrictEqual([{ path: 'desk/oneshot', absorbedFailures: 0 }]);
    });

    it('counts a level of intensity 0 as a factor of 1', () => {
      const lint = lintPolicy(
        policyOf(supervisor('desk', 2, [supervisor('team', 0, [worker('researcher')])])),
      );
      expect(lint.worstCase).toBe(2);
    });

    it('stops the product at a temporary supervisor', () => {
      const lint = lintPolicy(
        policyOf(
          supervisor('desk', 5, [
            supervisor('team', 2, [worker('researcher')], { restart: 'temporary' }),
          ]),
        ),
      );
      expect(lint.worstCase).toBe(2);
    });

    it('lists every worker of a mixed tree and takes the max as the worst case', () => {
      const policy = policyOf(
        supervisor('desk', 2, [
          worker('editor'),
          supervisor('team', 3, [worker('researcher'), worker('scratch', 'temporary')]),
          supervisor('ops', 1, [worker('pager', 'transient')], { restart: 'transient' }),
        ]),
      );
      const lint = lintPolicy(policy);
      expect(lint.paths).toStrictEqual([
        { path: 'desk/editor', absorbedFailures: 2 },
        { path: 'desk/team/researcher', absorbedFailures: 11 },
        { path: 'desk/team/scratch', absorbedFailures: 0 },
        { path: 'desk/ops/pager', absorbedFailures: 5 },
      ]);
      expect(lint.worstCase).toBe(11);
      expect(lintPolicy(policy.root)).toStrictEqual(lint);
    });

    it('has a worst case of 0 for a tree without workers', () => {
      expect(lintPolicy(policyOf(supervisor('desk', 3, []))).worstCase).toBe(0);
    });
  });

  describe('warnings', () => {
    it('gives none for a clean tree', () => {
      const clean = policyOf(
        supervisor('desk', 2, [
          worker('editor'),
          supervisor('team', 5, [worker('researcher')], { periodMs: 60_000, restart: 'transient' }),
          supervisor('pool', 3, [worker('job', 'transient')], { strategy: 'dynamic' }),
        ]),
      );
      expect(lintPolicy(clean).warnings).toStrictEqual([]);
    });

    it('warns equal-intensities on the deepest supervisor of an equal chain', () => {
      const policy = policyOf(
        supervisor('desk', 1, [
          supervisor('team', 1, [worker('a'), supervisor('sub', 1, [worker('b')])]),
        ]),
      );
      expect(lintPolicy(policy).warnings).toStrictEqual([
        { path: 'desk/team/sub', code: 'equal-intensities', message: expect.any(String) as string },
      ]);
    });

    it('does not warn equal-intensities for one level or for differing levels', () => {
      expect(codesOf(policyOf(supervisor('desk', 1, [worker('a')])))).toStrictEqual([]);
      const differing = supervisor('desk', 1, [supervisor('team', 3, [worker('a')])]);
      expect(codesOf(policyOf(differing))).toStrictEqual([]);
    });

    it('warns long-period above 10 minutes only', () => {
      const long = supervisor('desk', 5, [worker('a')], { periodMs: 3_600_000 });
      expect(lintPolicy(policyOf(long)).warnings).toMatchObject([
        { path: 'desk', code: 'long-period' },
      ]);
      const tenMinutes = supervisor('desk', 5, [worker('a')], { periodMs: 600_000 });
      expect(codesOf(policyOf(tenMinutes))).toStrictEqual([]);
    });

    it('warns temporary-supervisor for a temporary nested supervisor, not a transient one', () => {
      const tree = (restart: Restart) =>
        policyOf(supervisor('desk', 1, [supervisor('team', 3, [worker('a')], { restart })]));
      expect(lintPolicy(tree('temporary')).warnings).toMatchObject([
        { path: 'desk/team', code: 'temporary-supervisor' },
      ]);
      expect(codesOf(tree('transient'))).toStrictEqual([]);
    });

    it('warns dynamic-with-significant when the dynamic template is significant', () => {
      const tree = (significant: boolean) =>
        policyOf(
          supervisor('desk', 2, [
            supervisor(
              'pool',
              3,
              [{ id: 'job', agent: 'job', restart: 'transient', significant }],
              {
                strategy: 'dynamic',
                autoShutdown: 'any-significant',
                restart: 'transient',
              },
            ),
          ]),
        );
      expect(lintPolicy(tree(true)).warnings).toMatchObject([
        { path: 'desk/pool', code: 'dynamic-with-significant' },
      ]);
      expect(codesOf(tree(false))).toStrictEqual([]);
    });
  });

  describe('absorbedFailures against a simulation', () => {
    interface GenWorker {
      readonly kind: 'worker';
      readonly restart: Restart;
    }
    interface GenSupervisor {
      readonly kind: 'supervisor';
      readonly intensity: number;
      readonly restart: Restart;
      readonly children: readonly (GenWorker | GenSupervisor)[];
    }

    const restartArb = fc.constantFrom<Restart>('permanent', 'transient', 'temporary');
    const workerArb: fc.Arbitrary<GenWorker> = fc.record({
      kind: fc.constant('worker' as const),
      restart: restartArb,
    });
    /** Supervisors up to 3 levels deep, intensities 0..5, any restart types. */
    const supervisorArb = (level: number): fc.Arbitrary<GenSupervisor> =>
      fc.record({
        kind: fc.constant('supervisor' as const),
        intensity: fc.integer({ min: 0, max: 5 }),
        restart: restartArb,
        children: fc.array(level >= 3 ? workerArb : fc.oneof(workerArb, supervisorArb(level + 1)), {
          maxLength: 3,
        }),
      });

    const toSpec = (node: GenWorker | GenSupervisor, id: string): ChildSpecInput =>
      node.kind === 'worker'
        ? worker(id, node.restart)
        : supervisor(
            id,
            node.intensity,
            // Ids unique in the whole tree (one actor name per node: issue 10 item L).
            node.children.map((c, i) => toSpec(c, `${id}-c${i}`)),
            { restart: node.restart },
          );

    /**
     * Naive model: the worker fails again and again (all within every period). Each supervisor
     * counts its restarts; it restarts the failing child while its count < intensity, else gives
     * up and fails to its parent. A restarted supervisor starts with fresh counters below it. A
     * temporary child is never restarted. Returns the failures after which the worker ran again.
     */
    function simulate(chain: readonly GenSupervisor[], workerRestart: Restart): number {
      const counts = chain.map(() => 0);
      let absorbed = 0;
      for (let failures = 0; failures < 100_000; failures++) {
        let level = chain.length - 1;
        let failingRestart = workerRestart;
        for (;;) {
          if (failingRestart === 'temporary') return absorbed; // not restarted: gone for good
          const sup = chain[level]!;
          if (counts[level]! < sup.intensity) {
            counts[level]!++;
            for (let below = level + 1; below < counts.length; below++) counts[below] = 0;
            absorbed++;
            break;
          }
          if (level === 0) return absorbed; // the root gives up
          failingRestart = sup.restart;
          level--;
        }
      }
      throw new Error('simulation did not end');
    }

    function expectedPaths(root: GenSupervisor): { path: string; absorbedFailures: number }[] {
      const out: { path: string; absorbedFailures: number }[] = [];
      const walk = (sup: GenSupervisor, chain: GenSupervisor[], path: string, id: string): void => {
        sup.children.forEach((child, i) => {
          const childId = `${id}-c${i}`;
          const childPath = `${path}/${childId}`;
          if (child.kind === 'supervisor') walk(child, [...chain, child], childPath, childId);
          else out.push({ path: childPath, absorbedFailures: simulate(chain, child.restart) });
        });
      };
      walk(root, [root], 'root', 'root');
      return out;
    }

    it.prop([supervisorArb(1)])('matches the product formula on random trees', (root) => {
      const policy = parsePolicy({ root: toSpec(root, 'root') });
      const lint = lintPolicy(policy);
      const expected = expectedPaths(root);
      expect(lint.paths).toStrictEqual(expected);
      expect(lint.worstCase).toBe(Math.max(0, ...expected.map((p) => p.absorbedFailures)));
    });
  });
});
