/**
 * Issue 11: a graceful stop did not wait for the checkpoint write in flight. `shutdown()`
 * resolved while the store was still writing the actor's last state, so a process that closes
 * its stores (or exits) next lost that checkpoint. The stop now waits for it, bounded by its
 * timeout.
 */
import { describe, expect, it } from 'vitest';
import {
  MemoryCheckpointStore,
  MemoryJournal,
  createActorSystem,
  type Checkpoint,
  type PutCheckpointOptions,
} from 'agentvisor';
import { TestClock, waitFor } from 'agentvisor/testing';
import { counterMachine } from './fixtures.js';

/** A checkpoint store whose puts wait at a gate while it is closed (a slow server round trip). */
class GatedStore extends MemoryCheckpointStore {
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;
  waiting = 0;

  close_(): void {
    this.#gate = new Promise((resolve) => (this.#open = resolve));
  }

  open_(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  override async put(
    checkpoint: Checkpoint,
    options?: PutCheckpointOptions,
  ): Promise<{ revision: number }> {
    const gate = this.#gate;
    if (gate !== undefined) {
      this.waiting++;
      await gate;
      this.waiting--;
    }
    return super.put(checkpoint, options);
  }
}

/** A durable counter that checkpoints after every step, its checkpoint put held at the gate. */
async function counterWithGatedCheckpoint() {
  const clock = new TestClock();
  const store = new GatedStore();
  const journal = new MemoryJournal();
  const system = createActorSystem({}, { clock });
  await system.spawnDurable('c', counterMachine, {
    persistence: {
      store,
      journal,
      machineId: 'counter',
      machineVersion: 1,
      policy: { everySteps: 1 },
    },
  });
  await system.settled();
  store.close_();
  system.tell('c', 'inc', { by: 5 });
  await expect(system.ask('c', 'get')).resolves.toBe(5);
  await waitFor('the checkpoint write at the gate', () => store.waiting === 1);
  expect(store.waiting).toBe(1);
  const stored = async () => {
    const latest = await store.latest('c');
    return (latest?.checkpoint.snapshot as { context?: { count: number } } | undefined)?.context;
  };
  return { clock, store, system, stored };
}

/** Tracks whether a promise has settled yet. */
function track(promise: Promise<unknown>): { readonly done: boolean } {
  const state = { done: false };
  void promise.then(
    () => (state.done = true),
    () => (state.done = true),
  );
  return state;
}

describe('ActorSystem shutdown and checkpoint writes in flight', () => {
  it('shutdown waits for the checkpoint write in flight, so the last state is stored when it resolves', async () => {
    const { clock, store, system, stored } = await counterWithGatedCheckpoint();
    const shutdown = system.shutdown();
    const progress = track(shutdown);
    await clock.advance(0); // nothing to wait on: the write is held at the gate
    expect(progress.done).toBe(false);
    store.open_();
    await shutdown;
    expect(store.waiting).toBe(0);
    expect(await stored()).toEqual({ count: 5 });
  });

  it('shutdown waits no longer than its timeout for a write that does not end', async () => {
    const { clock, store, system } = await counterWithGatedCheckpoint();
    const progress = track(system.shutdown({ timeoutMs: 1_000 }));
    await clock.advance(999);
    expect(progress.done).toBe(false);
    await clock.advance(1);
    await waitFor('the shutdown resolved', () => progress.done);
    expect(progress.done).toBe(true);
    store.open_();
  });

  it('a graceful stop of one actor waits for its checkpoint write in flight', async () => {
    const { clock, store, system, stored } = await counterWithGatedCheckpoint();
    const stop = system.stopGracefully('c', { timeoutMs: 5_000 });
    const progress = track(stop);
    await clock.advance(0); // nothing to wait on: the write is held at the gate
    expect(progress.done).toBe(false);
    store.open_();
    await expect(stop).resolves.toBe('immediate');
    expect(await stored()).toEqual({ count: 5 });
    await system.shutdown();
  });
});
