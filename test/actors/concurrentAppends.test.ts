/**
 * Issue 10 item 2, found by the failover soak (test/integration/cluster/failoverUnderLoad):
 * one durable actor writes its journal from two places at once — an effect's outcome, and a
 * message that arrives while the effect finishes. Both appends were fenced on the same last
 * sequence, so the second was refused as a stale writer's (`Journal of worker moved on`) and the
 * actor failed; its errored snapshot was then checkpointed, and every restore failed again at
 * once, leaving it failed for good. One writer's appends are ordered, and a failed state is
 * never checkpointed.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  MemoryCheckpointStore,
  MemoryJournal,
  createActorSystem,
  type AppendOptions,
  type Checkpoint,
  type JournalEvent,
} from 'agentvisor';
import type { ToolDefinition } from 'agentvisor/actors';
import { TestClock, waitFor } from 'agentvisor/testing';
import { Gate } from '../fixtures/Gate.js';
import { postingWorker } from '../fixtures/postingWorker.js';

/** A journal whose appends wait at a gate while it is closed (a slow server round trip). */
class GatedJournal extends MemoryJournal {
  readonly gate = new Gate();

  override async append(
    actor: string,
    events: readonly JournalEvent[],
    options?: AppendOptions,
  ): Promise<number[]> {
    await this.gate.pass();
    return super.append(actor, events, options);
  }
}

describe('one durable actor appending from two places at once', () => {
  it('an effect outcome and a message journaled concurrently: neither is refused as a stale writer', async () => {
    const store = new MemoryCheckpointStore();
    const journal = new GatedJournal();
    const releases: ((v: string) => void)[] = [];
    const post: ToolDefinition = {
      input: z.object({ n: z.number() }),
      idempotent: true,
      run: () => new Promise<string>((resolve) => releases.push(resolve)),
    };
    const system = createActorSystem({}, { clock: new TestClock() });
    const persistence = { store, journal, machineId: 'worker', machineVersion: 1 };
    await system.spawnDurable('w', postingWorker(post), { persistence });
    const first = system.ask('w', 'task.run', { n: 1 });
    await system.settled();
    expect(releases).toHaveLength(1);

    // The tool returns while the journal is slow: its outcome append waits; a second message
    // arrives meanwhile and its append waits too.
    journal.gate.close();
    releases[0]!('posted 1');
    // The journal is held shut, so the system waits on it: the test watches the gate instead.
    await waitFor('the outcome append at the gate', () => journal.gate.waiting >= 1);
    system.tell('w', 'task.run', { n: 2 });
    await waitFor(
      'the message taken for journaling',
      () => system.describe('w')?.mailboxSize === 0,
    );
    expect(journal.gate.waiting).toBeGreaterThanOrEqual(1);
    journal.gate.open();
    await system.settled();

    expect(system.describe('w')?.status).toBe('running');
    expect(await first).toBe('posted 1');
    // The second task was taken once the first was done (its message came after the outcome).
    expect(releases).toHaveLength(2);
    releases[1]!('posted 2');
    await system.settled();
    expect((system.getSnapshot('w') as { context: { done: number[] } }).context.done).toEqual([
      1, 2,
    ]);
    await system.shutdown();
  });
});

/** A checkpoint store whose writes wait at a gate while it is closed (a slow KV put). */
class GatedStore extends MemoryCheckpointStore {
  readonly gate = new Gate();

  override async put(
    checkpoint: Checkpoint,
    options?: { expectedRevision?: number },
  ): Promise<{ revision: number }> {
    await this.gate.pass();
    return super.put(checkpoint, options);
  }
}

