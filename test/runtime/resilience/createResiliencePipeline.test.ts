import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  createCircuitBreaker,
  createResiliencePipeline,
  Deadline,
  ErrorCode,
  isRuntimeError,
  type RetryEvent,
  type RuntimeError,
} from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { drive, failure, wait } from './drive.js';

/** A call that never settles unless its signal aborts. */
const hang = ({ signal }: { signal: AbortSignal }): Promise<never> =>
  new Promise((_, reject) => {
    signal.addEventListener('abort', () => {
      reject(signal.reason as Error);
    });
  });

describe('ResiliencePipeline', () => {
  it('times each attempt out with ERR_TIMEOUT (level call) and retries it', async () => {
    const clock = new TestClock();
    const pipeline = createResiliencePipeline(
      {
        timeoutMs: 1_000,
        retry: { maxAttempts: 3, initialDelayMs: 100, jitter: 'none' },
        breaker: false,
      },
      { clock },
    );
    const starts: number[] = [];
    const outcome = await drive(
      clock,
      pipeline.execute((ctx) => {
        starts.push(clock.monotonic());
        return hang(ctx);
      }),
    );
    expect(starts).toEqual([0, 1_100, 2_300]);
    const error = (outcome as { error: RuntimeError }).error;
    expect(isRuntimeError(error, ErrorCode.Timeout)).toBe(true);
    expect(error.details).toMatchObject({ level: 'call', timeoutMs: 1_000 });
  });

  it('stops retrying as soon as the breaker opens (the breaker sees every attempt)', async () => {
    const clock = new TestClock();
    const pipeline = createResiliencePipeline(
      {
        name: 'gpt',
        retry: { maxAttempts: 10, initialDelayMs: 10, jitter: 'none' },
        breaker: { strategy: { type: 'consecutive', threshold: 3 } },
      },
      { clock },
    );
    let calls = 0;
    const outcome = await drive(
      clock,
      pipeline.execute(() => {
        calls++;
        return Promise.reject(failure('transient'));
      }),
    );
    expect(calls).toBe(3);
    const error = (outcome as { error: RuntimeError }).error;
    expect(isRuntimeError(error, ErrorCode.CircuitOpen)).toBe(true);
    expect(error.details).toMatchObject({ breaker: 'gpt', state: 'open' });
    expect(pipeline.breaker?.name).toBe('gpt');
  });

  it('counts attempt timeouts against the breaker but not the step running out', async () => {
    const clock = new TestClock();
    const breaker = createCircuitBreaker(
      { strategy: { type: 'consecutive', threshold: 1 } },
      { clock },
    );
    const pipeline = createResiliencePipeline({ retry: false, breaker, timeoutMs: 500 }, { clock });
    // The step ends before the attempt's own timeout: the endpoint is not to blame.
    const step = Deadline.after(100, { clock }, { level: 'step' });
    const first = await drive(clock, pipeline.execute(hang, { deadline: step }));
    expect((first as { error: RuntimeError }).error.details).toMatchObject({ level: 'step' });
    expect(breaker.state).toBe('closed');
    const second = await drive(clock, pipeline.execute(hang));
    expect((second as { error: RuntimeError }).error.details).toMatchObject({ level: 'call' });
    expect(breaker.state).toBe('open');
  });

  it('gives each attempt what is left of the step, at most timeoutMs', async () => {
    const clock = new TestClock();
    const pipeline = createResiliencePipeline(
      { timeoutMs: 1_000, retry: { initialDelayMs: 300, jitter: 'none' }, breaker: false },
      { clock },
    );
    const step = Deadline.after(1_500, { clock });
    const budgets: number[] = [];
    await drive(
      clock,
      pipeline.execute(
        async ({ deadline, signal }) => {
          budgets.push(deadline.remainingMs());
          await wait(clock, 100, signal);
          throw failure('transient');
        },
        { deadline: step },
      ),
    );
    // t=0: min(1000, 1500); t=400 (after 100 + 300): min(1000, 1100); t=1100 (after 100 + 600):
    // the 400 the step has left. At t=1200 the next wait (1200) would reach the deadline: stop.
    expect(budgets).toEqual([1_000, 1_000, 400]);
  });

  it.prop([
    fc.integer({ min: 1, max: 30_000 }),
    fc.integer({ min: 1, max: 10_000 }),
    fc.array(fc.oneof(fc.integer({ min: 0, max: 20_000 }), fc.constant(Infinity)), {
      minLength: 1,
      maxLength: 10,
    }),
    fc.boolean(),
  ])(
    'never settles after the step deadline, even when a call ignores its signal',
    async (stepMs, timeoutMs, durations, cooperative) => {
      const clock = new TestClock();
      const pipeline = createResiliencePipeline(
        { timeoutMs, retry: { maxAttempts: 6, initialDelayMs: 50 }, breaker: false },
        { clock, random: () => 0.5 },
      );
      const step = Deadline.after(stepMs, { clock });
      let calls = 0;
      const outcome = await drive(
        clock,
        pipeline.execute(
          async ({ signal }) => {
            const ms = durations[calls++ % durations.length]!;
            if (ms === Infinity) {
              if (cooperative) await hang({ signal });
              else await new Promise(() => undefined);
            }
            await wait(clock, ms, cooperative ? signal : undefined);
            throw failure('transient');
          },
          { deadline: step },
        ),
      ).catch(() => undefined);
      // A non-cooperative call leaves nothing for the clock to fire: the pipeline must have
      // settled through its own deadline timer by then.
      expect(outcome).toBeDefined();
      expect(clock.monotonic()).toBeLessThanOrEqual(stepMs);
      expect(calls).toBeLessThanOrEqual(6);
    },
  );

  it('holds a bulkhead slot only while a call runs, not across backoff waits', async () => {
    const clock = new TestClock();
    const pipeline = createResiliencePipeline(
      {
        bulkhead: { maxConcurrent: 1 },
        retry: { initialDelayMs: 1_000, jitter: 'none' },
        breaker: false,
      },
      { clock },
    );
    let failedOnce = false;
    const first = pipeline.execute(() => {
      if (failedOnce) return Promise.resolve('first');
      failedOnce = true;
      return Promise.reject(failure('transient'));
    });
    await clock.advance(10); // first is now in its backoff wait
    const second = await drive(
      clock,
      pipeline.execute(() => Promise.resolve('second')),
    );
    expect(second).toEqual({ ok: true, value: 'second' });
    expect(await drive(clock, first)).toEqual({ ok: true, value: 'first' });
  });

  it('reports retries and rejects with the caller reason on abort', async () => {
    const clock = new TestClock();
    const pipeline = createResiliencePipeline({ retry: { initialDelayMs: 100 } }, { clock });
    const events: RetryEvent[] = [];
    pipeline.onRetry((e) => events.push(e));
    const controller = new AbortController();
    const pending = pipeline.execute(() => Promise.reject(failure('transient')), {
      signal: controller.signal,
    });
    pending.catch(() => undefined);
    await clock.advance(1);
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(events).toHaveLength(1);
  });

  it('refuses options out of range with ERR_INVALID_OPTIONS', () => {
    for (const bad of [
      { timeoutMs: 0 },
      { retry: { maxAttempts: 0 } },
      { bulkhead: { maxQueue: -1 } },
    ]) {
      expect(() => createResiliencePipeline(bad)).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidOptions }) as Error,
      );
    }
  });
});
