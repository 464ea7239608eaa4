import { describe, expect, it } from 'vitest';
import { isRuntimeError } from 'agentvisor';
import type {
  Escalation,
  EscalationResolution,
  EscalationStore,
  OpenEscalation,
} from '../../../supervisors/escalation/index.js';
import { facts } from './fixtures.js';

/** One store under test, made fresh per test. */
export interface StoreUnderTest {
  readonly store: EscalationStore;
  /** Writes a record the store cannot read back (bad bytes or a bad field) under `id`. */
  corrupt(id: string): Promise<void>;
  /** A new store instance over the same data (a new process, a new connection); durable only. */
  reopen?(): Promise<EscalationStore>;
}

export function openRecord(id: string, raisedAt: number, supervisor = 'root'): OpenEscalation {
  return { v: 1, id, status: 'open', ...facts({ supervisor }), raisedAt, dueAt: raisedAt + 60_000 };
}

export const decided: EscalationResolution = {
  decision: { type: 'retry' },
  decidedBy: 'human',
  by: 'alice',
  note: 'key rotated',
  decidedAt: 1_700_000_001_000,
};

async function failure(
  promise: Promise<unknown>,
): Promise<{ code: string; message: string; details: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (isRuntimeError(error))
      return { code: error.code, message: error.message, details: error.details };
    throw error;
  }
  throw new Error('expected a rejection');
}

/**
 * The contract every {@link EscalationStore} keeps (memory, file, JetStream): one suite, so the
 * durable stores are held to what the memory store's tests pinned.
 */
