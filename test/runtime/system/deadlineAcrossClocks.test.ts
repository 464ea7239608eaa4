import { fc, it as prop } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  MemoryCheckpointStore,
  MemoryJournal,
  createActorSystem,
  encodeEnvelope,
  type ActorSystem,
  type DeadLetter,
  type Envelope,
} from 'agentvisor/internal';
import { TestClock } from 'agentvisor/testing';
import { counterMachine } from './fixtures.js';

const BASE_WALL = 1_700_000_000_000;

interface Pair {
  readonly senderClock: TestClock;
  readonly receiverClock: TestClock;
  readonly sender: ActorSystem;
  readonly receiver: ActorSystem;
  readonly expired: DeadLetter[];
  /** Moves both monotonic clocks forward together. */
  advance(ms: number): Promise<void>;
}

/**
 * Two systems, as two machines: wall clocks `skewMs` apart, monotonic clocks in step. What the
 * sender sends to `wire` on its own transport is encoded and handed to the receiver as bytes (as
 * off the network), where actor `c` takes it.
 */
function pair(skewMs: number): Pair {
  const senderClock = new TestClock(BASE_WALL);
  const receiverClock = new TestClock(BASE_WALL + skewMs);
  const sender = createActorSystem({ namespace: 'n' }, { clock: senderClock });
  const receiver = createActorSystem({ namespace: 'n' }, { clock: receiverClock });
  receiver.spawn('c', counterMachine);
  const expired: DeadLetter[] = [];
  receiver.deadLetters.subscribe((l) => {
    if (l.reason === 'expired') expired.push(l);
  });
  sender.transport.subscribe(sender.subjects.actor('wire'), (envelope: Envelope) => {
    const bytes = encodeEnvelope({ ...envelope, to: 'c' });
    if (!bytes.ok) throw bytes.error;
    receiver.receiveBytes('c', bytes.value);
  });
  return {
    senderClock,
    receiverClock,
    sender,
    receiver,
    expired,
    advance: async (ms) => {
      await Promise.all([senderClock.advance(ms), receiverClock.advance(ms)]);
    },
  };
}

/** Sends `inc` with budget `budgetMs`; the receiver's actor takes it `elapsedMs` later. */
async function sendAndTakeLater(p: Pair, budgetMs: number, elapsedMs: number): Promise<boolean> {
  // The receiver holds the name (as while a supervisor restarts it) so the message waits.
  p.receiver.stop('c', 'normal', { hold: { capacity: 10 } });
  p.sender.tell('wire', 'inc', undefined, { deadline: p.senderClock.now() + budgetMs });
  await p.advance(elapsedMs);
  p.receiver.spawn('c', counterMachine);
  const count = await p.receiver.ask('c', 'get');
  const isExpired = p.expired.length === 1;
  expect(count).toBe(isExpired ? 0 : 1);
  return isExpired;
}

