import { createHash, randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DEAD_LETTER_PREFIX_BYTES,
  JetStreamCheckpointStore,
  JetStreamJournal,
  NatsTransport,
  createActorSystem,
  decodeMailboxDeadLetter,
  isRuntimeError,
  mailboxSubjects,
  shardOf,
  type ActorSystem,
  type ActorTemplate,
  type DeadLetter,
  type MailboxDeadLetter,
} from 'agentvisor/internal';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { counterMachine } from '../../runtime/system/fixtures.js';
import { deepEnvelopeBytes, failureMarks } from '../../runtime/system/admissionFixtures.js';
import { eventually, idsOf, startNode, type Storage, type TestNode } from './fixtures.js';

let server: NatsServerHandle;
let nc: NatsConnection;
let jsm: JetStreamManager;
let serial = 0;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
  jsm = await jetstreamManager(nc);
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await nc.close();
  await server.stop();
});

function fresh(): { ns: string; storage: Storage } {
  serial++;
  return {
    ns: `adm${String(serial)}`,
    storage: {
      stream: `ADM_${String(serial)}`,
      subjectPrefix: `adm${String(serial)}`,
      bucket: `adm_${String(serial)}`,
    },
  };
}

/** `respawn`: a failed actor is started again at once, as a supervisor would. */
async function node(ns: string, storage: Storage, nodeId: string): Promise<TestNode> {
  const started = await startNode(server.url, storage, {
    actors: ['a'],
    respawn: true,
    mailbox: {
      shards: 2,
      ackWaitMs: 1_000,
      retryDelayMs: 50,
      unknownActorDelayMs: 50,
      leases: { ttlMs: 1_000, renewMs: 250 },
      namespace: ns,
      nodeId,
    },
  });
  cleanups.push(() => started.kill());
  return started;
}

/** Messages of the namespace's mailbox stream not yet acknowledged (work queue: acked = gone). */
async function stored(ns: string): Promise<number> {
  return (await jsm.streams.info(mailboxSubjects(ns).stream)).state.messages;
}

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

describe('admission through a durable mailbox and a JetStream journal', () => {
  it('refuses a message over the journal record at admission: the 3 acknowledged ones stay', async () => {
    const { ns, storage } = fresh();
    const n1 = await node(ns, storage, 'n1');
    const letters: MailboxDeadLetter[] = [];
    n1.mailbox.onDeadLetter((d) => letters.push(d));
    const sent = [];
    for (let i = 0; i < 3; i++) sent.push((await n1.mailbox.sendReliable('a', 'rec', { n: i })).id);
    await eventually(() => idsOf(n1.system, 'a').length === 3);
    await eventually(async () => (await stored(ns)) === 0);
    // Under max_payload and the transport's 1 MiB, over the journal's 1,000,000.
    const big = await n1.mailbox.sendReliable('a', 'rec', { n: 4, blob: 'x'.repeat(1_010_000) });
    await eventually(() => letters.length === 1);
    await eventually(async () => (await stored(ns)) === 0);
    // No failure note blames anything, the 3 acknowledged messages are all in the state.
    expect(await failureMarks(n1.journal, 'a')).toEqual([]);
    expect(idsOf(n1.system, 'a')).toEqual(sent);
    expect(letters.map((d) => [d.reason, d.error.code, d.envelope?.id])).toEqual([
      ['refused', 'ERR_MESSAGE_TOO_LARGE', big.id],
    ]);
    expect(n1.system.describe('a')).toMatchObject({ status: 'running', incarnation: 1 });
    // A new owner recovers the same 3.
    await n1.stop();
    const n2 = await node(ns, storage, 'n2');
    await eventually(() => n2.system.describe('a')?.status === 'running');
    expect(idsOf(n2.system, 'a')).toEqual(sent);
    const after = await n2.mailbox.sendReliable('a', 'rec', { n: 5 });
    await eventually(() => idsOf(n2.system, 'a').length === 4);
    expect(idsOf(n2.system, 'a')).toEqual([...sent, after.id]);
  });

  it('dead-letters 1 MiB of garbage cut to its size, hash and first bytes, and removes it from the queue', async () => {
    const { ns, storage } = fresh();
    const n1 = await node(ns, storage, 'n1');
    const letters: MailboxDeadLetter[] = [];
    n1.mailbox.onDeadLetter((d) => letters.push(d));
    const garbage = randomBytes(1_048_376);
    garbage[0] = 0xc1; // never used in MessagePack: it cannot decode
    const js = jetstream(nc);
    await js.publish(mailboxSubjects(ns).message(shardOf('a', 2), 'a'), garbage);
    await eventually(async () => (await stored(ns)) === 0);
    const [letter] = await deadLettersOf(ns);
    expect(letter).toMatchObject({
      reason: 'malformed',
      actor: 'a',
      cut: true,
      size: 1_048_376,
      sha256: createHash('sha256').update(garbage).digest('hex'),
    });
    expect(letter?.error.code).toBe('ERR_MALFORMED_MESSAGE');
    expect(
      Buffer.from(letter?.bytes ?? []).equals(garbage.subarray(0, DEAD_LETTER_PREFIX_BYTES)),
    ).toBe(true);
    expect(letters.map((d) => [d.reason, d.cut])).toEqual([['malformed', true]]);
    // The consumer carries on.
    const ok = await n1.mailbox.sendReliable('a', 'rec', { n: 1 });
    await eventually(() => idsOf(n1.system, 'a').includes(ok.id));
  });

  it('keeps a refused message whose envelope nearly fills max_payload: cut, not retried for ever', async () => {
    const { ns, storage } = fresh();
    const n1 = await node(ns, storage, 'n1');
    const big = await n1.mailbox.sendReliable('a', 'rec', { n: 1, blob: 'y'.repeat(1_048_000) });
    await eventually(async () => (await stored(ns)) === 0);
    const [letter] = await deadLettersOf(ns);
    expect(letter).toMatchObject({ reason: 'refused', cut: true });
    expect(letter?.error.code).toBe('ERR_MESSAGE_TOO_LARGE');
    expect(letter?.envelope).toMatchObject({ id: big.id, type: 'rec', to: 'a' });
    expect(letter?.envelope?.payload).toBeUndefined();
    expect(letter?.size).toBeGreaterThan(1_048_000);
  });
});