export function describeEscalationStore(name: string, make: () => Promise<StoreUnderTest>): void {
  describe(`${name} escalation store (conformance)`, () => {
    it('returns what was put; an unknown id is undefined', async () => {
      const { store } = await make();
      await store.put(openRecord('e1', 1_000));
      expect(await store.get('e1')).toEqual(openRecord('e1', 1_000));
      expect(await store.get('nope')).toBeUndefined();
    });

    it('hands out copies: mutating a put or returned record leaves the store unchanged', async () => {
      const { store } = await make();
      const record = structuredClone(openRecord('e1', 1_000)) as { supervisor: string };
      await store.put(record as unknown as Escalation);
      record.supervisor = 'changed after put';
      const got = (await store.get('e1')) as unknown as {
        supervisor: string;
        child: { spec: Record<string, unknown> };
      };
      got.supervisor = 'changed after get';
      got.child.spec['restart'] = 'temporary';
      const [listed] = (await store.list()) as unknown as [{ lastMessages: unknown[] }];
      listed.lastMessages.length = 0;
      const resolved = (await store.resolve('e1', decided)) as { resolution: { by?: string } };
      resolved.resolution.by = 'mallory';
      const again = await store.get('e1');
      expect(again?.supervisor).toBe('root');
      expect(again?.child.spec).toMatchObject({ restart: 'permanent' });
      expect(again?.lastMessages).toHaveLength(2);
      expect(again?.resolution?.by).toBe('alice');
    });

    it('lists oldest first, filtered by status and supervisor', async () => {
      const { store } = await make();
      await store.put(openRecord('late', 3_000));
      await store.put(openRecord('early', 1_000, 'billing'));
      await store.put(openRecord('middle', 2_000));
      await store.resolve('middle', decided);
      const ids = (list: Escalation[]) => list.map((r) => r.id);
      expect(ids(await store.list())).toEqual(['early', 'middle', 'late']);
      expect(ids(await store.list({ status: 'open' }))).toEqual(['early', 'late']);
      expect(ids(await store.list({ status: 'resolved' }))).toEqual(['middle']);
      expect(ids(await store.list({ supervisor: 'billing' }))).toEqual(['early']);
      expect(ids(await store.list({ status: 'resolved', supervisor: 'billing' }))).toEqual([]);
    });

    it('of N concurrent resolvers exactly one wins; the others get ERR_ESCALATION_CLOSED naming it', async () => {
      const { store } = await make();
      await store.put(openRecord('e1', 1_000));
      const racers = ['ann', 'bob', 'cy', 'dee', 'eve', 'fay'];
      const outcomes = await Promise.allSettled(
        racers.map((by, i) =>
          store.resolve('e1', { ...decided, by, decidedAt: decided.decidedAt + i }),
        ),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      expect(won).toHaveLength(1);
      const winner = await store.get('e1');
      expect(winner?.status).toBe('resolved');
      const by = winner?.resolution?.by ?? '';
      expect(won[0]).toMatchObject({ value: { resolution: { by } } });
      for (const lost of outcomes.filter((o) => o.status === 'rejected')) {
        const reason = lost.reason as unknown;
        expect(isRuntimeError(reason, 'ERR_ESCALATION_CLOSED')).toBe(true);
        const error = reason as { message: string; details?: Record<string, unknown> };
        expect(error.details).toMatchObject({
          id: 'e1',
          by,
          decision: 'retry',
          decidedBy: 'human',
          decidedAt: winner?.resolution?.decidedAt,
        });
        expect(error.message).toContain(JSON.stringify(by));
        expect(error.message).toContain('retry');
      }
    });

    it('a resolve after the close fails with ERR_ESCALATION_CLOSED, the record unchanged', async () => {
      const { store } = await make();
      await store.put(openRecord('e1', 1_000));
      await store.resolve('e1', decided);
      expect(await failure(store.resolve('e1', { ...decided, by: 'bob' }))).toMatchObject({
        code: 'ERR_ESCALATION_CLOSED',
        details: { id: 'e1', by: 'alice' },
      });
      expect((await store.get('e1'))?.resolution).toEqual(decided);
    });

    it('fails with ERR_ESCALATION_NOT_FOUND for an unknown id', async () => {
      const { store } = await make();
      expect(await failure(store.resolve('ghost', decided))).toMatchObject({
        code: 'ERR_ESCALATION_NOT_FOUND',
        details: { id: 'ghost' },
      });
    });

    it('reports a corrupt record with ERR_INVALID_MESSAGE naming its id', async () => {
      const subject = await make();
      const { store } = subject;
      await store.put(openRecord('good', 1_000));
      await subject.corrupt('bad');
      const corrupt = { code: 'ERR_INVALID_MESSAGE', details: { id: 'bad' } };
      expect(await failure(store.get('bad'))).toMatchObject(corrupt);
      expect((await failure(store.get('bad'))).message).toContain('"bad"');
      expect(await failure(store.list())).toMatchObject(corrupt);
      expect(await failure(store.resolve('bad', decided))).toMatchObject(corrupt);
      expect(await store.get('good')).toBeDefined();
    });

    it('marks a decision applied beside the record, which stays as resolved', async () => {
      const { store } = await make();
      await store.put(openRecord('e1', 1_000));
      const resolved = await store.resolve('e1', decided);
      if (store.markApplied === undefined || store.appliedAt === undefined) return;
      expect(await store.appliedAt('e1')).toBeUndefined();
      await store.markApplied('e1', 1_700_000_002_000);
      expect(await store.appliedAt('e1')).toBe(1_700_000_002_000);
      expect(await store.get('e1')).toEqual(resolved);
      expect((await store.list()).map((r) => r.id)).toEqual(['e1']);
    });

    it('tells watchers of a resolution (when it can watch)', async () => {
      const { store } = await make();
      if (store.watchResolved === undefined) return;
      const seen: string[] = [];
      const gotIt = new Promise<void>((resolve) => {
        store.watchResolved?.((record) => {
          seen.push(`${record.id}:${record.resolution.by ?? ''}`);
          resolve();
        });
      });
      // A watch may need a round trip to be in place before the write it must see.
      await store.list();
      await store.put(openRecord('w1', 1_000));
      await store.resolve('w1', decided);
      await gotIt;
      expect(seen).toEqual(['w1:alice']);
    });

    it('survives a reopen (a new instance reads, lists and refuses a second resolve)', async () => {
      const subject = await make();
      if (subject.reopen === undefined) return;
      await subject.store.put(openRecord('e1', 1_000));
      await subject.store.put(openRecord('e2', 2_000));
      await subject.store.resolve('e1', decided);
      const again = await subject.reopen();
      expect((await again.list()).map((r) => [r.id, r.status])).toEqual([
        ['e1', 'resolved'],
        ['e2', 'open'],
      ]);
      expect(await failure(again.resolve('e1', decided))).toMatchObject({
        code: 'ERR_ESCALATION_CLOSED',
      });
      expect(await again.resolve('e2', decided)).toMatchObject({ status: 'resolved' });
    });
  });
}
