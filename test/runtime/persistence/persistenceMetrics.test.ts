import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import {
  FileCheckpointStore,
  MemoryJournal,
  createActorSystem,
  createPrometheusRegistry,
  respond,
  type MetricsSnapshot,
} from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { makeTempDir } from './tempDir.js';

/** Counts `add` messages and answers the running total. */
const counter = setup({ types: { context: {} as { n: number } } }).createMachine({
  id: 'counter',
  context: { n: 0 },
  on: {
    add: {
      actions: [assign({ n: ({ context }) => context.n + 1 }), respond(({ context }) => context.n)],
    },
  },
});

function series(snapshot: MetricsSnapshot, name: string) {
  return snapshot[name]?.series ?? [];
}

describe('persistence metrics', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  beforeEach(async () => {
    temp = await makeTempDir('pmetrics');
  });
  afterEach(async () => {
    await temp.remove();
  });

  it('times checkpoint writes, journal appends and recoveries by actor_kind, with checkpoint bytes', async () => {
    const store = await FileCheckpointStore.open({ dir: temp.dir });
    const journal = new MemoryJournal();
    const metrics = createPrometheusRegistry();
    const persistence = { store, journal, machineId: 'counter', machineVersion: 1 };
    const first = createActorSystem({}, { clock: new TestClock(), metrics });
    await first.spawnDurable('c-1', counter, { persistence });
    for (let i = 0; i < 3; i++) await first.ask('c-1', 'add');
    await first.settled();
    await first.shutdown();
    const second = createActorSystem({}, { clock: new TestClock(), metrics });
    await second.spawnDurable('c-1', counter, { persistence });
    await expect(second.ask('c-1', 'add')).resolves.toBe(4);
    await second.settled();
    const snapshot = metrics.snapshot();
    const appends = series(snapshot, 'agentvisor_journal_append_seconds');
    expect(appends.map((s) => s.labels)).toEqual([{ actor_kind: 'counter' }]);
    expect(appends[0]?.count).toBeGreaterThanOrEqual(4);
    const writes = series(snapshot, 'agentvisor_checkpoint_write_seconds')[0];
    expect(writes?.count).toBeGreaterThanOrEqual(1);
    const bytes = series(snapshot, 'agentvisor_checkpoint_bytes')[0];
    expect(bytes?.count).toBe(writes?.count);
    expect((bytes?.value ?? 0) / (bytes?.count ?? 1)).toBeGreaterThan(20);
    expect(series(snapshot, 'agentvisor_recovery_seconds')[0]?.count).toBe(2);
    expect(await metrics.exposition()).not.toMatch(/c-1/);
    await second.shutdown();
    await store.close();
  });
});