describe('a failed state is never a checkpoint', () => {
  it('a checkpoint write coalesced behind a slow one, after the actor failed, is not written', async () => {
    const store = new GatedStore();
    const journal = new MemoryJournal();
    const rejects: ((e: Error) => void)[] = [];
    const post: ToolDefinition = {
      input: z.object({ n: z.number() }),
      idempotent: true,
      run: () => new Promise<string>((_, reject) => rejects.push(reject)),
    };
    const persistence = { store, journal, machineId: 'worker', machineVersion: 1 };
    const system = createActorSystem({}, { clock: new TestClock() });
    await system.spawnDurable('w', postingWorker(post), { persistence });
    store.gate.close();
    system.tell('w', 'task.run', { n: 1 });
    // The store is held shut, so the system waits on it: the test watches the gate instead.
    await waitFor(
      'the checkpoint write at the gate',
      () => store.gate.waiting === 1 && rejects.length === 1,
    );
    expect(store.gate.waiting).toBe(1);
    // A message processed meanwhile (refused: the worker is busy) asks for one more write; then
    // the tool fails while the first is still being written, and the machine has no onError.
    system.tell('w', 'task.run', { n: 2 });
    await waitFor('the second message processed', () => system.describe('w')?.processed === 2);
    rejects[0]!(new Error('tool broke'));
    await waitFor('the actor failed', () => system.describe('w')?.status === 'failed');
    expect(system.describe('w')?.status).toBe('failed');
    store.gate.open();
    await system.settled();
    for (const info of await store.list('w')) {
      const stored = await store.get('w', info.revision);
      expect((stored?.checkpoint.snapshot as { status?: string }).status).not.toBe('error');
    }
    await system.shutdown();
  });

  it('an actor failed by its effect restores from its last good state, not into the failure', async () => {
    const store = new MemoryCheckpointStore();
    const journal = new MemoryJournal();
    let fail = true;
    const post: ToolDefinition = {
      input: z.object({ n: z.number() }),
      idempotent: true,
      run: (input) =>
        fail
          ? Promise.reject(new Error('tool broke'))
          : Promise.resolve(`posted ${String((input as { n: number }).n)}`),
    };
    const persistence = { store, journal, machineId: 'worker', machineVersion: 1 };
    const system = createActorSystem({}, { clock: new TestClock() });
    await system.spawnDurable('w', postingWorker(post), { persistence });
    system.tell('w', 'task.run', { n: 1 });
    await system.settled();
    expect(system.describe('w')?.status).toBe('failed');
    const latest = await store.latest('w');
    expect((latest?.checkpoint.snapshot as { status?: string } | undefined)?.status).not.toBe(
      'error',
    );

    fail = false;
    await system.spawnDurable('w', postingWorker(post), { persistence });
    await system.settled();
    expect(system.describe('w')?.status).toBe('running');
    const next = system.ask('w', 'task.run', { n: 2 });
    await system.settled();
    expect(await next).toBe('posted 2');
    await system.shutdown();
  });
});

describe('fenced mid-effect, then restored in place', () => {
  it('the effect runs again and the task finishes: never stuck mid-task', async () => {
    const store = new MemoryCheckpointStore();
    const journal = new MemoryJournal();
    const releases: ((v: string) => void)[] = [];
    const post: ToolDefinition = {
      input: z.object({ n: z.number() }),
      idempotent: true,
      run: () => new Promise<string>((resolve) => releases.push(resolve)),
    };
    const persistence = { store, journal, machineId: 'worker', machineVersion: 1 };
    const system = createActorSystem({}, { clock: new TestClock() });
    await system.spawnDurable('w', postingWorker(post), { persistence });
    const first = system.ask('w', 'task.run', { n: 1 });
    first.catch(() => undefined);
    await system.settled();
    expect(releases).toHaveLength(1);
    // Another writer appends meanwhile (a stale owner's last write): this one's outcome append
    // is fenced and the actor fails.
    await journal.append('w', [{ id: 'other', kind: 'note', at: 0, data: { other: true } }]);
    releases[0]!('posted 1');
    await system.settled();
    expect(system.describe('w')?.status).toBe('failed');

    // Its node restores it in place (the placement is still its own).
    await system.spawnDurable('w', postingWorker(post), { persistence });
    await system.settled();
    expect(system.describe('w')?.status).toBe('running');
    expect(releases).toHaveLength(2);
    releases[1]!('posted 1 again');
    await system.settled();
    expect((system.getSnapshot('w') as { value: string }).value).toBe('idle');
    const next = system.ask('w', 'task.run', { n: 2 });
    await system.settled();
    releases.at(-1)!('posted 2');
    expect(await next).toBe('posted 2');
    expect((system.getSnapshot('w') as { context: { done: number[] } }).context.done).toEqual([
      1, 2,
    ]);
    await system.shutdown();
  });
});
