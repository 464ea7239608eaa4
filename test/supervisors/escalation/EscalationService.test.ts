import { describe, expect, it, vi } from 'vitest';
import { isRuntimeError, type Clock } from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import {
  EscalationSchema,
  EscalationService,
  createMemoryEscalationStore,
  type HumanDecision,
  type ResolvedEscalation,
} from '../../../supervisors/escalation/index.js';
import { input, sequentialIds } from './fixtures.js';

const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

/** A service on a TestClock, recording every `apply` call. */
function setup(clock: Clock = new TestClock()) {
  const store = createMemoryEscalationStore();
  const service = new EscalationService(store, { clock, newId: sequentialIds() });
  const applied: { record: ResolvedEscalation; decision: HumanDecision }[] = [];
  const apply = vi.fn((record: ResolvedEscalation, decision: HumanDecision) => {
    applied.push({ record, decision });
  });
  return { store, service, applied, apply };
}

/** The code and details of a rejection. */
async function failure(promise: Promise<unknown>): Promise<{ code: string; details: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (isRuntimeError(error)) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('EscalationService', () => {
  describe('open', () => {
    it('stores a complete record that survives JSON and the schema', async () => {
      const clock = new TestClock();
      const { service, store, apply } = setup(clock);
      const spec = {
        id: 'greeter',
        agent: { name: 'greeter', createLogic: () => null },
        start() {},
      };
      const record = await service.open(
        input(60_000, { child: { id: 'greeter', name: 'greeter-1', incarnation: 3, spec } }),
        apply,
      );

      expect(Object.keys(record).sort()).toEqual(
        [
          'v',
          'id',
          'status',
          'supervisor',
          'child',
          'failureClass',
          'errorChain',
          'restartHistory',
          'lastCheckpoint',
          'lastMessages',
          'failedMessage',
          'raisedAt',
          'dueAt',
          'defaultDecision',
        ].sort(),
      );
      expect(record).toMatchObject({
        v: 1,
        id: 'e1',
        status: 'open',
        raisedAt: clock.now(),
        dueAt: clock.now() + 60_000,
        child: { spec: { id: 'greeter', agent: '[agent greeter]', start: '[function start]' } },
      });
      expect(EscalationSchema.parse(viaJson(record))).toEqual(record);
      expect(await store.get('e1')).toEqual(record);
      expect(service.openCount()).toBe(1);
      expect(clock.pendingTimers).toBe(1);
    });

    it('arms no timer for an infinite deadline', async () => {
      const clock = new TestClock();
      const { service, apply } = setup(clock);
      const record = await service.open(input(Infinity), apply);
      expect(record.dueAt).toBe(Infinity);
      expect(clock.pendingTimers).toBe(0);
      await clock.advance(365 * 86_400_000);
      expect(apply).not.toHaveBeenCalled();
      expect(EscalationSchema.parse(viaJson(record)).dueAt).toBe(Infinity);
      await service.resolve(record.id, { type: 'stop' });
      expect(apply).toHaveBeenCalledOnce();
    });

    it.each([-1, Number.NaN])('refuses a deadline of %s with ERR_INVALID_OPTIONS', async (ms) => {
      const { service, apply } = setup();
      expect(await failure(service.open(input(ms), apply))).toMatchObject({
        code: 'ERR_INVALID_OPTIONS',
      });
    });
  });

  describe('resolve', () => {
    it.each<[string, HumanDecision]>([
      ['retry', { type: 'retry' }],
      ['resume', { type: 'resume' }],
      ['resume with a context', { type: 'resume', context: { apiKey: 'new', retries: 0 } }],
      ['skip with a result', { type: 'skip', result: { greeting: 'hello, bob' } }],
      ['skip with null', { type: 'skip', result: null }],
      ['restart-fresh', { type: 'restart-fresh' }],
      ['stop', { type: 'stop' }],
    ])('passes %s through to apply with its payload', async (_name, decision) => {
      const clock = new TestClock();
      const { service, apply, applied } = setup(clock);
      const { id } = await service.open(input(), apply);
      await clock.advance(1_000);
      const record = await service.resolve(id, decision, { by: 'alice', note: 'checked' });

      expect(apply).toHaveBeenCalledOnce();
      expect(applied[0]?.decision).toEqual(decision);
      expect(applied[0]?.record).toEqual(record);
      expect(record.resolution).toEqual({
        decision,
        decidedBy: 'human',
        by: 'alice',
        note: 'checked',
        decidedAt: clock.now(),
      });
      expect(EscalationSchema.parse(viaJson(record))).toEqual(record);
    });

    it('refuses an invalid decision with ERR_INVALID_DECISION and leaves it open', async () => {
      const clock = new TestClock();
      const { service, store, apply } = setup(clock);
      const { id } = await service.open(input(), apply);
      for (const bad of [{ type: 'explode' }, { type: 'skip' }, 'retry', { type: 'stop', x: 1 }]) {
        const error = await failure(service.resolve(id, bad));
        expect(error).toMatchObject({ code: 'ERR_INVALID_DECISION', details: { id } });
        expect((error.details as { issues: unknown[] }).issues.length).toBeGreaterThan(0);
      }
      expect(apply).not.toHaveBeenCalled();
      expect((await store.get(id))?.status).toBe('open');
      expect(clock.pendingTimers).toBe(1);
    });

    it('refuses a second decision with ERR_ESCALATION_CLOSED', async () => {
      const { service, apply } = setup();
      const { id } = await service.open(input(), apply);
      await service.resolve(id, { type: 'retry' });
      expect(await failure(service.resolve(id, { type: 'stop' }))).toMatchObject({
        code: 'ERR_ESCALATION_CLOSED',
        details: { id, decidedBy: 'human', decision: 'retry' },
      });
      expect(apply).toHaveBeenCalledOnce();
    });

    it('refuses an unknown id with ERR_ESCALATION_NOT_FOUND', async () => {
      const { service } = setup();
      expect(await failure(service.resolve('ghost', { type: 'retry' }))).toMatchObject({
        code: 'ERR_ESCALATION_NOT_FOUND',
        details: { id: 'ghost' },
      });
    });

    it('cancels the deadline timer', async () => {
      const clock = new TestClock();
      const { service, apply } = setup(clock);
      const { id } = await service.open(input(60_000), apply);
      await service.resolve(id, { type: 'retry' });
      expect(clock.pendingTimers).toBe(0);
      expect(service.openCount()).toBe(0);
      await clock.advance(120_000);
      expect(apply).toHaveBeenCalledOnce();
      expect(apply.mock.calls[0]?.[1]).toEqual({ type: 'retry' });
    });

    it('waits for an async apply', async () => {
      const { service } = setup();
      let release = (): void => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const { id } = await service.open(input(), () => gate);
      let done = false;
      const resolving = service.resolve(id, { type: 'retry' }).then(() => (done = true));
      await Promise.resolve();
      await Promise.resolve();
      expect(done).toBe(false);
      release();
      await resolving;
      expect(done).toBe(true);
    });

    it('records a decision on an escalation it did not open, without applying anything', async () => {
      const clock = new TestClock();
      const { service, store } = setup(clock);
      const elsewhere = setup(clock);
      const opened = await elsewhere.service.open(input(), elsewhere.apply);
      await store.put(opened);
      const resolved: unknown[] = [];
      service.onResolved((r) => resolved.push(r.id));
      const record = await service.resolve(opened.id, { type: 'stop' });
      expect(record.status).toBe('resolved');
      expect(resolved).toEqual([opened.id]);
      expect(elsewhere.apply).not.toHaveBeenCalled();
    });
  });

  describe('deadline', () => {
    it('applies the default exactly at dueAt, recorded as decided by the deadline', async () => {
      const clock = new TestClock();
      const { service, store, apply } = setup(clock);
      const opened = await service.open(input(60_000, { defaultDecision: 'restart-fresh' }), apply);

      await clock.advance(59_999);
      expect(apply).not.toHaveBeenCalled();
      expect((await store.get(opened.id))?.status).toBe('open');

      await clock.advance(1);
      expect(apply).toHaveBeenCalledOnce();
      expect(apply.mock.calls[0]?.[1]).toEqual({ type: 'restart-fresh' });
      const record = await store.get(opened.id);
      expect(record?.resolution).toEqual({
        decision: { type: 'restart-fresh' },
        decidedBy: 'deadline',
        decidedAt: opened.dueAt,
      });
      expect(clock.pendingTimers).toBe(0);
      expect(service.openCount()).toBe(0);
      expect(await failure(service.resolve(opened.id, { type: 'retry' }))).toMatchObject({
        code: 'ERR_ESCALATION_CLOSED',
        details: { decidedBy: 'deadline' },
      });
    });

    it('gives a default skip no result', async () => {
      const clock = new TestClock();
      const { service, store, apply } = setup(clock);
      const { id } = await service.open(input(10, { defaultDecision: 'skip' }), apply);
      await clock.advance(10);
      expect(apply.mock.calls[0]?.[1]).toEqual({ type: 'skip', result: undefined });
      const record = await store.get(id);
      expect(EscalationSchema.parse(viaJson(record)).resolution?.decision).toEqual({
        type: 'skip',
      });
    });

    it('waits out deadlines longer than a platform timer can', async () => {
      const clock = new TestClock();
      const { service, apply } = setup(clock);
      const days30 = 30 * 86_400_000;
      await service.open(input(days30), apply);
      await clock.advance(days30 - 1);
      expect(apply).not.toHaveBeenCalled();
      expect(clock.pendingTimers).toBe(1);
      await clock.advance(1);
      expect(apply).toHaveBeenCalledOnce();
    });

    it('refuses a decision made at dueAt even when the timer is late, and applies the default', async () => {
      const test = new TestClock();
      let skewMs = 0;
      // Wall time moves, timers do not fire: a busy event loop.
      const late: Clock = {
        now: () => test.now() + skewMs,
        monotonic: () => test.monotonic(),
        setTimeout: (fn, ms) => test.setTimeout(fn, ms),
        clearTimeout: (handle) => {
          test.clearTimeout(handle);
        },
      };
      const { service, apply } = setup(late);
      const opened = await service.open(input(60_000), apply);
      skewMs = 60_000;
      expect(await failure(service.resolve(opened.id, { type: 'retry' }))).toMatchObject({
        code: 'ERR_ESCALATION_CLOSED',
        details: { decidedBy: 'deadline' },
      });
      expect(apply).toHaveBeenCalledOnce();
      expect(apply.mock.calls[0]?.[1]).toEqual({ type: 'stop' });
      expect(test.pendingTimers).toBe(0);
    });
  });

  describe('events', () => {
    it('emits opened, then resolved before apply runs', async () => {
      const clock = new TestClock();
      const { service } = setup(clock);
      const seen: string[] = [];
      service.onOpened((r) => seen.push(`opened ${r.id} ${r.status}`));
      service.onResolved((r) => seen.push(`resolved ${r.id} ${r.resolution.decidedBy}`));
      const apply = () => {
        seen.push('apply');
      };
      const first = await service.open(input(), apply);
      const second = await service.open(input(100), apply);
      await service.resolve(first.id, { type: 'retry' });
      await clock.advance(100);
      expect(seen).toEqual([
        `opened ${first.id} open`,
        `opened ${second.id} open`,
        `resolved ${first.id} human`,
        'apply',
        `resolved ${second.id} deadline`,
        'apply',
      ]);
    });

    it('survives listeners that throw, and stops calling disposed ones', async () => {
      const { service, apply } = setup();
      const calls: string[] = [];
      service.onOpened(() => {
        throw new Error('dashboard down');
      });
      const sub = service.onResolved(() => calls.push('resolved'));
      service.onResolved(() => {
        throw new Error('logger down');
      });
      const { id } = await service.open(input(), apply);
      await service.resolve(id, { type: 'stop' });
      sub.dispose();
      const again = await service.open(input(), apply);
      await service.resolve(again.id, { type: 'stop' });
      expect(calls).toEqual(['resolved']);
      expect(apply).toHaveBeenCalledTimes(2);
    });

    it('emits apply-failed and rethrows when apply throws; the record stays resolved', async () => {
      const { service, store } = setup();
      const boom = new Error('restore failed');
      const failed: unknown[] = [];
      service.onApplyFailed((record, error) => failed.push([record.id, error]));
      const { id } = await service.open(input(), () => {
        throw boom;
      });
      await expect(service.resolve(id, { type: 'retry' })).rejects.toBe(boom);
      expect(failed).toEqual([[id, boom]]);
      expect((await store.get(id))?.status).toBe('resolved');
      expect(service.openCount()).toBe(0);
      expect(await failure(service.resolve(id, { type: 'retry' }))).toMatchObject({
        code: 'ERR_ESCALATION_CLOSED',
      });
    });

    it('emits apply-failed when the default fails to apply, with no unhandled rejection', async () => {
      const clock = new TestClock();
      const { service } = setup(clock);
      const failed: string[] = [];
      service.onApplyFailed((record) => failed.push(record.id));
      const { id } = await service.open(input(10), () => Promise.reject(new Error('no')));
      await clock.advance(10);
      expect(failed).toEqual([id]);
    });
  });

  describe('lifecycle', () => {
    it('lists and gets through the store', async () => {
      const clock = new TestClock();
      const { service, apply } = setup(clock);
      const a = await service.open(input(), apply);
      await clock.advance(5);
      const b = await service.open(input(60_000, { supervisor: 'billing' }), apply);
      await service.resolve(a.id, { type: 'stop' });
      expect((await service.list()).map((r) => r.id)).toEqual([a.id, b.id]);
      expect((await service.list({ status: 'open' })).map((r) => r.id)).toEqual([b.id]);
      expect((await service.list({ supervisor: 'billing' })).map((r) => r.id)).toEqual([b.id]);
      expect(await service.get(b.id)).toEqual(b);
      expect(service.openCount()).toBe(1);
    });

    it('dispose cancels every timer and refuses further work with ERR_CLOSED', async () => {
      const clock = new TestClock();
      const { service, apply } = setup(clock);
      const { id } = await service.open(input(10), apply);
      await service.open(input(20), apply);
      expect(clock.pendingTimers).toBe(2);
      service[Symbol.dispose]();
      expect(clock.pendingTimers).toBe(0);
      expect(service.openCount()).toBe(0);
      await clock.advance(100);
      expect(apply).not.toHaveBeenCalled();
      expect(await failure(service.open(input(), apply))).toMatchObject({ code: 'ERR_CLOSED' });
      expect(await failure(service.resolve(id, { type: 'stop' }))).toMatchObject({
        code: 'ERR_CLOSED',
      });
    });
  });
});

describe('EscalationService.rebind', () => {
  it('binds an escalation opened by an earlier service on the same store: a decision applies here', async () => {
    const clock = new TestClock();
    const first = setup(clock);
    const record = await first.service.open(input(60_000), first.apply);
    first.service.dispose();
    // A new process: a new service on the store that kept the record.
    const later = new EscalationService(first.store, { clock });
    const apply = vi.fn();
    await expect(later.rebind(record.id, apply)).resolves.toMatchObject({
      id: record.id,
      status: 'open',
    });
    await later.resolve(record.id, { type: 'retry' });
    expect(apply).toHaveBeenCalledTimes(1);
    expect(first.apply).not.toHaveBeenCalled();
  });

  it('re-arms the deadline, and one that passed meanwhile applies the default at once', async () => {
    const clock = new TestClock();
    const first = setup(clock);
    const record = await first.service.open(input(1_000), first.apply);
    first.service.dispose();
    await clock.advance(5_000);
    const later = new EscalationService(first.store, { clock });
    const apply = vi.fn();
    await later.rebind(record.id, apply);
    await clock.advance(0);
    expect(apply).toHaveBeenCalledWith(expect.objectContaining({ status: 'resolved' }), {
      type: 'stop',
    });
  });

  it('returns undefined for an unknown or resolved escalation', async () => {
    const { service, apply } = setup();
    await expect(service.rebind('nope', apply)).resolves.toBeUndefined();
    const record = await service.open(input(60_000), apply);
    await service.resolve(record.id, { type: 'stop' });
    await expect(service.rebind(record.id, vi.fn())).resolves.toBeUndefined();
  });
});
