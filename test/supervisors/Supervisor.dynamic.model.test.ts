import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActorSystem, isRuntimeError } from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { createSupervisionTree } from 'agentvisor/supervisors';
import { worker } from './fixtures.js';

// Model-based property of a `dynamic` supervisor (OTP simple_one_for_one) against the OTP rules
// alone (issue 10 item M): an instance that ends for good leaves the child list, one that is
// restarted stays; starting a taken id is refused, starting a freed one works.

type RestartType = 'permanent' | 'transient' | 'temporary';

type Step =
  | { readonly kind: 'start'; readonly id: number }
  | { readonly kind: 'finish'; readonly id: number }
  | { readonly kind: 'crash'; readonly id: number }
  | { readonly kind: 'terminate'; readonly id: number };

const IDS = 4;
const stepArb: fc.Arbitrary<Step> = fc.record({
  kind: fc.constantFrom('start', 'finish', 'crash', 'terminate'),
  id: fc.nat({ max: IDS - 1 }),
});

/** OTP: which instances a simple_one_for_one supervisor still has after an instance's end. */
function staysAfter(restart: RestartType, end: 'finish' | 'crash'): boolean {
  if (restart === 'permanent') return true;
  if (restart === 'temporary') return false;
  return end === 'crash'; // transient: restarted only after an abnormal exit
}

describe('Supervisor dynamic (model-based, against OTP)', () => {
  it('keeps exactly the instances OTP keeps, and frees the ids of those that ended', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<RestartType>('permanent', 'transient', 'temporary'),
        fc.array(stepArb, { maxLength: 25 }),
        async (restart, steps) => {
          const system = createActorSystem({}, { clock: new TestClock() });
          const tree = await createSupervisionTree(
            system,
            {
              root: {
                id: 'pool',
                strategy: 'dynamic',
                intensity: 1_000,
                children: [{ id: 'job', agent: 'worker', restart }],
              },
            },
            { agents: { worker } },
          );
          try {
            const model = new Set<string>();
            for (const [i, step] of steps.entries()) {
              const id = `j${step.id}`;
              if (step.kind === 'start') {
                const outcome = await tree.root.startChild({ id }).then(
                  () => 'started',
                  (err: unknown) => (isRuntimeError(err, 'ERR_CHILD_CONFLICT') ? 'conflict' : err),
                );
                expect(outcome).toBe(model.has(id) ? 'conflict' : 'started');
                model.add(id);
              } else if (!model.has(id)) {
                continue;
              } else if (step.kind === 'terminate') {
                await tree.root.terminateChild(id);
                model.delete(id);
              } else {
                // A unique reason per crash: the poison detector must never fire.
                if (step.kind === 'crash') system.tell(id, 'work.crash', { reason: `c${i}` });
                else system.tell(id, 'work.finish');
                await system.settled();
                if (!staysAfter(restart, step.kind)) model.delete(id);
              }
              const ids = tree.root.whichChildren().map((c) => c.id);
              expect(new Set(ids)).toEqual(model);
              expect(tree.root.countChildren()).toMatchObject({
                specs: model.size,
                active: model.size,
              });
            }
          } finally {
            await tree.stop();
            await system.shutdown();
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);
});
