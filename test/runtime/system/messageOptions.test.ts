import { fc, it as prop } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { createActorSystem, isRuntimeError, type ActorSystem } from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { counterMachine } from './fixtures.js';

/** The code an ask settles with within `ms` of test-clock time, or 'pending' when it hangs. */
async function settleWithin(
  clock: TestClock,
  promise: Promise<unknown>,
  ms = 10_000,
): Promise<string> {
  let outcome = 'pending';
  promise.then(
    () => (outcome = 'resolved'),
    (err: unknown) => (outcome = isRuntimeError(err) ? err.code : `non-runtime: ${String(err)}`),
  );
  await clock.advance(ms);
  return outcome;
}

function codeOfCall(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return isRuntimeError(err) ? err.code : `non-runtime: ${String(err)}`;
  }
}

function makeSystem(): { clock: TestClock; system: ActorSystem } {
  const clock = new TestClock();
  const system = createActorSystem({}, { clock });
  system.spawn('c', counterMachine);
  return { clock, system };
}

const badNumbers = [NaN, -1, -0.5, Infinity, -Infinity, 0];

describe('ask and tell options', () => {
  it.each(badNumbers)(
    'refuses timeoutMs %s at once with ERR_INVALID_OPTIONS',
    async (timeoutMs) => {
      const { clock, system } = makeSystem();
      await expect(
        settleWithin(clock, system.ask('c', 'get', undefined, { timeoutMs })),
      ).resolves.toBe('ERR_INVALID_OPTIONS');
      await system.shutdown();
    },
  );

  it('refuses a timeoutMs that is a string', async () => {
    const { clock, system } = makeSystem();
    const options = { timeoutMs: 'abc' } as unknown as { timeoutMs: number };
    await expect(settleWithin(clock, system.ask('c', 'get', undefined, options))).resolves.toBe(
      'ERR_INVALID_OPTIONS',
    );
    await system.shutdown();
  });

  it('refuses a deadline that is NaN, negative or not a number, on ask and on tell', async () => {
    const { clock, system } = makeSystem();
    for (const deadline of [NaN, -5, Infinity, '1' as unknown as number]) {
      await expect(
        settleWithin(clock, system.ask('c', 'get', undefined, { deadline })),
      ).resolves.toBe('ERR_INVALID_OPTIONS');
      expect(
        codeOfCall(() => {
          system.tell('c', 'inc', undefined, { deadline });
        }),
      ).toBe('ERR_INVALID_OPTIONS');
    }
    // Nothing refused reached the actor.
    await expect(system.ask('c', 'get')).resolves.toBe(0);
    await system.shutdown();
  });

  it('refuses unknown option keys, bad ids and a signal that is not an AbortSignal', async () => {
    const { clock, system } = makeSystem();
    const bad = [
      { timeOutMs: 5 },
      { from: '' },
      { correlationId: 'x'.repeat(129) },
      { traceparent: 42 },
      { signal: 'abort' },
    ] as unknown as object[];
    for (const options of bad) {
      await expect(settleWithin(clock, system.ask('c', 'get', undefined, options))).resolves.toBe(
        'ERR_INVALID_OPTIONS',
      );
    }
    expect(
      codeOfCall(() => {
        system.tell('c', 'inc', undefined, { from: 7 } as never);
      }),
    ).toBe('ERR_INVALID_OPTIONS');
    await system.shutdown();
  });

  it('accepts good options: a timeout, a deadline, a signal', async () => {
    const { clock, system } = makeSystem();
    const signal = new AbortController().signal;
    system.tell('c', 'inc', undefined, { from: 'me', deadline: clock.now() + 1_000 });
    const asked = system.ask('c', 'get', undefined, {
      timeoutMs: 1_000,
      deadline: clock.now() + 500,
      signal,
      correlationId: 'conv-1',
    });
    await expect(asked).resolves.toBe(1);
    await system.shutdown();
  });

  prop.prop(
    [
      fc.oneof(
        fc.double().filter((n) => !(Number.isFinite(n) && n > 0)),
        fc.string(),
        fc.constant(null),
        fc.boolean(),
      ),
    ],
    { numRuns: 100 },
  )('refuses every bad timeoutMs with ERR_INVALID_OPTIONS, never hangs', async (timeoutMs) => {
    const { clock, system } = makeSystem();
    const options = { timeoutMs } as unknown as { timeoutMs: number };
    expect(await settleWithin(clock, system.ask('c', 'get', undefined, options))).toBe(
      'ERR_INVALID_OPTIONS',
    );
    await system.shutdown();
  });

  prop.prop([fc.double({ min: 1, max: 1e9, noNaN: true })], { numRuns: 50 })(
    'accepts every finite positive timeoutMs',
    async (timeoutMs) => {
      const { clock, system } = makeSystem();
      expect(await settleWithin(clock, system.ask('c', 'get', undefined, { timeoutMs }), 0)).toBe(
        'resolved',
      );
      await system.shutdown();
    },
  );
});
