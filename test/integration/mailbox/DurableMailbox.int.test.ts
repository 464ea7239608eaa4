import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DurableMailbox,
  StaticShardOwnership,
  createKvShardLeases,
  decodeMailboxDeadLetter,
  encodeEnvelope,
  isRuntimeError,
  mailboxSubjects,
  shardOf,
  systemClock,
  type DeadLetter,
  type MailboxDeadLetter,
  type OwnershipChange,
} from 'agentvisor/internal';
import {
  EscalationService,
  createMemoryEscalationStore,
  escalatePoisonMessages,
  type OpenEscalation,
} from 'agentvisor/supervisors';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { elapse, eventually, idsOf, startNode, type Storage, type TestNode } from './fixtures.js';

let server: NatsServerHandle;
let nc: NatsConnection;
let jsm: JetStreamManager;
let serial = 0;
const nodes: TestNode[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
  jsm = await jetstreamManager(nc);
});

afterEach(async () => {
  for (const node of nodes.splice(0)) await node.kill();
});

afterAll(async () => {
  await nc.close();
  await server.stop();
});

/** A namespace and storage of its own for each test. */
function fresh(): { ns: string; storage: Storage } {
  serial++;
  return {
    ns: `t${String(serial)}`,
    storage: {
      stream: `JNL_${String(serial)}`,
      subjectPrefix: `jnl${String(serial)}`,
      bucket: `ck_${String(serial)}`,
    },
  };
}

/** Short timings so redeliveries and takeovers happen within a test. */
const fast = {
  shards: 2,
  ackWaitMs: 1_000,
  retryDelayMs: 50,
  unknownActorDelayMs: 50,
  leases: { ttlMs: 1_000, renewMs: 250 },
};

async function node(
  ns: string,
  storage: Storage,
  nodeId: string,
  actors: readonly string[],
  extra: { maxDeliver?: number; respawn?: boolean; ackWaitMs?: number } = {},
): Promise<TestNode> {
  const { respawn, ...mailbox } = extra;
  const started = await startNode(server.url, storage, {
    actors,
    mailbox: { ...fast, ...mailbox, namespace: ns, nodeId },
    ...(respawn === undefined ? {} : { respawn }),
  });
  nodes.push(started);
  return started;
}

/** Messages of the namespace's mailbox stream not yet acknowledged (work queue: acked = gone). */
async function stored(ns: string): Promise<number> {
  return (await jsm.streams.info(mailboxSubjects(ns).stream)).state.messages;
}

/** Every record of the namespace's dead-letter stream. */
async function deadLettersOf(ns: string): Promise<MailboxDeadLetter[]> {
  const stream = mailboxSubjects(ns).deadLetterStream;
  const { state } = await jsm.streams.info(stream);
  const out: MailboxDeadLetter[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(stream, { seq });
    if (m !== null) out.push(decodeMailboxDeadLetter(m.data));
  }
  return out;
}

/** Resolves with the next message `name` journals and processes on `n`. */
function nextJournaled(n: TestNode, name: string): Promise<string> {
  return new Promise((resolve) => {
    const sub = n.system.onJournaled((actor, envelope) => {
      if (actor !== name) return;
      sub.dispose();
      resolve(envelope.id);
    });
  });
}