describe('admission over a NATS transport', () => {
  /** An agent with a recursive payload schema, as a durable actor on a JetStream journal. */
  const recursive: ActorTemplate = {
    accepts: { inc: z.json(), get: z.unknown() },
    createLogic: () => counterMachine,
  };

  async function host(): Promise<{ system: ActorSystem; deadLetters: DeadLetter[] }> {
    const { ns, storage } = fresh();
    const transport = await NatsTransport.connect({ servers: server.url });
    const system = createActorSystem({ namespace: ns }, { transport });
    cleanups.push(async () => {
      await system.shutdown();
      await transport.close();
    });
    const deadLetters: DeadLetter[] = [];
    system.deadLetters.subscribe((d) => deadLetters.push(d));
    const journal = await JetStreamJournal.open(transport.connection, {
      stream: storage.stream,
      subjectPrefix: storage.subjectPrefix,
    });
    const store = await JetStreamCheckpointStore.open(transport.connection, {
      bucket: storage.bucket,
    });
    cleanups.push(() => journal.close());
    await system.spawnDurable('r', recursive, {
      persistence: { store, journal, machineId: 'counter', machineVersion: 1 },
    });
    system.spawn('plain', recursive);
    await transport.connection.flush();
    return { system, deadLetters };
  }

  async function client(ns: string): Promise<ActorSystem> {
    const transport = await NatsTransport.connect({ servers: server.url });
    const system = createActorSystem({ namespace: ns }, { transport });
    cleanups.push(async () => {
      await system.shutdown();
      await transport.close();
    });
    return system;
  }

  it('answers an oversized ask with ERR_MESSAGE_TOO_LARGE and keeps its state', async () => {
    const { system } = await host();
    const asker = await client(system.namespace);
    asker.tell('r', 'inc', { by: 2 });
    await expect(asker.ask('r', 'get', null, { timeoutMs: 5_000 })).resolves.toBe(2);
    const refused = await asker
      .ask('r', 'inc', { blob: 'x'.repeat(1_010_000) }, { timeoutMs: 5_000 })
      .catch((e: unknown) => e);
    expect(isRuntimeError(refused, 'ERR_MESSAGE_TOO_LARGE')).toBe(true);
    await expect(asker.ask('r', 'get', null, { timeoutMs: 5_000 })).resolves.toBe(2);
  });

  it('stays alive and answering after a 2,500-deep payload on an actor subject', async () => {
    const { system, deadLetters } = await host();
    for (const to of ['r', 'plain']) {
      nc.publish(system.subjects.actor(to), deepEnvelopeBytes(to, 2_500));
    }
    await nc.flush();
    await eventually(() => deadLetters.length === 2);
    expect(deadLetters.map((d) => [d.reason, d.error.code])).toEqual([
      ['malformed-message', 'ERR_MALFORMED_MESSAGE'],
      ['malformed-message', 'ERR_MALFORMED_MESSAGE'],
    ]);
    const asker = await client(system.namespace);
    await expect(asker.ask('r', 'get', null, { timeoutMs: 5_000 })).resolves.toBe(0);
    await expect(asker.ask('plain', 'get', null, { timeoutMs: 5_000 })).resolves.toBe(0);
  });
});
