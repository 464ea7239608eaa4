/**
 * The split-brain window (issue 10 item 3): two owners of one durable actor over a real
 * nats-server and JetStream stores. The old owner is idle (as if paused) while the new one
 * recovers; then the old one gets a message (resumed). The new owner's recovery ends with a
 * fenced `recovered` journal note, so the old owner fails on its very next append, answers
 * nothing with its stale state, and stops taking messages.
 */
import { connect, createInbox, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JetStreamCheckpointStore,
  JetStreamJournal,
  NatsTransport,
  createActorSystem,
  decodeEnvelope,
  encodeEnvelope,
  isRuntimeError,
  readTrace,
  systemClock,
  type ActorSystem,
  type Envelope,
} from 'agentvisor/internal';
import { ClusterNode, type ClusterAgent } from 'agentvisor/node';
import { createSupervisionTree, type SupervisorEvent } from 'agentvisor/supervisors';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { tallyMachine } from './fixtures/agents.js';
import { waitFor } from './fixtures/waitFor.js';

let server: NatsServerHandle;
let counter = 0;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server.stop();
});

interface Owner {
  nc: NatsConnection;
  transport: NatsTransport;
  system: ActorSystem;
  store: JetStreamCheckpointStore;
  journal: JetStreamJournal;
}

/** One owner: its own connection, stores and actor system, in namespace `ns`. */
async function owner(ns: string, bucket: string, stream: string): Promise<Owner> {
  const nc = await connect({ servers: server.url });
  const transport = await NatsTransport.connect({ servers: server.url });
  const store = await JetStreamCheckpointStore.open(nc, { bucket });
  const journal = await JetStreamJournal.open(nc, { stream, subjectPrefix: `${stream}.j` });
  const system = createActorSystem({ namespace: ns }, { transport });
  return { nc, transport, system, store, journal };
}

async function close(...owners: Owner[]): Promise<void> {
  for (const o of owners) {
    await o.system.shutdown();
    await o.transport.close();
    await o.nc.close();
  }
}

/** The error of the next failure of `name`; rejects when it has not failed within 5 s. */
function failedWith(system: ActorSystem, name: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = systemClock.setTimeout(() => {
      watch.dispose();
      reject(new Error(`${name} did not fail`));
    }, 5_000);
    const watch = system.watch(name, (e) => {
      if (e.type === 'failed') {
        watch.dispose();
        systemClock.clearTimeout(timer);
        resolve(e.error);
      }
    });
  });
}

function names() {
  counter += 1;
  return { bucket: `sb_ckpt_${counter}`, stream: `SB_J_${counter}` };
}

