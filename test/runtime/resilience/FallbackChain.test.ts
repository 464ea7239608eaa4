import { describe, expect, it } from 'vitest';
import {
  createCircuitBreaker,
  createFallbackChain,
  createResiliencePipeline,
  Deadline,
  ErrorCode,
  isRuntimeError,
  type FallbackEvent,
  type RuntimeError,
} from 'agentvisor/internal';
import { TestClock } from 'agentvisor/testing';
import { drive, failure } from './drive.js';

/** `ok`, or the failure class the member fails with. */
type Behaviour = string;

/** Members whose behaviour the test sets per name; every call is logged. */
function members(names: readonly string[]) {
  const behaviour = new Map<string, Behaviour>(names.map((n) => [n, 'ok']));
  const calls: string[] = [];
  const call = (name: string): Promise<string> => {
    calls.push(name);
    const b = behaviour.get(name) ?? 'ok';
    return b === 'ok' ? Promise.resolve(`answer from ${name}`) : Promise.reject(failure(b));
  };
  return { behaviour, calls, call };
}

describe('FallbackChain', () => {
  it('tries members in order until one succeeds', async () => {
    const clock = new TestClock();
    const m = members(['primary', 'backup', 'cheaper']);
    const chain = createFallbackChain(
      ['primary', 'backup', 'cheaper'].map((name) => ({ name, target: name })),
      {},
      { clock },
    );
    const events: FallbackEvent[] = [];
    chain.onFallback((e) => events.push(e));
    m.behaviour.set('primary', 'transient');
    m.behaviour.set('backup', 'auth');
    const outcome = await drive(
      clock,
      chain.execute((target) => m.call(target)),
    );
    expect(outcome).toEqual({ ok: true, value: 'answer from cheaper' });
    expect(m.calls).toEqual(['primary', 'backup', 'cheaper']);
    expect(events.map((e) => [e.from, e.failureClass, e.coolDownMs])).toEqual([
      ['primary', 'transient', 5_000],
      ['backup', 'auth', undefined],
    ]);
  });

  it('skips a member that failed retryably until its cool-down ends', async () => {
    const clock = new TestClock();
    const m = members(['primary', 'backup']);
    const chain = createFallbackChain(
      [
        { name: 'primary', target: 'primary' },
        { name: 'backup', target: 'backup' },
      ],
      { coolDownMs: 1_000 },
      { clock },
    );
    m.behaviour.set('primary', 'rate-limit');
    await drive(
      clock,
      chain.execute((t) => m.call(t)),
    );
    m.behaviour.set('primary', 'ok');
    await drive(
      clock,
      chain.execute((t) => m.call(t)),
    );
    await clock.advance(999);
    await drive(
      clock,
      chain.execute((t) => m.call(t)),
    );
    expect(chain.coolDownRemainingMs('primary')).toBe(1);
    await clock.advance(1);
    await drive(
      clock,
      chain.execute((t) => m.call(t)),
    );
    expect(m.calls).toEqual(['primary', 'backup', 'backup', 'backup', 'primary']);
  });

  it('does not cool down a member for a failure of its request (auth, invalid-request)', async () => {
    const clock = new TestClock();
    const m = members(['primary', 'backup']);
    const chain = createFallbackChain(
      [
        { name: 'primary', target: 'primary' },
        { name: 'backup', target: 'backup' },
      ],
      {},
      { clock },
    );
    m.behaviour.set('primary', 'invalid-request');
    await drive(
      clock,
      chain.execute((t) => m.call(t)),
    );
    await drive(
      clock,
      chain.execute((t) => m.call(t)),
    );
    expect(m.calls).toEqual(['primary', 'backup', 'primary', 'backup']);
  });

  it('skips a member whose breaker is open', async () => {
    const clock = new TestClock();
    const m = members(['primary', 'backup']);
    const breaker = createCircuitBreaker({ halfOpenAfterMs: 60_000 }, { clock });
    breaker.isolate();
    const chain = createFallbackChain(
      [
        {
          name: 'primary',
          target: 'primary',
          pipeline: createResiliencePipeline({ breaker, retry: false }, { clock }),
        },
        { name: 'backup', target: 'backup' },
      ],
      {},
      { clock },
    );
    const outcome = await drive(
      clock,
      chain.execute((t) => m.call(t)),
    );
    expect(outcome).toEqual({ ok: true, value: 'answer from backup' });
    expect(m.calls).toEqual(['backup']);
  });

  it('stops at once on a class it must not fall back on (budget, safety, poison, …)', async () => {
    const clock = new TestClock();
    for (const cls of ['budget', 'safety', 'poison', 'uncertain-effect', 'bug']) {
      const m = members(['primary', 'backup']);
      m.behaviour.set('primary', cls);
      const chain = createFallbackChain(
        [
          { name: 'primary', target: 'primary' },
          { name: 'backup', target: 'backup' },
        ],
        {},
        { clock },
      );
      const outcome = await drive(
        clock,
        chain.execute((t) => m.call(t)),
      );
      expect(outcome.ok).toBe(false);
      expect(m.calls).toEqual(['primary']);
    }
  });

  it('fails with ERR_FALLBACK_EXHAUSTED listing every cause', async () => {
    const clock = new TestClock();
    const m = members(['a', 'b', 'c']);
    const chain = createFallbackChain(
      ['a', 'b', 'c'].map((name) => ({ name, target: name })),
      { name: 'models' },
      { clock },
    );
    m.behaviour.set('a', 'transient');
    m.behaviour.set('b', 'rate-limit');
    m.behaviour.set('c', 'invalid-output');
    const first = await drive(
      clock,
      chain.execute((t) => m.call(t)),
    );
    expect(first.ok).toBe(false);
    const err = (first as { error: RuntimeError }).error;
    expect(isRuntimeError(err, ErrorCode.FallbackExhausted)).toBe(true);
    expect(err.details).toMatchObject({
      chain: 'models',
      failureClass: 'invalid-output',
      causes: [
        { member: 'a', outcome: 'failed', failureClass: 'transient' },
        { member: 'b', outcome: 'failed', failureClass: 'rate-limit' },
        { member: 'c', outcome: 'failed', failureClass: 'invalid-output' },
      ],
    });
    expect(JSON.parse(JSON.stringify(err.details))).toEqual(err.details);
    // a and b cool down; c did not: the next run tries only c.
    const second = await drive(
      clock,
      chain.execute((t) => m.call(t)),
    );
    expect((second as { error: RuntimeError }).error.details).toMatchObject({
      causes: [
        { member: 'a', outcome: 'skipped', skipped: 'cooling-down' },
        { member: 'b', outcome: 'skipped', skipped: 'cooling-down' },
        { member: 'c', outcome: 'failed' },
      ],
    });
  });

  it('says when the first cool-down ends when every member is cooling down', async () => {
    const clock = new TestClock();
    const m = members(['a', 'b']);
    m.behaviour.set('a', 'transient');
    m.behaviour.set('b', 'transient');
    const chain = createFallbackChain(
      ['a', 'b'].map((name) => ({ name, target: name })),
      { coolDownMs: 5_000 },
      { clock },
    );
    await drive(
      clock,
      chain.execute((t) => m.call(t)),
    );
    await clock.advance(2_000);
    const outcome = await drive(
      clock,
      chain.execute((t) => m.call(t)),
    );
    expect((outcome as { error: RuntimeError }).error.details).toMatchObject({
      failureClass: 'transient',
      retryAfterMs: 3_000,
    });
  });

  it('stops at the deadline with its timeout error', async () => {
    const clock = new TestClock();
    const chain = createFallbackChain(
      ['a', 'b'].map((name) => ({ name, target: name })),
      {},
      { clock },
    );
    const deadline = Deadline.after(100, { clock }, { level: 'step' });
    const calls: string[] = [];
    const outcome = await drive(
      clock,
      chain.execute(
        (name, { signal }) =>
          new Promise<string>((_, reject) => {
            calls.push(name);
            signal.addEventListener('abort', () => {
              reject(signal.reason as Error);
            });
          }),
        { deadline },
      ),
    );
    expect(outcome).toEqual({ ok: false, error: deadline.timeoutError() });
    expect(calls).toEqual(['a']);
  });

  it('refuses an empty chain and repeated names', () => {
    expect(() => createFallbackChain([])).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidOptions }) as Error,
    );
    expect(() =>
      createFallbackChain([
        { name: 'a', target: 1 },
        { name: 'a', target: 2 },
      ]),
    ).toThrow(expect.objectContaining({ code: ErrorCode.InvalidOptions }) as Error);
  });
});
