import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { isRuntimeError } from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { HUMAN_DECISIONS } from '../../../supervisors/failureClasses.js';
import {
  EscalationService,
  createMemoryEscalationStore,
  type HumanDecision,
  type ResolvedEscalation,
} from '../../../supervisors/escalation/index.js';
import { input, sequentialIds } from './fixtures.js';

const decisionArb: fc.Arbitrary<HumanDecision> = fc.oneof(
  fc.constantFrom<HumanDecision>(
    { type: 'retry' },
    { type: 'resume' },
    { type: 'restart-fresh' },
    { type: 'stop' },
  ),
  fc
    .dictionary(
      fc.string({ minLength: 1, maxLength: 5 }).filter((k) => k !== '__proto__'),
      fc.integer(),
      { maxKeys: 3 },
    )
    .map((context): HumanDecision => ({ type: 'resume', context })),
  fc.jsonValue({ maxDepth: 2 }).map((result): HumanDecision => ({ type: 'skip', result })),
);

const escalationsArb = fc.array(
  fc.record({
    deadlineMs: fc.integer({ min: 0, max: 1_000 }),
    defaultDecision: fc.constantFrom(...HUMAN_DECISIONS),
  }),
  { minLength: 1, maxLength: 4 },
);

type Action =
  | { readonly kind: 'advance'; readonly ms: number }
  | { readonly kind: 'resolve'; readonly which: number; readonly decision: HumanDecision };

const actionsArb: fc.Arbitrary<Action[]> = fc.array(
  fc.oneof(
    fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 400 }) }),
    fc.record({
      kind: fc.constant('resolve' as const),
      which: fc.nat({ max: 3 }),
      decision: decisionArb,
    }),
  ),
  { maxLength: 25 },
);

/** Opens the escalations at the same instant and counts `apply` calls per id. */
async function openAll(specs: readonly { deadlineMs: number; defaultDecision: string }[]) {
  const clock = new TestClock();
  const service = new EscalationService(createMemoryEscalationStore(), {
    clock,
    newId: sequentialIds(),
  });
  const applied = new Map<string, { record: ResolvedEscalation; decision: HumanDecision }[]>();
  const records = [];
  for (const spec of specs) {
    const record = await service.open(
      input(spec.deadlineMs, {
        defaultDecision: spec.defaultDecision as (typeof HUMAN_DECISIONS)[number],
      }),
      (r, decision) => {
        applied.set(r.id, [...(applied.get(r.id) ?? []), { record: r, decision }]);
      },
    );
    records.push(record);
  }
  return { clock, service, applied, records };
}

const defaultOf = (type: (typeof HUMAN_DECISIONS)[number]): HumanDecision =>
  type === 'skip' ? { type: 'skip', result: undefined } : { type };

describe('EscalationService (properties)', () => {
  it.prop([escalationsArb, actionsArb])(
    'applies each escalation exactly once: the human decision before dueAt, else the default',
    async (specs, actions) => {
      const { clock, service, applied, records } = await openAll(specs);
      const start = clock.now();
      // Model: what each escalation should end with.
      const expected = new Map<string, { by: 'human' | 'deadline'; decision: HumanDecision }>();
      const expire = () => {
        for (const r of records) {
          if (!expected.has(r.id) && clock.now() >= r.dueAt) {
            expected.set(r.id, { by: 'deadline', decision: defaultOf(r.defaultDecision) });
          }
        }
      };

      expire(); // a deadline of 0 is due at once
      for (const action of actions) {
        if (action.kind === 'advance') {
          await clock.advance(action.ms);
          expire();
          continue;
        }
        const target = records[action.which % records.length]!;
        const outcome = await service.resolve(target.id, action.decision).then(
          () => 'ok',
          (e: unknown) => (isRuntimeError(e, 'ERR_ESCALATION_CLOSED') ? 'closed' : e),
        );
        if (expected.has(target.id)) {
          expect(outcome).toBe('closed');
        } else {
          expect(outcome).toBe('ok');
          expected.set(target.id, { by: 'human', decision: action.decision });
        }
      }
      await clock.advance(2_000);
      expire();

      expect(clock.now() - start).toBeGreaterThanOrEqual(2_000);
      expect(service.openCount()).toBe(0);
      expect(clock.pendingTimers).toBe(0);
      for (const r of records) {
        const calls = applied.get(r.id) ?? [];
        expect(calls).toHaveLength(1);
        const [{ record, decision }] = calls as [(typeof calls)[number]];
        const want = expected.get(r.id)!;
        expect(decision).toEqual(want.decision);
        expect(record.resolution.decidedBy).toBe(want.by);
        if (want.by === 'human') expect(record.resolution.decidedAt).toBeLessThan(r.dueAt);
        else expect(record.resolution.decidedAt).toBe(r.dueAt);
        expect(await service.get(r.id)).toEqual(record);
      }
    },
  );

  it.prop([escalationsArb, actionsArb])(
    'keeps exactly one winner when decisions race the clock',
    async (specs, actions) => {
      const { clock, service, applied, records } = await openAll(specs);
      // Decisions are started but not awaited, so they interleave with timers firing.
      const attempts: { id: string; decision: HumanDecision; outcome: Promise<boolean> }[] = [];
      for (const action of actions) {
        if (action.kind === 'advance') {
          await clock.advance(action.ms);
          continue;
        }
        const target = records[action.which % records.length]!;
        attempts.push({
          id: target.id,
          decision: action.decision,
          outcome: service.resolve(target.id, action.decision).then(
            () => true,
            (e: unknown) => {
              if (isRuntimeError(e, 'ERR_ESCALATION_CLOSED')) return false;
              throw e;
            },
          ),
        });
      }
      await clock.advance(2_000);
      const outcomes = await Promise.all(attempts.map((a) => a.outcome));

      for (const r of records) {
        const calls = applied.get(r.id) ?? [];
        expect(calls).toHaveLength(1);
        const [{ record, decision }] = calls as [(typeof calls)[number]];
        const winners = attempts.filter((a, i) => a.id === r.id && outcomes[i] === true);
        if (record.resolution.decidedBy === 'human') {
          expect(winners).toHaveLength(1);
          expect(decision).toEqual(winners[0]?.decision);
          expect(record.resolution.decidedAt).toBeLessThan(r.dueAt);
        } else {
          expect(winners).toHaveLength(0);
          expect(decision).toEqual(defaultOf(r.defaultDecision));
          expect(record.resolution.decidedAt).toBeGreaterThanOrEqual(r.dueAt);
        }
      }
    },
  );
});
