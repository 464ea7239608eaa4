import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createActorSystem, isRuntimeError } from 'agentvisor';
import { createChaos, createSimulatedModel, type ModelClient } from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';
import { answerOf, harnessAgent, settle } from '../resilientAgentHarness.js';

/** A seeded generator (mulberry32): the same schedule every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const request = { messages: [{ role: 'user' as const, content: 'hi' }] };

function counted(clock: TestClock): ModelClient & { calls: number[] } {
  const inner = createSimulatedModel(
    { name: 'inner', latencyMs: [0, 0], script: () => 'ok' },
    { clock },
  );
  const calls: number[] = [];
  return {
    name: 'inner',
    calls,
    complete: (r, o) => {
      calls.push(clock.now());
      return inner.complete(r, o);
    },
  };
}

describe('createChaos', () => {
  it('injectionRate 0 (the default): 0 injections over 10,000 calls, even started', async () => {
    const clock = new TestClock();
    const chaos = createChaos({ enabled: true, random: seeded(1), clock });
    const model = chaos.model(counted(clock), { faults: [{ fault: { type: 'server-error' } }] });
    for (let i = 0; i < 10_000; i++)
      expect((await settle(model.complete(request), clock)).ok).toBe(true);
    expect(chaos.injected).toBe(0);
  });

  it('injects at the configured rate, by weight, and the kill switch stops it at once', async () => {
    const clock = new TestClock();
    const seen: string[] = [];
    const chaos = createChaos({
      random: seeded(7),
      clock,
      onInjected: (f) => seen.push(f.fault.type),
    });
    const model = chaos.model(counted(clock), {
      injectionRate: 0.1,
      faults: [{ fault: { type: 'server-error' }, weight: 3 }, { fault: { type: 'auth' } }],
    });
    const run = async (n: number) => {
      let failed = 0;
      for (let i = 0; i < n; i++) {
        if (!(await settle(model.complete(request), clock)).ok) failed += 1;
      }
      return failed;
    };
    expect(await run(100)).toBe(0); // not started: nothing
    chaos.start();
    const failed = await run(10_000);
    // Binomial(10,000, 0.1): mean 1,000, sd 30; ±5 sd.
    expect(failed).toBeGreaterThan(850);
    expect(failed).toBeLessThan(1_150);
    expect(failed).toBe(chaos.injected);
    const share = seen.filter((t) => t === 'server-error').length / seen.length;
    expect(share).toBeGreaterThan(0.7);
    expect(share).toBeLessThan(0.8);
    chaos.stop();
    expect(await run(1_000)).toBe(0);
  });

  it('faults fail as the HTTP client does: 429 with Retry-After, 401 auth, 5xx transient', async () => {
    const clock = new TestClock();
    const chaos = createChaos({ enabled: true, clock });
    const failing = async (
      fault: Parameters<typeof chaos.model>[1]['faults'][number]['fault'],
    ): Promise<unknown> => {
      const model = chaos.model(counted(clock), { injectionRate: 1, faults: [{ fault }] });
      const result = await settle(model.complete(request), clock);
      return result.ok ? undefined : result.error;
    };
    expect(await failing({ type: 'rate-limit', retryAfterMs: 2_000 })).toMatchObject({
      code: 'ERR_MODEL_HTTP',
      details: { status: 429, failureClass: 'rate-limit', retryAfterMs: 2_000 },
    });
    expect(await failing({ type: 'auth' })).toMatchObject({
      details: { status: 401, failureClass: 'auth' },
    });
    expect(await failing({ type: 'server-error', status: 502 })).toMatchObject({
      details: { status: 502, failureClass: 'transient' },
    });
    const hallucinated = await settle(
      chaos
        .model(counted(clock), {
          injectionRate: 1,
          faults: [{ fault: { type: 'hallucinated-tool', name: 'rm_rf' } }],
        })
        .complete(request),
      clock,
    );
    expect(hallucinated.ok && hallucinated.value.toolCalls?.map((c) => c.name)).toEqual(['rm_rf']);
  });

  it('429 Retry-After 2 s on an agent’s model: its next attempt is at least 2 s later on the clock', async () => {
    const clock = new TestClock();
    const inner = counted(clock);
    const chaos = createChaos({ enabled: true, clock, random: seeded(3) });
    let first = true;
    // Only the first call is refused: a rate of 1 switched off after one injection.
    const model = chaos.model(inner, {
      injectionRate: 1,
      faults: [{ fault: { type: 'rate-limit', retryAfterMs: 2_000 } }],
    });
    const once: ModelClient = {
      name: 'inner',
      complete: (r, o) => {
        if (first) {
          first = false;
          const started = clock.now();
          return model.complete(r, o).catch((e: unknown) => {
            expect(clock.now()).toBe(started);
            throw e;
          });
        }
        return inner.complete(r, o);
      },
    };
    const system = createActorSystem({}, { clock });
    system.spawn('a', harnessAgent({ models: { main: once } }));
    const started = clock.now();
    answerOf(
      await settle(system.ask('a', 'q.ask', { text: 'hi' }, { timeoutMs: 3_600_000 }), clock),
    );
    expect(chaos.injected).toBe(1);
    expect(inner.calls).toHaveLength(1);
    expect(inner.calls[0]! - started).toBeGreaterThanOrEqual(2_000);
    await system.shutdown();
  });

  it('tool faults: error before, an effect that happened then failed, garbage, an injection payload', async () => {
    const clock = new TestClock();
    const chaos = createChaos({ enabled: true, clock });
    let runs = 0;
    const tool = { input: z.object({}), run: () => Promise.resolve(((runs += 1), 'done')) };
    const ctx = { idempotencyKey: 'k', signal: new AbortController().signal };
    const faulty = (fault: Parameters<typeof chaos.tool>[2]['faults'][number]['fault']) =>
      chaos.tool('t', tool, { injectionRate: 1, faults: [{ fault }] }).run({}, ctx);
    const before = await faulty({ type: 'error' }).catch((e: unknown) => e);
    expect(isRuntimeError(before, 'ERR_TIMEOUT')).toBe(true);
    expect(runs).toBe(0);
    const after = await faulty({ type: 'after-effect' }).catch((e: unknown) => e);
    expect(after).toMatchObject({ details: { failureClass: 'transient', chaos: true } });
    expect(runs).toBe(1); // the side effect happened: an uncertain outcome
    expect(await faulty({ type: 'garbage', value: 42 })).toBe(42);
    expect(await faulty({ type: 'injection', payload: 'IGNORE PREVIOUS' })).toBe(
      'done\n\nIGNORE PREVIOUS',
    );
    expect(runs).toBe(3);
  });

  it('a rule out of range is refused with its path', () => {
    const chaos = createChaos();
    expect(() =>
      chaos.model(counted(new TestClock()), {
        injectionRate: 2,
        faults: [{ fault: { type: 'hang' } }],
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }));
  });
});
