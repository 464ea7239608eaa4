import { describe, expect, it } from 'vitest';
import { MemoryCheckpointStore, MemoryJournal, createActorSystem } from 'agentvisor';
import { createSimulatedModel, type ModelClient, type ResilienceEvent } from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';
import { answerOf, errorOf, failingClient, harnessAgent, settle } from './resilientAgentHarness.js';

/** Persistence shared by the two "processes" of a test. */
function stores() {
  const store = new MemoryCheckpointStore();
  const journal = new MemoryJournal();
  return { store, journal, machineId: 'a', machineVersion: 1 };
}

function cheap(clock: TestClock, calls: string[]): ModelClient {
  const inner = createSimulatedModel(
    { name: 'cheap', latencyMs: [5, 5], script: () => 'cheap answers' },
    { clock },
  );
  return {
    name: 'cheap',
    complete: (request, options) => {
      calls.push('cheap');
      return inner.complete(request, options);
    },
  };
}

/** Recorded model outcomes in the journal: their output's strategy. */
async function recordedStrategies(journal: MemoryJournal): Promise<unknown[]> {
  const entries = await journal.read('a', 0);
  return entries
    .filter((e) => e.event.kind === 'effect-outcome')
    .map((e) => (e.event.data as { outcome: { output?: { strategy?: unknown } } }).outcome)
    .map((o) => o.output?.strategy);
}

describe('defineAgent resilience: durable agents', () => {
  it('journals the degraded switch and keeps it after a restart', async () => {
    const persistence = stores();
    const degradedAgent = (clock: TestClock, calls: string[]) =>
      harnessAgent({
        models: {
          main: { use: [{ client: failingClient('primary', 'transient', calls), retry: false }] },
          direct: cheap(clock, calls),
        },
        degrade: { model: 'direct' },
      });

    // Process A: the chain is exhausted and the agent switches.
    const clockA = new TestClock();
    const callsA: string[] = [];
    const a = createActorSystem({}, { clock: clockA });
    await a.spawnDurable('a', degradedAgent(clockA, callsA), { persistence });
    const first = await settle(a.ask('a', 'q.ask', { text: 'one' }, { timeoutMs: 60_000 }), clockA);
    expect(answerOf(first).strategy).toBe('degraded');
    expect(await recordedStrategies(persistence.journal)).toEqual(['degraded']);
    await a.shutdown();

    // Process B: restored, the agent is still degraded; the primary is not tried.
    const clockB = new TestClock();
    const callsB: string[] = [];
    const b = createActorSystem({}, { clock: clockB });
    await b.spawnDurable('a', degradedAgent(clockB, callsB), { persistence });
    await b.settled();
    expect((b.getSnapshot('a') as { context: { strategy: string } }).context.strategy).toBe(
      'degraded',
    );
    const second = await settle(
      b.ask('a', 'q.ask', { text: 'two' }, { timeoutMs: 60_000 }),
      clockB,
    );
    expect(answerOf(second).strategy).toBe('degraded');
    expect(callsB).toEqual(['cheap']);
    await b.shutdown();
  });

  it.each([
    ['replayed from the journal', { everySteps: 1_000, onSettled: false }],
    ['restored from a checkpoint', undefined],
  ] as const)(
    '%s: no model call or retry is repeated, and the task budget is kept',
    async (_, policy) => {
      const persistence = { ...stores(), ...(policy === undefined ? {} : { policy }) };
      const agent = (clock: TestClock, calls: string[], events: ResilienceEvent[]) => {
        const inner = createSimulatedModel(
          {
            name: 'primary',
            latencyMs: [5, 5],
            faults: [{ on: 1, fault: { type: 'rate-limit', retryAfterMs: 1_000 } }],
            script: () => 'primary answers',
          },
          { clock },
        );
        const def = harnessAgent({
          models: {
            main: {
              name: 'primary',
              complete: (request, options) => {
                calls.push('primary');
                return inner.complete(request, options);
              },
            },
          },
          budget: { maxSteps: 2 },
        });
        def.onResilienceEvent((e) => events.push(e));
        return def;
      };

      const clockA = new TestClock();
      const callsA: string[] = [];
      const eventsA: ResilienceEvent[] = [];
      const a = createActorSystem({}, { clock: clockA });
      await a.spawnDurable('a', agent(clockA, callsA, eventsA), { persistence });
      const first = await settle(
        a.ask('a', 'q.ask', { text: 'one', task: 'T' }, { timeoutMs: 60_000 }),
        clockA,
      );
      expect(answerOf(first).text).toBe('primary answers');
      expect(callsA).toEqual(['primary', 'primary']);
      expect(eventsA.filter((e) => e.type === 'retry')).toHaveLength(1);
      // The process dies (no shutdown, nothing more of it runs).

      const clockB = new TestClock();
      const callsB: string[] = [];
      const eventsB: ResilienceEvent[] = [];
      const b = createActorSystem({}, { clock: clockB });
      await b.spawnDurable('a', agent(clockB, callsB, eventsB), { persistence });
      await b.settled();
      await clockB.advance(10);
      expect(callsB).toEqual([]);
      expect(eventsB).toEqual([]);
      // The replayed outcome was charged to task T's budget again: one step left, then `budget`.
      answerOf(
        await settle(
          b.ask('a', 'q.ask', { text: 'two', task: 'T' }, { timeoutMs: 60_000 }),
          clockB,
        ),
      );
      const third = await settle(
        b.ask('a', 'q.ask', { text: 'three', task: 'T' }, { timeoutMs: 60_000 }),
        clockB,
      );
      expect(errorOf(third)).toEqual({ code: 'ERR_BUDGET_EXCEEDED', failureClass: 'budget' });
      // 'two' met the new process's 429 once and retried; 'three' never reached the model.
      expect(callsB).toEqual(['primary', 'primary']);
      await b.shutdown();
    },
  );
});