describe('DurableMailbox', () => {
  it('acknowledges a message only after its journal entry is written and it is processed', async () => {
    const { ns, storage } = fresh();
    const n = await node(ns, storage, 'n1', ['a']);
    expect(n.mailbox.ownedShards()).toEqual([0, 1]);
    n.journal.hold();
    const receipt = await n.mailbox.sendReliable('a', 'rec', { n: 1 });
    expect(receipt.shard).toBe(shardOf('a', 2));
    expect(receipt.duplicate).toBe(false);
    await n.journal.untilWaiting();
    // Delivered and held at the journal: not acknowledged, still stored, not processed.
    const consumer = mailboxSubjects(ns).consumer(receipt.shard);
    const pending = await jsm.consumers.info(mailboxSubjects(ns).stream, consumer);
    expect(pending.num_ack_pending).toBe(1);
    expect(await stored(ns)).toBe(1);
    expect(idsOf(n.system, 'a')).toEqual([]);
    const processed = nextJournaled(n, 'a');
    n.journal.release();
    expect(await processed).toBe(receipt.id);
    await eventually(async () => (await stored(ns)) === 0);
    expect(idsOf(n.system, 'a')).toEqual([receipt.id]);
    expect(await n.journal.lastSeq('a')).toBeGreaterThan(0);
  });

  it('drops a re-send of the same id at the stream and processes it once', async () => {
    const { ns, storage } = fresh();
    const n = await node(ns, storage, 'n1', ['a']);
    const envelope = { v: 1 as const, id: 'same-id', type: 'rec', to: 'a', payload: { n: 1 } };
    const first = await n.mailbox.sendEnvelope(envelope);
    const again = await n.mailbox.sendEnvelope(envelope);
    expect(again).toMatchObject({ id: 'same-id', seq: first.seq, duplicate: true });
    await eventually(async () => (await stored(ns)) === 0);
    expect(idsOf(n.system, 'a')).toEqual(['same-id']);
  });

  it('redelivers after the consumer crashed before its ack: processed exactly once', async () => {
    const { ns, storage } = fresh();
    const a = await node(ns, storage, 'A', ['a']);
    // Crash right after the message is journaled and processed, before the ack can leave.
    a.system.onJournaled(() => void a.kill());
    const receipt = await a.mailbox.sendReliable('a', 'rec', { n: 1 });
    await a.nc.closed();
    expect(await stored(ns)).toBe(1);
    const b = await node(ns, storage, 'B', ['a']);
    const duplicates: DeadLetter[] = [];
    b.system.deadLetters.subscribe((d) => {
      if (d.reason === 'duplicate') duplicates.push(d);
    });
    // B takes the shards over once A's leases go stale, restores `a` from the journal, and
    // skips the redelivery as a duplicate (acknowledging it).
    await eventually(async () => (await stored(ns)) === 0);
    expect(idsOf(b.system, 'a')).toEqual([receipt.id]);
    expect(duplicates.map((d) => d.envelope?.id)).toEqual([receipt.id]);
  });

  it('processes a message delivered to a node that crashed before journaling it, once', async () => {
    const { ns, storage } = fresh();
    const a = await node(ns, storage, 'A', ['a']);
    a.journal.hold();
    const receipt = await a.mailbox.sendReliable('a', 'rec', { n: 1 });
    await a.journal.untilWaiting();
    await a.kill();
    const b = await node(ns, storage, 'B', ['a']);
    await eventually(async () => (await stored(ns)) === 0);
    expect(idsOf(b.system, 'a')).toEqual([receipt.id]);
  });

  it('keeps a long-processing message alive with working(): no redelivery past ack_wait', async () => {
    const { ns, storage } = fresh();
    const n = await node(ns, storage, 'n1', ['a'], { ackWaitMs: 500 });
    n.journal.hold();
    const receipt = await n.mailbox.sendReliable('a', 'rec', { n: 1 });
    await n.journal.untilWaiting();
    // Four times ack_wait: without working() the server would have redelivered it.
    await elapse(2_000);
    const info = await jsm.consumers.info(
      mailboxSubjects(ns).stream,
      mailboxSubjects(ns).consumer(receipt.shard),
    );
    expect(info.num_redelivered).toBe(0);
    expect(info.num_ack_pending).toBe(1);
    n.journal.release();
    await eventually(async () => (await stored(ns)) === 0);
    expect(idsOf(n.system, 'a')).toEqual([receipt.id]);
  });

  it('hands its shards and in-progress messages over at once on a graceful stop', async () => {
    const { ns, storage } = fresh();
    // Leases that would take a minute to expire: only the release can explain a quick takeover.
    const slow = { ...fast, namespace: ns, leases: { ttlMs: 60_000, renewMs: 250 } };
    const a = await startNode(server.url, storage, {
      actors: ['a'],
      mailbox: { ...slow, nodeId: 'A' },
    });
    nodes.push(a);
    const b = await startNode(server.url, storage, {
      actors: ['a'],
      mailbox: { ...slow, nodeId: 'B' },
    });
    nodes.push(b);
    expect(a.mailbox.ownedShards()).toEqual([0, 1]);
    expect(b.mailbox.ownedShards()).toEqual([]);
    const first = await a.mailbox.sendReliable('a', 'rec', { n: 1 });
    await eventually(async () => (await stored(ns)) === 0);
    a.journal.hold();
    const second = await a.mailbox.sendReliable('a', 'rec', { n: 2 });
    await a.journal.untilWaiting();
    // A stops while `second` waits at its journal: handed back (nak), shards released.
    await a.stop();
    await eventually(() => b.mailbox.ownedShards().length === 2, 10_000);
    await eventually(async () => (await stored(ns)) === 0, 10_000);
    expect(idsOf(b.system, 'a')).toEqual([first.id, second.id]);
  });

  it('dead-letters a poison message after maxDeliver failures and raises an escalation', async () => {
    const { ns, storage } = fresh();
    const n = await node(ns, storage, 'n1', ['a'], { maxDeliver: 3, respawn: true });
    const poisoned = new Promise<MailboxDeadLetter>((resolve) => {
      n.mailbox.onPoison(resolve);
    });
    // The supervisors' escalation service hears of it through the adapter.
    const escalations = new EscalationService(createMemoryEscalationStore(), {
      clock: systemClock,
    });
    const escalated = new Promise<OpenEscalation>((resolve) => {
      escalatePoisonMessages(n.mailbox, escalations, { onOpened: resolve });
    });
    const bad = await n.mailbox.sendReliable('a', 'boom');
    const letter = await poisoned;
    expect(letter).toMatchObject({ reason: 'poison', actor: 'a', deliveries: 3, node: 'n1' });
    expect(letter.error.code).toBe('ERR_POISON_MESSAGE');
    expect(letter.error.cause?.message).toBe('boom');
    expect(letter.envelope?.id).toBe(bad.id);
    const record = await escalated;
    expect(record).toMatchObject({
      status: 'open',
      failureClass: 'poison',
      child: { name: 'a' },
      failedMessage: { id: bad.id },
      defaultDecision: 'stop',
    });
    expect(record.errorChain.map((e) => e.code)).toEqual(['ERR_POISON_MESSAGE', 'ERR_UNKNOWN']);
    expect((await escalations.list({ status: 'open' })).map((e) => e.id)).toEqual([record.id]);
    escalations.dispose();
    await eventually(async () => (await stored(ns)) === 0);
    const stream = await deadLettersOf(ns);
    expect(stream.map((d) => [d.reason, d.envelope?.id, d.error.code])).toEqual([
      ['poison', bad.id, 'ERR_POISON_MESSAGE'],
    ]);
    // The actor lives on (restarted): the next message is processed.
    const good = await n.mailbox.sendReliable('a', 'rec', { n: 2 });
    await eventually(() => n.system.isDurable('a') && idsOf(n.system, 'a').includes(good.id));
  });

  it('dead-letters a message failing a different way each time as exhausted, escalating nothing', async () => {
    const { ns, storage } = fresh();
    const n = await node(ns, storage, 'n1', ['a'], { maxDeliver: 3, respawn: true });
    const poisoned: MailboxDeadLetter[] = [];
    n.mailbox.onPoison((d) => poisoned.push(d));
    const letter = new Promise<MailboxDeadLetter>((resolve) => {
      n.mailbox.onDeadLetter(resolve);
    });
    const flaky = await n.mailbox.sendReliable('a', 'flaky');
    expect(await letter).toMatchObject({ reason: 'exhausted', actor: 'a', deliveries: 3 });
    const { error } = await letter;
    expect(error.code).toBe('ERR_DELIVERY_EXHAUSTED');
    expect(error.details?.['failures']).toEqual([
      'TypeError: socket hang up',
      'RangeError: quota window exceeded',
    ]);
    expect(poisoned).toEqual([]);
    await eventually(async () => (await stored(ns)) === 0);
    const stream = await deadLettersOf(ns);
    expect(stream.map((d) => [d.reason, d.envelope?.id])).toEqual([['exhausted', flaky.id]]);
  });

  it('dead-letters malformed bytes and misaddressed envelopes, acked, nothing thrown', async () => {
    const { ns, storage } = fresh();
    const n = await node(ns, storage, 'n1', ['a']);
    const letters: MailboxDeadLetter[] = [];
    n.mailbox.onDeadLetter((d) => letters.push(d));
    const subjects = mailboxSubjects(ns);
    const js = jetstream(nc);
    await js.publish(subjects.message(shardOf('a', 2), 'a'), new Uint8Array([0xc1, 0xff, 0x00]));
    const stray = encodeEnvelope({ v: 1, id: 'x1', type: 'rec', to: 'b', payload: { n: 1 } });
    if (!stray.ok) throw stray.error;
    await js.publish(subjects.message(shardOf('a', 2), 'a'), stray.value);
    await eventually(async () => (await stored(ns)) === 0);
    expect(letters.map((d) => [d.reason, d.error.code])).toEqual([
      ['malformed', 'ERR_MALFORMED_MESSAGE'],
      ['malformed', 'ERR_INVALID_MESSAGE'],
    ]);
    expect([...(letters[0]?.bytes ?? [])]).toEqual([0xc1, 0xff, 0x00]);
    expect((await deadLettersOf(ns)).length).toBe(2);
    // The consumer carries on.
    const ok = await n.mailbox.sendReliable('a', 'rec', { n: 1 });
    await eventually(() => idsOf(n.system, 'a').includes(ok.id));
  });

  it('keeps a message for an unknown actor, then dead-letters it with ERR_ACTOR_NOT_FOUND', async () => {
    const { ns, storage } = fresh();
    const n = await node(ns, storage, 'n1', ['a'], { maxDeliver: 3 });
    const letters: MailboxDeadLetter[] = [];
    n.mailbox.onDeadLetter((d) => letters.push(d));
    const lost = await n.mailbox.sendReliable('nobody', 'rec', { n: 1 });
    await eventually(() => letters.length === 1);
    expect(letters[0]).toMatchObject({ reason: 'unknown-actor', actor: 'nobody', deliveries: 3 });
    expect(letters[0]?.error.code).toBe('ERR_ACTOR_NOT_FOUND');
    expect(letters[0]?.envelope?.id).toBe(lost.id);
  });

  it('delivers to an actor placed after its first delivery found none', async () => {
    const { ns, storage } = fresh();
    const n = await node(ns, storage, 'n1', ['a'], { maxDeliver: 100 });
    const later = await n.mailbox.sendReliable('late', 'rec', { n: 1 });
    await eventually(async () => {
      const c = await jsm.consumers.info(
        mailboxSubjects(ns).stream,
        mailboxSubjects(ns).consumer(later.shard),
      );
      return c.num_redelivered > 0;
    });
    const { JetStreamCheckpointStore, JetStreamJournal } = await import('agentvisor');
    const persistence = {
      store: await JetStreamCheckpointStore.open(n.nc, { bucket: storage.bucket }),
      journal: await JetStreamJournal.open(n.nc, {
        stream: storage.stream,
        subjectPrefix: storage.subjectPrefix,
      }),
      machineId: 'recorder',
      machineVersion: 1,
    };
    const { recorderMachine } = await import('./fixtures.js');
    await n.system.spawnDurable('late', recorderMachine, { persistence });
    await eventually(async () => (await stored(ns)) === 0);
    expect(idsOf(n.system, 'late')).toEqual([later.id]);
  });

  it('dead-letters a message whose last delivery ended without a verdict (consumer crashed)', async () => {
    const { ns, storage } = fresh();
    // W owns no shard but hears MAX_DELIVERIES advisories with the rest of the namespace.
    const w = await startNode(server.url, storage, {
      actors: [],
      mailbox: { ...fast, namespace: ns, nodeId: 'W', maxDeliver: 1 },
      ownership: new StaticShardOwnership([]),
    });
    nodes.push(w);
    const letters: MailboxDeadLetter[] = [];
    w.mailbox.onDeadLetter((d) => letters.push(d));
    const a = await node(ns, storage, 'A', ['a'], { maxDeliver: 1 });
    a.journal.hold();
    const receipt = await a.mailbox.sendReliable('a', 'rec', { n: 1 });
    await a.journal.untilWaiting();
    await a.kill(); // its only delivery ends with no ack and no nak
    await eventually(() => letters.length === 1);
    expect(letters[0]).toMatchObject({ reason: 'exhausted', actor: 'a', deliveries: 1, node: 'W' });
    expect(letters[0]?.error.code).toBe('ERR_DELIVERY_EXHAUSTED');
    expect(letters[0]?.envelope?.id).toBe(receipt.id);
    // Moved, not copied: the work-queue stream no longer holds it.
    await eventually(async () => (await stored(ns)) === 0);
    expect((await deadLettersOf(ns)).map((d) => d.reason)).toEqual(['exhausted']);
  });

  it('refuses bad sends with stable codes', async () => {
    const { ns } = fresh();
    const mailbox = await DurableMailbox.open(nc, { namespace: ns, maxMessageBytes: 1_000 });
    const tooLarge = await mailbox
      .sendReliable('a', 'rec', 'x'.repeat(2_000))
      .catch((e: unknown) => e);
    expect(isRuntimeError(tooLarge, 'ERR_MESSAGE_TOO_LARGE')).toBe(true);
    const invalid = await mailbox.sendReliable('', 'rec').catch((e: unknown) => e);
    expect(isRuntimeError(invalid, 'ERR_INVALID_MESSAGE')).toBe(true);
    const aborted = await mailbox
      .sendReliable('a', 'rec', 1, { signal: AbortSignal.abort(new Error('gone')) })
      .catch((e: unknown) => e);
    expect((aborted as Error).message).toBe('gone');
    await mailbox.stop();
    const closed = await mailbox.sendReliable('a', 'rec').catch((e: unknown) => e);
    expect(isRuntimeError(closed, 'ERR_CLOSED')).toBe(true);
    const bad = await DurableMailbox.open(nc, { shards: 0 }).catch((e: unknown) => e);
    expect(isRuntimeError(bad, 'ERR_INVALID_OPTIONS')).toBe(true);
  });
});

