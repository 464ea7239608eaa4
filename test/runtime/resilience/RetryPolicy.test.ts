import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  createRetryPolicy,
  Deadline,
  ErrorCode,
  FAILURE_CLASSES,
  isRuntimeError,
  RETRYABLE_CLASSES,
  RuntimeError,
  type GiveUpEvent,
  type RetryEvent,
} from 'agentvisor/internal';
import { TestClock } from 'agentvisor/testing';
import { drive, failure, wait } from './drive.js';

const nonRetryable = FAILURE_CLASSES.filter(
  (c) => !(RETRYABLE_CLASSES as readonly string[]).includes(c),
);

const retryOptions = fc.record({
  maxAttempts: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(Infinity)),
  initialDelayMs: fc.integer({ min: 1, max: 5_000 }),
  extraMs: fc.integer({ min: 0, max: 60_000 }),
  factor: fc.double({ min: 1, max: 4, noNaN: true }),
  jitter: fc.constantFrom('none' as const, 'full' as const, 'decorrelated' as const),
});

describe('RetryPolicy', () => {
  it.prop([fc.constantFrom(...nonRetryable), retryOptions])(
    'never retries a non-retryable class',
    async (cls, { extraMs, ...options }) => {
      const clock = new TestClock();
      const retry = createRetryPolicy(
        { ...options, maxDelayMs: options.initialDelayMs + extraMs },
        { clock, random: () => 0.5 },
      );
      const retried: RetryEvent[] = [];
      retry.onRetry((e) => retried.push(e));
      let calls = 0;
      const error = failure(cls);
      const outcome = await drive(
        clock,
        retry.execute(() => {
          calls++;
          return Promise.reject(error);
        }),
      );
      expect(outcome).toEqual({ ok: false, error });
      expect(calls).toBe(1);
      expect(retried).toEqual([]);
    },
  );

  it.prop([
    retryOptions,
    fc.integer({ min: 1, max: 120_000 }),
    fc.array(
      fc.record({
        cls: fc.constantFrom(...RETRYABLE_CLASSES),
        retryAfterMs: fc.option(fc.integer({ min: 0, max: 90_000 }), { nil: undefined }),
        durationMs: fc.integer({ min: 0, max: 20_000 }),
      }),
      { minLength: 1, maxLength: 30 },
    ),
    fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  ])(
    'never sleeps into the step deadline, and settles by it',
    async ({ extraMs, ...options }, deadlineMs, failures, r) => {
      const clock = new TestClock();
      const retry = createRetryPolicy(
        { ...options, maxDelayMs: options.initialDelayMs + extraMs },
        { clock, random: () => r },
      );
      const deadline = Deadline.after(deadlineMs, { clock });
      const end = clock.monotonic() + deadlineMs;
      const wakeUps: number[] = [];
      retry.onRetry(({ delayMs }) => wakeUps.push(clock.monotonic() + delayMs));
      let calls = 0;
      const outcome = await drive(
        clock,
        retry.execute(
          async ({ signal }) => {
            const f = failures[calls % failures.length]!;
            calls++;
            await wait(clock, f.durationMs, signal);
            throw failure(f.cls, f.retryAfterMs);
          },
          { deadline },
        ),
      );
      expect(outcome.ok).toBe(false);
      expect(clock.monotonic()).toBeLessThanOrEqual(end);
      for (const at of wakeUps) expect(at).toBeLessThan(end);
      expect(calls).toBeLessThanOrEqual(options.maxAttempts);
      deadline.dispose();
      expect(clock.pendingTimers).toBe(0);
    },
  );

  it('waits max(backoff, Retry-After) after a rate limit', async () => {
    const clock = new TestClock();
    const retry = createRetryPolicy(
      { initialDelayMs: 100, jitter: 'none', maxAttempts: 3 },
      { clock },
    );
    const events: RetryEvent[] = [];
    retry.onRetry((e) => events.push(e));
    const starts: number[] = [];
    const outcome = await drive(
      clock,
      retry.execute(({ attempt }) => {
        starts.push(clock.monotonic());
        if (attempt === 1) return Promise.reject(failure('rate-limit', 5_000));
        if (attempt === 2) return Promise.reject(failure('rate-limit', 10));
        return Promise.resolve('ok');
      }),
    );
    expect(outcome).toEqual({ ok: true, value: 'ok' });
    expect(events.map((e) => [e.attempt, e.delayMs, e.failureClass])).toEqual([
      [1, 5_000, 'rate-limit'],
      [2, 200, 'rate-limit'],
    ]);
    expect(starts).toEqual([0, 5_000, 5_200]);
  });

  it('gives up at once on a Retry-After beyond maxRetryAfterMs', async () => {
    const clock = new TestClock();
    const retry = createRetryPolicy({ maxRetryAfterMs: 1_000 }, { clock });
    const gaveUp: GiveUpEvent[] = [];
    retry.onGiveUp((e) => gaveUp.push(e));
    const error = failure('rate-limit', 1_001);
    const outcome = await drive(
      clock,
      retry.execute(() => Promise.reject(error)),
    );
    expect(outcome).toEqual({ ok: false, error });
    expect(gaveUp.map((e) => e.reason)).toEqual(['retry-after']);
  });

  it('fails with the last error after maxAttempts', async () => {
    const clock = new TestClock();
    const retry = createRetryPolicy({ maxAttempts: 4 }, { clock });
    const gaveUp: GiveUpEvent[] = [];
    retry.onGiveUp((e) => gaveUp.push(e));
    const errors: Error[] = [];
    const outcome = await drive(
      clock,
      retry.execute(({ attempt }) => {
        const e = failure('transient');
        e.message = `attempt ${attempt}`;
        errors.push(e);
        return Promise.reject(e);
      }),
    );
    expect(errors).toHaveLength(4);
    expect(outcome).toEqual({ ok: false, error: errors[3] });
    expect(gaveUp).toMatchObject([{ attempts: 4, reason: 'attempts' }]);
  });

  it('does not retry an open breaker or a full bulkhead', async () => {
    const clock = new TestClock();
    const retry = createRetryPolicy({}, { clock });
    for (const code of [ErrorCode.CircuitOpen, ErrorCode.BulkheadFull]) {
      let calls = 0;
      const outcome = await drive(
        clock,
        retry.execute(() => {
          calls++;
          return Promise.reject(new RuntimeError(code, 'refused'));
        }),
      );
      expect(outcome.ok).toBe(false);
      expect(calls).toBe(1);
    }
  });

  it('rejects with the caller signal reason when aborted during a backoff wait', async () => {
    const clock = new TestClock();
    const retry = createRetryPolicy({ initialDelayMs: 1_000, jitter: 'none' }, { clock });
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const pending = retry.execute(() => Promise.reject(failure('transient')), {
      signal: controller.signal,
    });
    pending.catch(() => undefined);
    await clock.advance(10);
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(clock.pendingTimers).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const retry = createRetryPolicy({}, { clock: new TestClock() });
    const reason = new Error('already');
    let calls = 0;
    await expect(
      retry.execute(
        () => {
          calls++;
          return Promise.resolve(1);
        },
        { signal: AbortSignal.abort(reason) },
      ),
    ).rejects.toBe(reason);
    expect(calls).toBe(0);
  });

  it('refuses options out of range with ERR_INVALID_OPTIONS', () => {
    for (const bad of [
      { maxAttempts: 0 },
      { initialDelayMs: 1_000, maxDelayMs: 10 },
      { retryOn: ['auth'] },
      { factor: 0.5 },
    ]) {
      let thrown: unknown;
      try {
        createRetryPolicy(bad as never);
      } catch (err) {
        thrown = err;
      }
      expect(isRuntimeError(thrown, ErrorCode.InvalidOptions)).toBe(true);
    }
  });
});
