import { describe, expect, it } from 'vitest';
import { isRuntimeError } from 'agentvisor';
import {
  createMemoryEscalationStore,
  type Escalation,
  type EscalationResolution,
  type OpenEscalation,
} from '../../../supervisors/escalation/index.js';
import { facts } from './fixtures.js';

function open(id: string, raisedAt: number, supervisor = 'root'): OpenEscalation {
  return { v: 1, id, status: 'open', ...facts({ supervisor }), raisedAt, dueAt: raisedAt + 60_000 };
}

const decided: EscalationResolution = {
  decision: { type: 'retry' },
  decidedBy: 'human',
  by: 'alice',
  decidedAt: 1_700_000_001_000,
};

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return isRuntimeError(error) ? { code: error.code, details: error.details } : error;
  }
  throw new Error('expected a rejection');
}

describe('createMemoryEscalationStore', () => {
  it('returns what was put', async () => {
    const store = createMemoryEscalationStore();
    await store.put(open('e1', 1_000));
    expect(await store.get('e1')).toEqual(open('e1', 1_000));
    expect(await store.get('nope')).toBeUndefined();
  });

  it('hands out copies: mutating a put or returned record leaves the store unchanged', async () => {
    const store = createMemoryEscalationStore();
    const record = open('e1', 1_000) as {
      -readonly [K in keyof OpenEscalation]: OpenEscalation[K];
    };
    await store.put(record);
    record.supervisor = 'changed after put';

    const got = (await store.get('e1')) as { supervisor: string; child: { spec: unknown } };
    got.supervisor = 'changed after get';
    (got.child.spec as Record<string, unknown>)['restart'] = 'temporary';
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
    const store = createMemoryEscalationStore();
    await store.put(open('late', 3_000));
    await store.put(open('early', 1_000, 'billing'));
    await store.put(open('middle', 2_000));
    await store.put(open('tie', 2_000));
    await store.resolve('middle', decided);

    const ids = (list: Escalation[]) => list.map((r) => r.id);
    expect(ids(await store.list())).toEqual(['early', 'middle', 'tie', 'late']);
    expect(ids(await store.list({ status: 'open' }))).toEqual(['early', 'tie', 'late']);
    expect(ids(await store.list({ status: 'resolved' }))).toEqual(['middle']);
    expect(ids(await store.list({ supervisor: 'billing' }))).toEqual(['early']);
    expect(ids(await store.list({ status: 'resolved', supervisor: 'billing' }))).toEqual([]);
  });

  it('resolves an open record once (compare-and-set)', async () => {
    const store = createMemoryEscalationStore();
    await store.put(open('e1', 1_000));
    const [first, second] = await Promise.allSettled([
      store.resolve('e1', decided),
      store.resolve('e1', { ...decided, decidedBy: 'deadline' }),
    ]);
    expect(first).toMatchObject({ status: 'fulfilled', value: { status: 'resolved' } });
    expect(second).toMatchObject({ status: 'rejected' });
    expect(isRuntimeError((second as PromiseRejectedResult).reason, 'ERR_ESCALATION_CLOSED')).toBe(
      true,
    );
    expect((await store.get('e1'))?.resolution).toEqual(decided);
  });

  it('fails with ERR_ESCALATION_NOT_FOUND for an unknown id', async () => {
    const store = createMemoryEscalationStore();
    expect(await codeOf(store.resolve('ghost', decided))).toMatchObject({
      code: 'ERR_ESCALATION_NOT_FOUND',
      details: { id: 'ghost' },
    });
  });

  it('reports a corrupt record with ERR_INVALID_MESSAGE naming its id', async () => {
    const store = createMemoryEscalationStore();
    await store.put(open('good', 1_000));
    await store.put({ ...open('bad', 2_000), failureClass: 'gremlins' } as unknown as Escalation);
    const corrupt = { code: 'ERR_INVALID_MESSAGE', details: { id: 'bad' } };
    expect(await codeOf(store.get('bad'))).toMatchObject(corrupt);
    expect(await codeOf(store.list())).toMatchObject(corrupt);
    expect(await codeOf(store.resolve('bad', decided))).toMatchObject(corrupt);
    expect(await store.get('good')).toBeDefined();
    expect(await codeOf(store.list({ supervisor: 'nobody' }))).toMatchObject(corrupt);
  });
});
