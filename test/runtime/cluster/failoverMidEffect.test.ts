/**
 * Issue 10 item 2 (stuck after failover under load): a durable agent restored by a new owner
 * while its previous owner is mid-effect. The effect is re-run by the new owner (idempotent),
 * the previous owner's late outcome is refused (fenced), and the new owner finishes the task and
 * takes the next one: it never sits mid-task answering ERR_UNHANDLED.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  MemoryCheckpointStore,
  MemoryJournal,
  createActorSystem,
  isRuntimeError,
} from 'agentvisor';
import type { ToolDefinition } from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';
import { postingWorker } from '../../fixtures/postingWorker.js';

describe('failover mid-effect', () => {
  it('the new owner re-runs the effect, ignores the stale owner’s late outcome, and finishes', async () => {
    const store = new MemoryCheckpointStore();
    const journal = new MemoryJournal();
    const persistence = { store, journal, machineId: 'worker', machineVersion: 1 };
    const runs: { n: number; release: (v: string) => void }[] = [];
    const post: ToolDefinition = {
      input: z.object({ n: z.number() }),
      idempotent: true,
      run: (input) =>
        new Promise<string>((resolve) => {
          runs.push({ n: (input as { n: number }).n, release: resolve });
        }),
    };
    const clockA = new TestClock();
    const a = createActorSystem({}, { clock: clockA });
    await a.spawnDurable('w', postingWorker(post), { persistence });
    a.tell('w', 'task.run', { n: 1 });
    await a.settled();
    expect(runs).toHaveLength(1);

    // The new owner restores while A's post is in flight.
    const clockB = new TestClock();
    const b = createActorSystem({}, { clock: clockB });
    await b.spawnDurable('w', postingWorker(post), { persistence });
    await b.settled();
    expect(runs).toHaveLength(2);
    // A's post returns late: its outcome must be fenced (A fails, answers nothing).
    runs[0]!.release('late');
    await b.settled();
    runs[1]!.release('posted');
    await b.settled();
    // Whatever happened, B is restarted in place when it failed, as its node does when the
    // placement is still its own (ClusterNode, on ERR_PERSISTENCE_CONFLICT).
    const bFailed = b.describe('w')?.status === 'failed';
    if (bFailed) {
      await b.spawnDurable('w', postingWorker(post), { persistence });
      await b.settled();
      for (const run of runs.slice(2)) run.release('re-run');
      await b.settled();
    }
    expect(isRuntimeError(a.describe('w')?.error, 'ERR_PERSISTENCE_CONFLICT')).toBe(true);
    expect(bFailed).toBe(false);
    expect((b.getSnapshot('w') as { value: string }).value).toBe('idle');
    const next = b.ask('w', 'task.run', { n: 2 });
    await b.settled();
    runs.at(-1)!.release('posted 2');
    expect(await next).toBe('posted 2');
    expect((b.getSnapshot('w') as { context: { done: number[] } }).context.done).toEqual([1, 2]);
    await Promise.all([a.shutdown(), b.shutdown()]);
  });
});
