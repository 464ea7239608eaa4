import { describe, expect, it } from 'vitest';
import {
  MemoryCheckpointStore,
  MemoryJournal,
  RuntimeError,
  createActorSystem,
  forkCheckpoint,
  isRuntimeError,
  readTrace,
  type ActorTemplate,
  type DeadLetter,
  type PersistenceOptions,
} from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { counterMachine } from './fixtures.js';

function stores() {
  return { store: new MemoryCheckpointStore(), journal: new MemoryJournal() };
}

function persistence(
  s: ReturnType<typeof stores>,
  extra: Partial<PersistenceOptions> = {},
): PersistenceOptions {
  return { ...s, machineId: 'counter', machineVersion: 1, ...extra };
}

/** A "process": its own system on the shared stores; crash = drop it without shutdown. */
function processOn(clock = new TestClock()) {
  const system = createActorSystem({}, { clock });
  const deadLetters: DeadLetter[] = [];
  system.deadLetters.subscribe((d) => deadLetters.push(d));
  return { system, deadLetters, clock };
}

describe('durable actors', () => {
  it('journals messages, checkpoints, and resumes where it was after a crash', async () => {
    const s = stores();
    const a = processOn();
    await a.system.spawnDurable('c', counterMachine, {
      persistence: persistence(s, { policy: { everySteps: 3 } }),
    });
    for (let i = 1; i <= 5; i++) a.system.tell('c', 'inc', { by: i });
    await expect(a.system.ask('c', 'get')).resolves.toBe(15);
    await a.system.settled();
    const ckpts = await s.store.list('c');
    expect(ckpts.length).toBeGreaterThan(0);
    expect(await s.journal.lastSeq('c')).toBe(6);
    // Crash: process A is gone without a shutdown; process B recovers from the stores.
    const b = processOn();
    await b.system.spawnDurable('c', counterMachine, { persistence: persistence(s) });
    await expect(b.system.ask('c', 'get')).resolves.toBe(15);
    await b.system.shutdown();
  });

  it('replays the journal after the newest checkpoint without answering again', async () => {
    const s = stores();
    const a = processOn();
    // Never checkpoints on its own: recovery is the journal alone.
    await a.system.spawnDurable('c', counterMachine, {
      persistence: persistence(s, { policy: { everySteps: 1_000_000, onSettled: false } }),
    });
    a.system.tell('c', 'inc', { by: 2 });
    await expect(a.system.ask('c', 'get')).resolves.toBe(2);
    a.system.tell('c', 'inc', { by: 3 });
    await a.system.settled();
    expect(await s.store.list('c')).toEqual([]);
    const b = processOn();
    const replies: unknown[] = [];
    b.system.onMessage((_actor, e) => replies.push(e.type));
    await b.system.spawnDurable('c', counterMachine, { persistence: persistence(s) });
    expect(replies).toEqual([]); // replayed, not delivered anew
    await expect(b.system.ask('c', 'get')).resolves.toBe(5);
    await b.system.shutdown();
  });

  it('does not process a message id twice', async () => {
    const s = stores();
    const { system, deadLetters } = processOn();
    await system.spawnDurable('c', counterMachine, { persistence: persistence(s) });
    const envelope = { v: 1 as const, id: 'fixed-id-1', type: 'inc', to: 'c', payload: { by: 7 } };
    const { encodeEnvelope } = await import('agentvisor/internal');
    const bytes = encodeEnvelope(envelope);
    if (!bytes.ok) throw bytes.error;
    system.receiveBytes('c', bytes.value);
    system.receiveBytes('c', bytes.value); // redelivered
    await expect(system.ask('c', 'get')).resolves.toBe(7);
    expect(deadLetters.map((d) => [d.reason, d.error.code])).toEqual([
      ['duplicate', 'ERR_DUPLICATE_MESSAGE'],
    ]);
    await system.shutdown();
  });

  it('refuses a checkpoint of another machine version, or migrates it when declared', async () => {
    const s = stores();
    const a = processOn();
    await a.system.spawnDurable('c', counterMachine, { persistence: persistence(s) });
    a.system.tell('c', 'inc', { by: 4 });
    await a.system.checkpoint('c');
    const b = processOn();
    const refused = await b.system
      .spawnDurable('c', counterMachine, { persistence: persistence(s, { machineVersion: 2 }) })
      .catch((e: unknown) => e);
    expect(isRuntimeError(refused, 'ERR_CHECKPOINT_VERSION')).toBe(true);
    await b.system.spawnDurable('c', counterMachine, {
      persistence: persistence(s, {
        machineVersion: 2,
        migrate: (ckpt) => {
          const snap = ckpt.snapshot as { context: { count: number } };
          return { ...snap, context: { count: snap.context.count * 10 } };
        },
      }),
    });
    await expect(b.system.ask('c', 'get')).resolves.toBe(40);
    await b.system.shutdown();
  });

  it('fences a stale writer: the old owner fails instead of corrupting the journal', async () => {
    const s = stores();
    const a = processOn();
    await a.system.spawnDurable('c', counterMachine, { persistence: persistence(s) });
    a.system.tell('c', 'inc', { by: 1 });
    await a.system.settled();
    // Failover: B takes the actor over while A still runs (a zombie).
    const b = processOn();
    await b.system.spawnDurable('c', counterMachine, { persistence: persistence(s) });
    b.system.tell('c', 'inc', { by: 10 });
    await b.system.settled();
    a.system.tell('c', 'inc', { by: 100 });
    await a.system.settled();
    const zombie = a.system.describe('c');
    expect(zombie?.status).toBe('failed');
    expect(isRuntimeError(zombie?.error, 'ERR_PERSISTENCE_CONFLICT')).toBe(true);
    await expect(b.system.ask('c', 'get')).resolves.toBe(11);
    await b.system.shutdown();
    await a.system.shutdown();
  });

  it('rejects an explicit checkpoint that another writer refused, instead of resolving', async () => {
    const s = stores();
    const a = processOn();
    await a.system.spawnDurable('c', counterMachine, { persistence: persistence(s) });
    a.system.tell('c', 'inc', { by: 1 });
    await expect(a.system.checkpoint('c')).resolves.toBeGreaterThan(0);
    // B takes the actor over and checkpoints: A's next checkpoint is a stale write.
    const b = processOn();
    await b.system.spawnDurable('c', counterMachine, { persistence: persistence(s) });
    await b.system.checkpoint('c');
    const refused = await a.system.checkpoint('c').catch((e: unknown) => e);
    expect(isRuntimeError(refused, 'ERR_PERSISTENCE_CONFLICT')).toBe(true);
    expect(a.system.describe('c')?.status).toBe('failed');
    // The fenced writer wrote nothing on failing: the new owner's first append goes through.
    b.system.tell('c', 'inc', { by: 10 });
    await expect(b.system.ask('c', 'get')).resolves.toBe(11);
    await b.system.shutdown();
    await a.system.shutdown();
  });

  it('a checkpoint write that fails blames no message: the next incarnation replays it', async () => {
    const s = stores();
    const a = processOn();
    await a.system.spawnDurable('c', counterMachine, { persistence: persistence(s) });
    await a.system.checkpoint('c');
    a.system.tell('c', 'inc', { by: 7 });
    await a.system.settled();
    expect(a.system.describe('c')?.processed).toBe(1);
    // The store goes away for one write: the checkpoint fails, and so does the incarnation.
    const put = s.store.put.bind(s.store);
    s.store.put = () => {
      s.store.put = put;
      return Promise.reject(new RuntimeError('ERR_STORE_UNAVAILABLE', 'store out of reach'));
    };
    const failed = await a.system.checkpoint('c').catch((e: unknown) => e);
    expect(isRuntimeError(failed, 'ERR_STORE_UNAVAILABLE')).toBe(true);
    expect(a.system.describe('c')?.status).toBe('failed');
    // Recovery elsewhere replays the journaled `inc` (it was not marked as the failed message).
    const b = processOn();
    await b.system.spawnDurable('c', counterMachine, { persistence: persistence(s) });
    await expect(b.system.ask('c', 'get')).resolves.toBe(7);
    await b.system.shutdown();
    await a.system.shutdown();
  });

  it("takes a template's checkpoint policy unless the caller names one", async () => {
    const template: ActorTemplate = {
      version: 1,
      checkpoint: { keep: 1 },
      createLogic: () => counterMachine,
    };
    const s = stores();
    const { system } = processOn();
    await system.spawnDurable('t', template, { persistence: persistence(s) });
    await system.spawnDurable('e', template, {
      persistence: persistence(s, { policy: { keep: 5 } }),
    });
    for (let i = 1; i <= 6; i++) {
      for (const name of ['t', 'e']) {
        system.tell(name, 'inc', { by: 1 });
        await expect(system.ask(name, 'get')).resolves.toBe(i);
        await system.checkpoint(name);
      }
    }
    // The template keeps one checkpoint; the caller's own policy keeps five.
    expect(await s.store.list('t')).toHaveLength(1);
    expect(await s.store.list('e')).toHaveLength(5);
    await system.shutdown();
  });

  it('forks a new actor from a retained checkpoint with an edited context, leaving the original', async () => {
    const s = stores();
    const { system } = processOn();
    await system.spawnDurable('c', counterMachine, { persistence: persistence(s) });
    system.tell('c', 'inc', { by: 5 });
    await system.checkpoint('c');
    const checkpoint = await forkCheckpoint(s.store, 'c', { context: { count: 500 } });
    await system.spawnDurable('c-fork', counterMachine, {
      persistence: persistence(s, { from: { checkpoint } }),
    });
    system.tell('c-fork', 'inc', { by: 1 });
    await expect(system.ask('c-fork', 'get')).resolves.toBe(501);
    await expect(system.ask('c', 'get')).resolves.toBe(5);
    const trace = await readTrace(s.journal, 'c');
    expect(trace.map((t) => t.summary)).toEqual([
      'received inc: {"by":5}',
      'received get: undefined',
    ]);
    await system.shutdown();
  });
});
