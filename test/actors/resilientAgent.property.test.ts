import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { createActorSystem, withFailureClass } from 'agentvisor';
import { createSimulatedModel, type Fault, type ModelClient } from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';
import { harnessAgent, settle } from './resilientAgentHarness.js';

/** How every call of the endpoint fails. */
const failureArb = fc.oneof(
  fc.record({
    type: fc.constant('rate-limit' as const),
    retryAfterMs: fc.integer({ min: 0, max: 3_000 }),
  }),
  fc.record({ type: fc.constant('server-error' as const) }),
  fc.record({ type: fc.constant('timeout' as const), afterMs: fc.integer({ min: 1, max: 500 }) }),
  fc.constantFrom('auth' as const, 'invalid-request' as const),
);

const scenarioArb = fc.record({
  failure: failureArb,
  latencyMs: fc.integer({ min: 1, max: 300 }),
  stepMs: fc.integer({ min: 100, max: 5_000 }),
  /** The task's deadline (the ask's timeout), when shorter than the step. */
  taskMs: fc.option(fc.integer({ min: 50, max: 5_000 }), { nil: undefined }),
  maxAttempts: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(Infinity)),
  seed: fc.integer(),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer S> ? S : never;

function endpoint(
  failure: Scenario['failure'],
  latencyMs: number,
  clock: TestClock,
  calls: number[],
): ModelClient {
  if (typeof failure === 'string') {
    return {
      name: 'primary',
      complete: () => {
        calls.push(clock.monotonic());
        return Promise.reject(withFailureClass(new Error(failure), failure));
      },
    };
  }
  const inner = createSimulatedModel(
    {
      name: 'primary',
      latencyMs: [latencyMs, latencyMs],
      faults: [{ on: {}, fault: failure satisfies Fault }],
    },
    { clock },
  );
  return {
    name: 'primary',
    complete: (request, options) => {
      calls.push(clock.monotonic());
      return inner.complete(request, options);
    },
  };
}

describe('defineAgent resilience (properties)', () => {
  it.prop([scenarioArb], { numRuns: 60 })(
    'a model call never outlives its step or task deadline, and a non-retryable class is tried once',
    async (s) => {
      const clock = new TestClock();
      const calls: number[] = [];
      let n = s.seed;
      const random = () => {
        n = (Math.imul(n ^ (n >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) | 0;
        return (n >>> 0) / 2 ** 32;
      };
      const agent = harnessAgent({
        models: {
          main: {
            use: [
              {
                client: endpoint(s.failure, s.latencyMs, clock, calls),
                retry: { maxAttempts: s.maxAttempts, initialDelayMs: 50, maxDelayMs: 2_000 },
                breaker: { strategy: { type: 'consecutive', threshold: 1_000 } },
              },
            ],
          },
        },
        timeouts: { stepMs: s.stepMs },
        random,
      });
      const system = createActorSystem({}, { clock });
      system.spawn('a', agent);
      const budget = Math.min(s.stepMs, s.taskMs ?? Infinity);
      const start = clock.monotonic();
      const result = await settle(
        system.ask('a', 'q.ask', { text: 'x' }, { timeoutMs: s.taskMs ?? 3_600_000 }),
        clock,
        60_000,
        5,
      );
      expect(result.ok).toBe(false);
      // Settled within the tighter deadline (plus one tick of the test's time steps).
      expect(result.atMs).toBeLessThanOrEqual(budget + 5);
      // No attempt started at or after the deadline.
      for (const at of calls) expect(at - start).toBeLessThan(budget);
      if (typeof s.failure === 'string') expect(calls).toHaveLength(1);
      else if (Number.isFinite(s.maxAttempts))
        expect(calls.length).toBeLessThanOrEqual(s.maxAttempts);
      await system.shutdown();
    },
  );
});