describe('KvShardLeases', () => {
  const leases = (conn: NatsConnection, nodeId: string, ns: string) =>
    createKvShardLeases(conn, { nodeId, namespace: ns, shards: 2, ttlMs: 600, renewMs: 150 });

  it('hands the shards of a holder that stops renewing to a contender, with a higher epoch', async () => {
    const { ns } = fresh();
    const ncA = await connect({ servers: server.url, reconnect: false });
    const ncB = await connect({ servers: server.url });
    const a = leases(ncA, 'A', ns);
    const b = leases(ncB, 'B', ns);
    const changesA: OwnershipChange[] = [];
    const changesB: OwnershipChange[] = [];
    try {
      await a.start((c) => changesA.push(c));
      await b.start((c) => changesB.push(c));
      expect([...a.owned()]).toEqual([
        [0, 1],
        [1, 1],
      ]);
      expect(b.owned().size).toBe(0);
      // A stops renewing (its connection dies); B waits out the TTL, then takes over.
      await ncA.close();
      await eventually(() => b.owned().size === 2);
      expect([...b.owned()]).toEqual([
        [0, 2],
        [1, 2],
      ]);
      await eventually(() => a.owned().size === 0);
      expect(
        changesA
          .filter((c) => c.type === 'lost')
          .map((c) => c.shard)
          .sort(),
      ).toEqual([0, 1]);
      expect(changesB.every((c) => c.type === 'acquired' && c.epoch === 2)).toBe(true);
    } finally {
      await a.stop();
      await b.stop();
      await ncB.close();
    }
  });

  it('lets a contender take released shards at once', async () => {
    const { ns } = fresh();
    const ncB = await connect({ servers: server.url });
    const a = createKvShardLeases(nc, {
      nodeId: 'A',
      namespace: ns,
      shards: 2,
      ttlMs: 60_000,
      renewMs: 100,
    });
    const b = createKvShardLeases(ncB, {
      nodeId: 'B',
      namespace: ns,
      shards: 2,
      ttlMs: 60_000,
      renewMs: 100,
    });
    try {
      await a.start(() => undefined);
      await b.start(() => undefined);
      expect(b.owned().size).toBe(0);
      await a.stop();
      // Far below the 60 s TTL: a release needs no expiry.
      await eventually(() => b.owned().size === 2, 5_000);
      expect([...b.owned().values()]).toEqual([2, 2]);
    } finally {
      await b.stop();
      await ncB.close();
    }
  });

  it('refuses invalid options', () => {
    let error: unknown;
    try {
      createKvShardLeases(nc, { nodeId: 'A', ttlMs: 100, renewMs: 100 });
    } catch (e) {
      error = e;
    }
    expect(isRuntimeError(error, 'ERR_INVALID_OPTIONS')).toBe(true);
  });
});
