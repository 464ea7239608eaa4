import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import fc from 'fast-check';
import { LocalTransport, createActorSystem, isRuntimeError } from 'agentvisor';
import {
  chaosTransport,
  createChaos,
  noDuplicateEffects,
  noLostAcknowledged,
  runScenario,
  type ScheduledFault,
  type TransportFault,
} from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';
import { harnessAgent } from '../resilientAgentHarness.js';

/** A seeded generator (mulberry32). */
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

const transportFault: fc.Arbitrary<TransportFault> = fc.oneof(
  fc.constant({ type: 'drop' } as const),
  fc.constant({ type: 'late-reply' } as const),
  fc.record({ type: fc.constant('latency' as const), ms: fc.integer({ min: 1, max: 2_000 }) }),
);
/** A fault schedule: up to 4 transport faults on the agent's subject within the first 5 s. */
const schedule: fc.Arbitrary<ScheduledFault[]> = fc.array(
  fc.record({
    at: fc.integer({ min: 0, max: 5_000 }),
    layer: fc.constant('transport' as const),
    fault: transportFault,
    durationMs: fc.integer({ min: 100, max: 3_000 }),
  }),
  { maxLength: 4 },
);

const workload = Array.from({ length: 5 }, (_, i) => ({
  at: i * 1_000,
  id: `charge-${i}`,
  input: { charge: `charge-${i}` },
}));

/**
 * The planted bug: a non-idempotent `charge` tool on a plain (non-durable) agent, no ledger, and
 * a client that retries a timed-out ask once with a new message: a reply lost after the charge
 * ran makes the retry charge again.
 */
async function plantedRun(faults: readonly ScheduledFault[], seed = 1) {
  const clock = new TestClock();
  const chaos = createChaos({ clock, random: seeded(seed) });
  const transport = chaosTransport(chaos, new LocalTransport());
  const system = createActorSystem({}, { clock, transport });
  const charges: string[] = [];
  const charge = {
    input: z.strictObject({ charge: z.string() }),
    idempotent: false,
    run: (input: { charge: string }) => Promise.resolve((charges.push(input.charge), 'charged')),
  };
  system.spawn('a', harnessAgent({ tools: { charge } }));
  const ask = (input: unknown) =>
    system.ask('a', 'q.tool', { tool: 'charge', input }, { timeoutMs: 1_000 });
  const history = await runScenario({
    clock,
    chaos,
    schedule: faults,
    workload,
    send: (item) =>
      ask(item.input).catch((err: unknown) => {
        if (isRuntimeError(err, 'ERR_TIMEOUT')) return ask(item.input); // naive retry
        throw err;
      }),
  });
  await system.shutdown();
  return { history, charges };
}

describe('runScenario: workload + seeded fault schedule + checkers', () => {
  it('outcomes are ok / fail / info, and a fault-free run charges each request once', async () => {
    const { history, charges } = await plantedRun([]);
    expect(history.outcomes.map((o) => o.outcome)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(noDuplicateEffects(charges).ok).toBe(true);
    expect(noLostAcknowledged(history, new Set(charges)).ok).toBe(true);
    expect(history.remainingFaults).toBe(0);
  });

  it('a partition (drop) past the retry makes the request indeterminate (info), not ok', async () => {
    const { history } = await plantedRun([
      { at: 0, layer: 'transport', fault: { type: 'drop' }, durationMs: 2_500 },
    ]);
    expect(history.outcomes[0]).toMatchObject({ id: 'charge-0', outcome: 'info' });
  });

  it('the same schedule and seed twice give identical histories', async () => {
    const faults: ScheduledFault[] = [
      { at: 500, layer: 'transport', fault: { type: 'latency', ms: 700 }, durationMs: 2_000 },
      { at: 2_000, layer: 'transport', fault: { type: 'late-reply' }, durationMs: 800 },
    ];
    // Reply subjects come from a process-wide counter (not the system's seed): normalised here.
    const text = async () =>
      JSON.stringify(await plantedRun(faults, 9)).replace(/av\.local\.i\.t\d+/g, 'inbox');
    expect(await text()).toBe(await text());
  });

  it('the planted non-idempotent tool is caught within 100 seeds and shrunk to ≤ 2 faults', async () => {
    const result = await fc.check(
      fc.asyncProperty(schedule, async (faults) => {
        const { charges } = await plantedRun(faults);
        return noDuplicateEffects(charges).ok;
      }),
      { numRuns: 100, seed: 42 },
    );
    expect(result.failed).toBe(true);
    const shrunk = result.counterexample?.[0] ?? [];
    expect(shrunk.length).toBeLessThanOrEqual(2);
    expect(shrunk.some((f) => f.fault.type === 'late-reply')).toBe(true);
    // Printed with its seed and path so `fc.assert(…, { seed, path })` replays it.
    console.info(
      `planted duplicate found: seed ${result.seed} path ${result.counterexamplePath} schedule ${JSON.stringify(shrunk)}`,
    );
    const replay = await plantedRun(shrunk);
    expect(noDuplicateEffects(replay.charges).ok).toBe(false);
  });
});
