/**
 * `npm run chaos`: many seeded schedules of the in-process scenario (not part of `npm test`:
 * skipped unless AGENTVISOR_CHAOS_SEEDS is set). The agent is plain and its client does not
 * retry, so no effect may run twice and no acknowledged request may be missing; the counts of
 * outcomes and violations are printed.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import fc from 'fast-check';
import { LocalTransport, createActorSystem } from 'agentvisor';
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

const SEEDS = Number(process.env['AGENTVISOR_CHAOS_SEEDS'] ?? 0);

const fault: fc.Arbitrary<TransportFault> = fc.oneof(
  fc.constant({ type: 'drop' } as const),
  fc.constant({ type: 'late-reply' } as const),
  fc.constant({ type: 'duplicate' } as const),
  fc.record({ type: fc.constant('reorder' as const), maxHoldMs: fc.integer({ min: 1, max: 500 }) }),
  fc.record({
    type: fc.constant('latency' as const),
    ms: fc.integer({ min: 1, max: 2_000 }),
    jitterMs: fc.integer({ min: 0, max: 500 }),
  }),
);
const schedule: fc.Arbitrary<ScheduledFault[]> = fc.array(
  fc.record({
    at: fc.integer({ min: 0, max: 5_000 }),
    layer: fc.constant('transport' as const),
    fault,
    durationMs: fc.integer({ min: 100, max: 3_000 }),
  }),
  { maxLength: 5 },
);
const workload = Array.from({ length: 5 }, (_, i) => ({
  at: i * 1_000,
  id: `charge-${i}`,
  input: { charge: `charge-${i}` },
}));

describe.skipIf(SEEDS === 0)('chaos soak (npm run chaos)', () => {
  it(`${SEEDS} seeded schedules: no lost acknowledged request, no fault left`, async () => {
    const counts = { ok: 0, fail: 0, info: 0, injected: 0, duplicates: 0, lost: 0, left: 0 };
    for (let seed = 1; seed <= SEEDS; seed++) {
      const [faults] = fc.sample(schedule, { numRuns: 1, seed });
      const clock = new TestClock();
      const chaos = createChaos({ clock });
      const system = createActorSystem(
        {},
        { clock, transport: chaosTransport(chaos, new LocalTransport()) },
      );
      const charges: string[] = [];
      const charge = {
        input: z.strictObject({ charge: z.string() }),
        idempotent: false,
        run: (input: { charge: string }) => Promise.resolve((charges.push(input.charge), 'ok')),
      };
      system.spawn('a', harnessAgent({ tools: { charge } }));
      const history = await runScenario({
        clock,
        chaos,
        schedule: faults ?? [],
        workload,
        send: (item) =>
          system.ask('a', 'q.tool', { tool: 'charge', input: item.input }, { timeoutMs: 1_000 }),
      });
      await system.shutdown();
      for (const o of history.outcomes) counts[o.outcome] += 1;
      counts.injected += history.injected.length;
      counts.left += history.remainingFaults;
      const dup = noDuplicateEffects(charges);
      const lost = noLostAcknowledged(history, new Set(charges));
      if (!dup.ok)
        console.info(`seed ${seed}: ${dup.violations.join(', ')} ${JSON.stringify(faults)}`);
      counts.duplicates += dup.violations.length;
      counts.lost += lost.violations.length;
    }
    console.info(`chaos soak: ${SEEDS} seeds ${JSON.stringify(counts)}`);
    expect(counts.lost).toBe(0);
    expect(counts.left).toBe(0);
    expect(counts.ok + counts.fail + counts.info).toBe(SEEDS * workload.length);
  }, 600_000);
});
