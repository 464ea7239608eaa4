import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { createBulkhead, ErrorCode, isRuntimeError } from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { drive, wait } from './drive.js';

describe('Bulkhead', () => {
  it.prop([
    fc.integer({ min: 1, max: 5 }),
    fc.integer({ min: 0, max: 5 }),
    fc.array(fc.record({ startMs: fc.nat(200), durationMs: fc.integer({ min: 1, max: 300 }) }), {
      minLength: 1,
      maxLength: 30,
    }),
  ])(
    'never runs more than maxConcurrent calls nor queues more than maxQueue',
    async (maxConcurrent, maxQueue, calls) => {
      const clock = new TestClock();
      const bulkhead = createBulkhead({ maxConcurrent, maxQueue });
      let running = 0;
      let peak = 0;
      let refused = 0;
      let done = 0;
      const all = calls.map(async ({ startMs, durationMs }) => {
        await wait(clock, startMs);
        try {
          await bulkhead.execute(async () => {
            running++;
            peak = Math.max(peak, running);
            expect(bulkhead.queued).toBeLessThanOrEqual(maxQueue);
            await wait(clock, durationMs);
            running--;
          });
          done++;
        } catch (err) {
          expect(isRuntimeError(err, ErrorCode.BulkheadFull)).toBe(true);
          expect(bulkhead.active).toBe(maxConcurrent);
          expect(bulkhead.queued).toBe(maxQueue);
          refused++;
        }
      });
      await drive(clock, Promise.all(all));
      expect(peak).toBeLessThanOrEqual(maxConcurrent);
      expect(done + refused).toBe(calls.length);
      expect(bulkhead.active).toBe(0);
      expect(bulkhead.queued).toBe(0);
    },
  );

  it('refuses beyond slots and queue with ERR_BULKHEAD_FULL', async () => {
    const clock = new TestClock();
    const bulkhead = createBulkhead({ name: 'ollama', maxConcurrent: 1, maxQueue: 1 });
    let rejected = 0;
    bulkhead.onReject(() => rejected++);
    const first = bulkhead.execute(() => wait(clock, 100));
    const second = bulkhead.execute(() => wait(clock, 100));
    const third = bulkhead.execute(() => wait(clock, 100));
    await expect(third).rejects.toSatisfy((err) => isRuntimeError(err, ErrorCode.BulkheadFull));
    await expect(third).rejects.toMatchObject({
      details: { bulkhead: 'ollama', maxConcurrent: 1, maxQueue: 1 },
    });
    expect(rejected).toBe(1);
    expect([bulkhead.active, bulkhead.queued]).toEqual([1, 1]);
    await drive(clock, Promise.all([first, second]));
  });

  it('lets a queued call leave at once when its signal aborts', async () => {
    const clock = new TestClock();
    const bulkhead = createBulkhead({ maxConcurrent: 1, maxQueue: 1 });
    const first = bulkhead.execute(() => wait(clock, 100));
    const controller = new AbortController();
    let ran = false;
    const queued = bulkhead.execute(
      () => {
        ran = true;
        return Promise.resolve();
      },
      { signal: controller.signal },
    );
    const reason = new Error('gave up');
    controller.abort(reason);
    await expect(queued).rejects.toBe(reason);
    await drive(clock, first);
    expect(ran).toBe(false);
    expect([bulkhead.active, bulkhead.queued]).toEqual([0, 0]);
  });

  it('refuses options out of range', () => {
    expect(() => createBulkhead({ maxConcurrent: 0 })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidOptions }) as Error,
    );
  });
});