describe('split-brain window', () => {
  it('the old owner fails on its first append after the new owner recovered, and the new owner keeps the journal', async () => {
    const { bucket, stream } = names();
    // Two namespaces, so a message reaches exactly one of the copies.
    const old = await owner('sb-old', bucket, stream);
    const fresh = await owner('sb-new', bucket, stream);
    try {
      const persistence = (o: Owner) => ({
        store: o.store,
        journal: o.journal,
        machineId: 'tally',
        machineVersion: 1,
      });
      await old.system.spawnDurable('unit', tallyMachine, { persistence: persistence(old) });
      await old.system.ask('unit', 'add', { id: 'a' });
      await old.system.checkpoint('unit'); // then it pauses: its writes have landed
      // The new owner only recovers: it has processed nothing yet.
      await fresh.system.spawnDurable('unit', tallyMachine, { persistence: persistence(fresh) });

      const failed = failedWith(old.system, 'unit');
      const stale = old.system.ask('unit', 'add', { id: 'zombie' }, { timeoutMs: 2_000 });
      const error = await failed;
      expect(isRuntimeError(error, 'ERR_PERSISTENCE_CONFLICT')).toBe(true);
      // Fenced: the stale copy does not answer (not with its state, not with the fencing error).
      await expect(stale).rejects.toSatisfy(
        (e) => isRuntimeError(e, 'ERR_TIMEOUT') || isRuntimeError(e, 'ERR_ACTOR_NOT_FOUND'),
      );

      // The new owner was not fenced by the stale copy: it carries on from `a`.
      expect(await fresh.system.ask('unit', 'add', { id: 'b' })).toBe(2);
      expect(await fresh.system.ask('unit', 'get')).toEqual({ count: 2, ids: ['a', 'b'] });
      expect(fresh.system.describe('unit')?.status).toBe('running');
      // The journal shows the recovery as a note; readTrace and a later recovery tolerate it.
      const trace = await readTrace(fresh.journal, 'unit');
      expect(trace.some((l) => l.kind === 'note' && l.summary.includes('recovered'))).toBe(true);
      expect(trace.filter((l) => l.kind === 'message').map((l) => l.summary)).not.toContainEqual(
        expect.stringContaining('zombie'),
      );
      fresh.system.stop('unit');
      await fresh.system.spawnDurable('unit', tallyMachine, { persistence: persistence(fresh) });
      expect(await fresh.system.ask('unit', 'get')).toEqual({ count: 2, ids: ['a', 'b'] });
    } finally {
      await close(old, fresh);
    }
  });

  it('two copies on one subject: only the owner answers; the fenced copy stops taking messages', async () => {
    const { bucket, stream } = names();
    const old = await owner('sb-shared', bucket, stream);
    const fresh = await owner('sb-shared', bucket, stream);
    const client = await connect({ servers: server.url });
    try {
      const persistence = (o: Owner) => ({
        store: o.store,
        journal: o.journal,
        machineId: 'tally',
        machineVersion: 1,
      });
      await old.system.spawnDurable('unit', tallyMachine, { persistence: persistence(old) });
      await old.system.ask('unit', 'add', { id: 'a' });
      await old.system.checkpoint('unit');
      await fresh.system.spawnDurable('unit', tallyMachine, { persistence: persistence(fresh) });

      // A caller's ask reaches both copies (core NATS fans out): count every reply.
      const inbox = createInbox();
      const replies: Envelope[] = [];
      client.subscribe(inbox, {
        callback: (err, msg) => {
          if (err !== null) return;
          const decoded = decodeEnvelope(msg.data);
          if (decoded.ok) replies.push(decoded.value);
        },
      });
      const failed = failedWith(old.system, 'unit');
      const ask = (id: string, type: string, payload?: unknown) => {
        const envelope: Envelope = { v: 1, id, type, to: 'unit', payload, replyTo: inbox };
        const bytes = encodeEnvelope(envelope);
        if (!bytes.ok) throw bytes.error;
        client.publish(old.system.subjects.actor('unit'), bytes.value);
      };
      ask('m-b', 'add', { id: 'b' });
      expect(isRuntimeError(await failed, 'ERR_PERSISTENCE_CONFLICT')).toBe(true);
      await waitFor('the owner answered', () => replies.length > 0);
      // Everything the old copy published has reached the server, and then this client.
      await old.transport.connection.flush();
      await client.flush();
      expect(replies).toHaveLength(1);
      expect(replies[0]?.payload).toBe(2);

      // The fenced copy is off the subject: a second ask gets one answer, from the owner.
      ask('m-get', 'get');
      await waitFor('the owner answered again', () => replies.length > 1);
      await old.transport.connection.flush();
      await client.flush();
      expect(replies).toHaveLength(2);
      expect(replies[1]?.payload).toEqual({ count: 2, ids: ['a', 'b'] });
      expect(old.system.describe('unit')?.status).not.toBe('running');
    } finally {
      await client.close();
      await close(old, fresh);
    }
  });

  it('a supervised worker refused as stale is stopped, not restarted in place', async () => {
    const { bucket, stream } = names();
    const old = await owner('sb-tree-old', bucket, stream);
    const fresh = await owner('sb-tree-new', bucket, stream);
    try {
      const tree = (o: Owner) =>
        createSupervisionTree(
          o.system,
          { root: { id: 'desk', children: [{ id: 'w', agent: 'tally' }] } },
          {
            agents: { tally: tallyMachine },
            persistence: { store: o.store, journal: o.journal },
          },
        );
      const oldTree = await tree(old);
      const events: SupervisorEvent[] = [];
      oldTree.onEvent((e) => events.push(e));
      await old.system.ask('w', 'add', { id: 'a' });
      await old.system.checkpoint('w');
      const freshTree = await tree(fresh);
      const failed = failedWith(old.system, 'w');
      old.system.tell('w', 'add', { id: 'zombie' });
      expect(isRuntimeError(await failed, 'ERR_PERSISTENCE_CONFLICT')).toBe(true);
      await waitFor('the supervisor decided', () => events.find((e) => e.type === 'child-failed'));
      const decided = events.find((e) => e.type === 'child-failed');
      expect(decided?.type === 'child-failed' ? decided.directive : undefined).toBe('stop');
      await oldTree.stop();
      expect(events.filter((e) => e.type === 'restart-scheduled')).toHaveLength(0);
      expect(await fresh.system.ask('w', 'get')).toEqual({ count: 1, ids: ['a'] });
      await freshTree.stop();
    } finally {
      await close(old, fresh);
    }
  });

  it('a subtree worker fenced while its unit is still this node’s: the node restarts the unit', async () => {
    const ns = 'sb-unit';
    const desk: ClusterAgent = {
      start: async ({ system, store, journal }) => {
        const tree = await createSupervisionTree(
          system,
          { root: { id: 'desk', children: [{ id: 'desk-w', agent: 'tally' }] } },
          { agents: { tally: tallyMachine }, persistence: { store, journal } },
        );
        return { stop: () => tree.stop() };
      },
    };
    const node = await ClusterNode.start(
      {
        node: 'a',
        namespace: ns,
        servers: server.url,
        heartbeatMs: 100,
        deadAfterMs: 600,
        units: [{ name: 'desk', agent: 'desk' }],
      },
      { agents: { desk } },
    );
    const nc = await connect({ servers: server.url });
    try {
      await waitFor('desk-w running', () => node.system.describe('desk-w')?.status === 'running');
      expect(await node.system.ask('desk-w', 'add', { id: 'a' })).toBe(1);
      await node.system.checkpoint('desk-w');
      // Another writer moves the worker's journal (a stale write that raced the recovery).
      const token = Buffer.from(ns, 'utf8').toString('base64url'); // the node's per-namespace stores
      const journal = await JetStreamJournal.open(nc, {
        stream: `AGENTVISOR_JOURNAL_${token}`,
        subjectPrefix: `av.journal.${token}`,
      });
      await journal.append('desk-w', [{ id: 'stale-1', kind: 'note', at: 0, data: {} }]);
      const failed = failedWith(node.system, 'desk-w');
      node.system.tell('desk-w', 'add', { id: 'lost' });
      expect(isRuntimeError(await failed, 'ERR_PERSISTENCE_CONFLICT')).toBe(true);
      // The supervisor stops the worker; the node, still owning `desk`, starts the unit again.
      await waitFor('desk-w running again', () =>
        node.system.describe('desk-w')?.status === 'running' &&
        (node.system.describe('desk-w')?.incarnation ?? 0) > 1
          ? true
          : undefined,
      );
      expect(await node.system.ask('desk-w', 'get')).toEqual({ count: 1, ids: ['a'] });
      expect(node.localUnits()).toEqual(['desk']);
    } finally {
      await node.close();
      await nc.close();
    }
  });
});