describe('deadlines across clocks', () => {
  it('does not expire a message early on a node whose wall clock is 2 s fast', async () => {
    const p = pair(2_000);
    await expect(sendAndTakeLater(p, 1_000, 500)).resolves.toBe(false);
    await Promise.all([p.sender.shutdown(), p.receiver.shutdown()]);
  });

  it('expires a message on a node whose wall clock is 2 s slow once its budget is spent', async () => {
    const p = pair(-2_000);
    await expect(sendAndTakeLater(p, 1_000, 1_001)).resolves.toBe(true);
    await Promise.all([p.sender.shutdown(), p.receiver.shutdown()]);
  });

  it('sends the remaining budget on the wire', async () => {
    const p = pair(0);
    let seen: Envelope | undefined;
    p.sender.transport.subscribe(p.sender.subjects.actor('spy'), (e) => (seen = e));
    p.sender.tell('spy', 'inc', undefined, { deadline: p.senderClock.now() + 750 });
    expect(seen?.budgetMs).toBe(750);
    await Promise.all([p.sender.shutdown(), p.receiver.shutdown()]);
  });

  it('still reads an old envelope that carries only a wall deadline, as before', async () => {
    const clock = new TestClock(BASE_WALL);
    const system = createActorSystem({ namespace: 'n' }, { clock });
    system.spawn('c', counterMachine);
    const old = (id: string, deadline: number) => {
      const r = encodeEnvelope({ v: 1, id, type: 'inc', to: 'c', deadline, payload: null });
      if (!r.ok) throw r.error;
      return r.value;
    };
    const expired: DeadLetter[] = [];
    system.deadLetters.subscribe((l) => expired.push(l));
    system.receiveBytes('c', old('late', BASE_WALL - 1));
    system.receiveBytes('c', old('on-time', BASE_WALL + 1_000));
    await expect(system.ask('c', 'get')).resolves.toBe(1);
    expect(expired.map((l) => [l.reason, l.envelope?.id])).toStrictEqual([['expired', 'late']]);
    await system.shutdown();
  });

  prop.prop(
    [
      fc.integer({ min: -3_600_000, max: 3_600_000 }),
      fc.integer({ min: 1, max: 60_000 }),
      fc.integer({ min: 0, max: 120_000 }),
    ],
    { numRuns: 200 },
  )(
    'a message with budget B expires on the receiver iff more than B ms passed, whatever the skew',
    async (skewMs, budgetMs, elapsedMs) => {
      const p = pair(skewMs);
      try {
        expect(await sendAndTakeLater(p, budgetMs, elapsedMs)).toBe(elapsedMs > budgetMs);
      } finally {
        await Promise.all([p.sender.shutdown(), p.receiver.shutdown()]);
      }
    },
  );
});

describe('deadlines of journaled messages', () => {
  it('replays a journaled message whose deadline has passed (it was admitted in time), with the deadline it was given, not a fresh budget', async () => {
    const stores = { store: new MemoryCheckpointStore(), journal: new MemoryJournal() };
    const persistence = { ...stores, machineId: 'counter', machineVersion: 1 };
    const clockA = new TestClock(BASE_WALL);
    const a = createActorSystem({ namespace: 'n' }, { clock: clockA });
    await a.spawnDurable('c', counterMachine, { persistence });
    a.tell('c', 'inc', { by: 3 }, { deadline: clockA.now() + 1_000 });
    await expect(a.ask('c', 'get')).resolves.toBe(3);
    const [entry] = await stores.journal.read('c', 0);
    const journaled = entry?.event.data as Envelope | undefined;
    expect(journaled?.budgetMs).toBe(1_000);
    expect(journaled?.deadline).toBe(BASE_WALL + 1_000);
    // A restart an hour later, on another node whose wall clock is 2 s fast.
    const clockB = new TestClock(BASE_WALL + 3_600_000 + 2_000);
    const b = createActorSystem({ namespace: 'n' }, { clock: clockB });
    const expired: DeadLetter[] = [];
    b.deadLetters.subscribe((l) => {
      if (l.reason === 'expired') expired.push(l);
    });
    await b.spawnDurable('c', counterMachine, { persistence });
    await expect(b.ask('c', 'get')).resolves.toBe(3);
    expect(expired).toHaveLength(0);
    await Promise.all([a.shutdown(), b.shutdown()]);
  });
});

describe('deadlines of stored messages', () => {
  it('judges a message from a store by its wall deadline: a redelivery gets no fresh budget', async () => {
    const clock = new TestClock(BASE_WALL);
    const system = createActorSystem({ namespace: 'n' }, { clock });
    system.spawn('c', counterMachine);
    const expired: DeadLetter[] = [];
    system.deadLetters.subscribe((l) => {
      if (l.reason === 'expired') expired.push(l);
    });
    // Sent with 10 s left an hour ago, redelivered now by a durable mailbox.
    const base = { v: 1, type: 'inc', to: 'c', payload: null, budgetMs: 10_000 } as const;
    system.deliver({ ...base, id: 'stale', deadline: BASE_WALL - 3_590_000 });
    system.deliver({ ...base, id: 'fresh', deadline: BASE_WALL + 5_000 });
    await expect(system.ask('c', 'get')).resolves.toBe(1);
    expect(expired.map((l) => l.envelope?.id)).toStrictEqual(['stale']);
    await system.shutdown();
  });
});
