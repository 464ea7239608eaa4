import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { z } from 'zod';
import {
  createActorSystem,
  createPrometheusRegistry,
  metricValue,
  respond,
  type MetricsSnapshot,
} from 'agentvisor';
import { defineAgent, type AgentEvents } from 'agentvisor/actors';
import { TestClock, parseExposition } from 'agentvisor/testing';

const accepts = {
  'task.run': z.strictObject({ taskId: z.string(), n: z.number().int().min(0) }),
} as const;

/** Answers every task with its number doubled. */
const worker = defineAgent({
  name: 'worker',
  version: 1,
  accepts,
  machine: setup({ types: { events: {} as AgentEvents<typeof accepts> } }).createMachine({
    on: { 'task.run': { actions: respond(({ event }) => event.payload.n * 2) } },
  }),
});

function seriesCount(snapshot: MetricsSnapshot): number {
  return Object.values(snapshot).reduce((n, family) => n + family.series.length, 0);
}

describe('metrics cardinality', () => {
  it('keeps the series count constant over 1,000 tasks (no task, message or actor ids)', async () => {
    const metrics = createPrometheusRegistry();
    const system = createActorSystem({}, { clock: new TestClock(), metrics });
    const actors = ['w-a', 'w-b', 'w-c'];
    for (const name of actors) system.spawn(name, worker);
    const counts: number[] = [];
    const lines: number[] = [];
    for (let i = 0; i < 1_000; i++) {
      const to = actors[i % actors.length] ?? 'w-a';
      await expect(system.ask(to, 'task.run', { taskId: `task-${i}`, n: i })).resolves.toBe(2 * i);
      // A refused payload and a type nobody accepts: dead letters by reason, not by type.
      system.tell(to, 'task.run', { taskId: `bad-${i}`, n: -1 });
      system.tell(to, `free-text-${i}`, { taskId: `x-${i}` });
      if (i >= 9) {
        counts.push(seriesCount(metrics.snapshot()));
        if (i % 100 === 9) lines.push((await metrics.exposition()).split('\n').length);
      }
    }
    // FIFO per actor: once these are answered, every tell before them was processed.
    for (const name of actors) await system.ask(name, 'task.run', { taskId: 'last', n: 0 });
    expect(new Set(counts).size).toBe(1);
    expect(new Set(lines).size).toBe(1);
    const snapshot = metrics.snapshot();
    expect(
      metricValue(snapshot, 'agentvisor_messages_total', {
        actor_kind: 'worker',
        type: 'task.run',
        outcome: 'ok',
      }),
    ).toBe(1_000 + actors.length);
    expect(metricValue(snapshot, 'agentvisor_mailbox_depth', { actor_kind: 'worker' })).toBe(0);
    const text = await metrics.exposition();
    parseExposition(text);
    expect(text).not.toMatch(/task-\d|w-a|free-text/);
    await system.shutdown();
  });
});
