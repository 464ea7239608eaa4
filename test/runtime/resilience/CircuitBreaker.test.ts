import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  createBreakerRegistry,
  createCircuitBreaker,
  ErrorCode,
  isRuntimeError,
  type BreakerStateChange,
  type CircuitBreaker,
} from 'agentvisor/internal';
import { TestClock } from 'agentvisor/testing';
import { failure } from './drive.js';

function refusal(breaker: CircuitBreaker): unknown {
  try {
    breaker.acquire().success();
  } catch (err) {
    return err;
  }
  return undefined;
}

const fail = (breaker: CircuitBreaker, cls = 'transient'): void => {
  breaker.acquire().failure(failure(cls));
};

describe('CircuitBreaker', () => {
  it('opens after 5 consecutive failures and refuses with retryAfterMs', async () => {
    const clock = new TestClock();
    const breaker = createCircuitBreaker({ halfOpenAfterMs: 10_000 }, { clock });
    for (let i = 0; i < 4; i++) fail(breaker);
    expect(breaker.state).toBe('closed');
    fail(breaker);
    expect(breaker.state).toBe('open');
    await clock.advance(4_000);
    const err = refusal(breaker);
    expect(isRuntimeError(err, ErrorCode.CircuitOpen)).toBe(true);
    expect((err as { details: unknown }).details).toMatchObject({
      state: 'open',
      retryAfterMs: 6_000,
    });
    expect(breaker.retryAfterMs()).toBe(6_000);
  });

  it('does not count failures of other classes: a 400 does not open it', () => {
    const clock = new TestClock();
    const breaker = createCircuitBreaker(
      { strategy: { type: 'consecutive', threshold: 2 } },
      { clock },
    );
    for (let i = 0; i < 10; i++) {
      fail(breaker, 'invalid-request');
      fail(breaker, 'auth');
      fail(breaker, 'bug');
    }
    expect(breaker.state).toBe('closed');
    fail(breaker, 'rate-limit');
    fail(breaker, 'transient');
    expect(breaker.state).toBe('open');
  });

  it('goes half-open after halfOpenAfterMs and closes when its probe succeeds', async () => {
    const clock = new TestClock();
    const breaker = createCircuitBreaker(
      { strategy: { type: 'consecutive', threshold: 1 }, halfOpenAfterMs: 100 },
      { clock },
    );
    const changes: BreakerStateChange[] = [];
    breaker.onStateChange((c) => changes.push(c));
    fail(breaker);
    await clock.advance(100);
    expect(breaker.state).toBe('half-open');
    const probe = breaker.acquire();
    expect(isRuntimeError(refusal(breaker), ErrorCode.CircuitOpen)).toBe(true);
    probe.success();
    expect(breaker.state).toBe('closed');
    expect(changes.map((c) => [c.from, c.to, c.reason])).toEqual([
      ['closed', 'open', 'failures'],
      ['open', 'half-open', 'half-open-after'],
      ['half-open', 'closed', 'probes-succeeded'],
    ]);
  });

  it('with sampling, opens on the failure rate over the window once throughput is reached', async () => {
    const clock = new TestClock();
    const breaker = createCircuitBreaker(
      { strategy: { type: 'sampling', threshold: 0.5, durationMs: 10_000, minimumThroughput: 6 } },
      { clock },
    );
    // 5 failures: rate 100% but below the minimum throughput.
    for (let i = 0; i < 5; i++) fail(breaker);
    expect(breaker.state).toBe('closed');
    // The window moves on: the old failures no longer count.
    await clock.advance(10_000);
    for (let i = 0; i < 3; i++) breaker.acquire().success();
    for (let i = 0; i < 2; i++) fail(breaker);
    expect(breaker.state).toBe('closed'); // 2 of 5
    fail(breaker);
    expect(breaker.state).toBe('open'); // 3 of 6 = 50%
  });

  it.prop([
    fc.array(fc.record({ atMs: fc.nat(4_000), failed: fc.boolean() }), { maxLength: 80 }),
    fc.integer({ min: 1_000, max: 20_000 }),
    fc.integer({ min: 1, max: 6 }),
    fc.constantFrom(0.25, 0.5, 1),
  ])(
    'with sampling, opens exactly when the outcomes in the window say so (however long it sat idle)',
    async (steps, durationMs, minimumThroughput, threshold) => {
      const clock = new TestClock();
      const breaker = createCircuitBreaker(
        { strategy: { type: 'sampling', threshold, durationMs, minimumThroughput } },
        { clock },
      );
      // A naive window: every outcome with its time slot, as SamplingCounter buckets them.
      const buckets = Math.max(5, Math.ceil(durationMs / 1000));
      const bucketMs = durationMs / buckets;
      let log: { slot: number; failed: boolean }[] = [];
      for (const { atMs, failed } of steps) {
        await clock.advance(atMs);
        const slot = Math.floor(clock.monotonic() / bucketMs);
        log.push({ slot, failed });
        if (failed) fail(breaker);
        else breaker.acquire().success();
        const inWindow = log.filter((e) => e.slot > slot - buckets);
        const failures = inWindow.filter((e) => e.failed).length;
        const opens =
          failed && inWindow.length >= minimumThroughput && failures >= threshold * inWindow.length;
        expect(breaker.state).toBe(opens ? 'open' : 'closed');
        if (opens) {
          breaker.reset();
          log = [];
        }
      }
    },
  );

  it('lets an operator force it open and closed', () => {
    const clock = new TestClock();
    const breaker = createCircuitBreaker({}, { clock });
    breaker.isolate();
    expect(breaker.state).toBe('isolated');
    const err = refusal(breaker);
    expect((err as { details: unknown }).details).toMatchObject({ state: 'isolated' });
    breaker.reset();
    expect(breaker.state).toBe('closed');
    expect(refusal(breaker)).toBeUndefined();
  });

  it('execute: counts a failure, but not one after the caller aborted', async () => {
    const clock = new TestClock();
    const breaker = createCircuitBreaker(
      { strategy: { type: 'consecutive', threshold: 1 } },
      { clock },
    );
    const controller = new AbortController();
    controller.abort(new Error('caller'));
    await expect(
      breaker.execute(() => Promise.reject(failure('transient')), { signal: controller.signal }),
    ).rejects.toThrow('caller');
    const late = new AbortController();
    await expect(
      breaker.execute(
        () => {
          late.abort(new Error('late'));
          return Promise.reject(failure('transient'));
        },
        { signal: late.signal },
      ),
    ).rejects.toThrow('simulated transient');
    expect(breaker.state).toBe('closed');
    await expect(breaker.execute(() => Promise.reject(failure('transient')))).rejects.toThrow();
    expect(breaker.state).toBe('open');
  });

  it.prop([
    fc.array(
      fc.oneof(
        fc.constantFrom('ok', 'fail', 'isolate', 'reset'),
        fc.integer({ min: 0, max: 3_000 }),
      ),
      { maxLength: 40 },
    ),
    fc.constantFrom('consecutive', 'sampling'),
  ])('restore(toSnapshot(b)) is equivalent to b', async (ops, type) => {
    const clock = new TestClock();
    const options = {
      strategy:
        type === 'consecutive'
          ? { type: 'consecutive' as const, threshold: 3 }
          : { type: 'sampling' as const, durationMs: 5_000, minimumThroughput: 3 },
      halfOpenAfterMs: 1_000,
    };
    const breaker = createCircuitBreaker(options, { clock });
    for (const op of ops) {
      if (typeof op === 'number') await clock.advance(op);
      else if (op === 'isolate') breaker.isolate();
      else if (op === 'reset') breaker.reset();
      else if (refusal(breaker) === undefined && op === 'fail') {
        // refusal() admitted and settled a success; undo that with a fresh failure
        breaker.reset();
        fail(breaker);
      }
    }
    const snapshot = JSON.parse(JSON.stringify(breaker.toSnapshot())) as unknown;
    const copy = createCircuitBreaker(options, { clock, snapshot });
    expect(copy.toSnapshot()).toEqual(breaker.toSnapshot());
    const stateOf = (b: CircuitBreaker) => (b.state === 'half-open' ? 'open' : b.state);
    expect(stateOf(copy)).toBe(stateOf(breaker));
    // Same decision for the next call, and after the open period.
    expect(refusal(copy) === undefined).toBe(refusal(breaker) === undefined);
    await clock.advance(1_000);
    expect(refusal(copy) === undefined).toBe(refusal(breaker) === undefined);
  });

  it('restores a half-open breaker as open until now, and refuses unknown versions', async () => {
    const clock = new TestClock();
    const breaker = createCircuitBreaker(
      { strategy: { type: 'consecutive', threshold: 1 }, halfOpenAfterMs: 50 },
      { clock },
    );
    fail(breaker);
    await clock.advance(50);
    breaker.acquire(); // the probe, in flight
    const snapshot = breaker.toSnapshot();
    expect(snapshot).toMatchObject({ state: 'open', openUntil: clock.now() });
    const copy = createCircuitBreaker({}, { clock, snapshot });
    expect(copy.state).toBe('half-open');
    let thrown: unknown;
    try {
      createCircuitBreaker({}, { clock, snapshot: { ...snapshot, v: 2 } });
    } catch (err) {
      thrown = err;
    }
    expect(isRuntimeError(thrown, ErrorCode.CheckpointVersion)).toBe(true);
  });
});

describe('BreakerRegistry', () => {
  it('keeps one breaker per key and reports every state change', () => {
    const clock = new TestClock();
    const registry = createBreakerRegistry(
      { strategy: { type: 'consecutive', threshold: 1 } },
      { clock },
    );
    const changes: string[] = [];
    registry.onStateChange((c) => changes.push(`${c.breaker}:${c.to}`));
    const a = registry.get('model:a');
    expect(registry.get('model:a')).toBe(a);
    fail(a);
    registry.get('tool:search').isolate();
    expect(changes).toEqual(['model:a:open', 'tool:search:isolated']);
    expect(registry.keys()).toEqual(['model:a', 'tool:search']);
  });

  it('round-trips through its snapshot into another registry', () => {
    const clock = new TestClock();
    const one = createBreakerRegistry(
      { strategy: { type: 'consecutive', threshold: 1 } },
      { clock },
    );
    fail(one.get('a'));
    one.get('b').isolate();
    const other = createBreakerRegistry({}, { clock });
    other.restore(JSON.parse(JSON.stringify(one.toSnapshot())));
    expect(other.get('a').state).toBe('open');
    expect(other.get('b').state).toBe('isolated');
  });
});
