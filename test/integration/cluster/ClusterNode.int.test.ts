import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import {
  JetStreamCheckpointStore,
  JetStreamJournal,
  NatsTransport,
  createActorSystem,
  isRuntimeError,
  respond,
  systemClock,
  type MessageEvent,
} from 'agentvisor';
import {
  ClusterNode,
  readClusterStatus,
  type ClusterAgent,
  type ClusterEvent,
  type ClusterNodeOptions,
} from 'agentvisor/node';
import { createSubjects } from 'agentvisor/internal';
import { createSupervisionTree } from 'agentvisor/supervisors';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { agents, tallyMachine } from './fixtures/agents.js';
import { askWithRetry } from './fixtures/askWithRetry.js';
import { sleep, waitFor } from './fixtures/waitFor.js';

// Fast settings so failover takes a fraction of a second, with room for a loaded machine's
// event-loop stalls; the defaults are 250 / 1000 ms.
const FAST = { heartbeatMs: 100, deadAfterMs: 600 } as const;

let server: NatsServerHandle;
let client: NatsTransport;
const nodes: ClusterNode[] = [];
let nsCounter = 0;

beforeAll(async () => {
  server = await startNatsServer();
  client = await NatsTransport.connect({ servers: server.url });
});

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

afterAll(async () => {
  await client.close();
  await server.stop();
});

/** A fresh namespace per test: membership and placements are scoped by it. */
function namespace(): string {
  return `t${++nsCounter}`;
}

async function startNode(
  ns: string,
  node: string,
  extra: Partial<ClusterNodeOptions> = {},
): Promise<ClusterNode> {
  const n = await ClusterNode.start(
    { node, namespace: ns, servers: server.url, ...FAST, ...extra },
    { agents },
  );
  nodes.push(n);
  return n;
}

function units(names: string[], extra: NonNullable<ClusterNodeOptions['units']> = []) {
  return [...names.map((name) => ({ name, agent: 'tally' })), ...extra];
}

function ask(ns: string, to: string, type: string, payload: unknown, id: string) {
  return askWithRetry(client, ns, to, type, payload, id, {
    now: () => systemClock.now(),
    sleep,
  });
}

/** Who runs each unit, according to the nodes themselves (each unit must be on exactly one). */
function owners(running: ClusterNode[], names: string[]): Map<string, string[]> {
  return new Map(
    names.map((name) => [
      name,
      running.filter((n) => n.system.describe(name)?.status === 'running').map((n) => n.id),
    ]),
  );
}

function settled(running: ClusterNode[], names: string[]): boolean {
  return [...owners(running, names).values()].every((o) => o.length === 1);
}

describe('ClusterNode membership', () => {
  it('lists every live node and reports a crashed one dead and a drained one as leaving', async () => {
    const ns = namespace();
    const a = await startNode(ns, 'a');
    const b = await startNode(ns, 'b', { roles: ['gpu'] });
    const c = await startNode(ns, 'c');
    const events: ClusterEvent[] = [];
    a.onEvent((e) => events.push(e));
    await waitFor('three live members', () => a.membership.live().length === 3);
    expect(a.membership.live().map((m) => m.node)).toEqual(['a', 'b', 'c']);
    expect(a.membership.live().find((m) => m.node === 'b')?.roles).toEqual(['gpu']);

    await b.close(); // a crash, as far as the cluster is concerned
    await waitFor('b reported dead', () =>
      events.some((e) => e.type === 'member' && e.event.type === 'dead' && e.event.node === 'b'),
    );
    await c.drain();
    await waitFor('c reported leaving', () =>
      events.some((e) => e.type === 'member' && e.event.type === 'leave' && e.event.node === 'c'),
    );
    expect(a.membership.live().map((m) => m.node)).toEqual(['a']);
  });

  it('refuses to start a second live node under the same id', async () => {
    const ns = namespace();
    await startNode(ns, 'twin');
    await expect(startNode(ns, 'twin')).rejects.toMatchObject({ code: 'ERR_NODE_EXISTS' });
  });

  it('refuses bad options and unknown agents with paths', async () => {
    await expect(
      ClusterNode.start({ node: 'bad id!', servers: server.url }, { agents }),
    ).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
      details: { issues: [expect.objectContaining({ path: 'node' })] },
    });
    await expect(
      ClusterNode.start(
        { node: 'n', servers: server.url, heartbeatMs: 500, deadAfterMs: 600 },
        { agents },
      ),
    ).rejects.toMatchObject({
      details: { issues: [expect.objectContaining({ path: 'deadAfterMs' })] },
    });
    await expect(
      ClusterNode.start(
        { node: 'n', servers: server.url, units: [{ name: 'x', agent: 'nope' }] },
        { agents },
      ),
    ).rejects.toMatchObject({ code: 'ERR_UNKNOWN_AGENT', details: { path: 'units[0].agent' } });
  });
});

describe('ClusterNode placement', () => {
  it('takes over a corrupt placement entry above every epoch it could have held, and ignores a corrupt heartbeat', async () => {
    const ns = namespace();
    const token = (name: string) => Buffer.from(name).toString('base64url');
    const kvm = new Kvm(jetstream(client.connection));
    const placementsKv = await kvm.create('agentvisor_placements', { history: 5 });
    const membersKv = await kvm.create('agentvisor_members', { history: 1, ttl: 60_000 });
    const garbage = new TextEncoder().encode('{"v":1,"node":');
    const revision = await placementsKv.put(`${token(ns)}.${token('c1')}`, garbage);
    await membersKv.put(`${token(ns)}.${token('ghost')}`, garbage);
    const a = await startNode(ns, 'a', { units: units(['c1']) });
    await waitFor('c1 running on a', () => a.system.describe('c1')?.status === 'running');
    expect(a.placements.get('c1')?.record).toMatchObject({ node: 'a', epoch: revision + 1 });
    expect(a.membership.members().map((m) => m.node)).toEqual(['a']);
    expect(await ask(ns, 'c1', 'add', { id: 'ok' }, 'c1-ok')).toBe(1);
  });

  it('spreads `any` units evenly and honours a preferred node and a role', async () => {
    const ns = namespace();
    const names = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'];
    const config = {
      units: units(names, [
        { name: 'pinned', agent: 'tally', placement: { node: 'b' } },
        { name: 'gpu-job', agent: 'tally', placement: { role: 'gpu' } },
      ]),
    };
    // Nothing is placed before all three are up (Akka's min-nr-of-members).
    const boot = { ...config, minMembers: 3 };
    const a = await startNode(ns, 'a', boot);
    const b = await startNode(ns, 'b', boot);
    const c = await startNode(ns, 'c', { ...boot, roles: ['gpu'] });
    const all = [...names, 'pinned', 'gpu-job'];
    await waitFor('every unit placed once', () => settled([a, b, c], all));
    const own = owners([a, b, c], all);
    expect(own.get('pinned')).toEqual(['b']);
    expect(own.get('gpu-job')).toEqual(['c']);
    // 8 units on 3 nodes, least loaded first: 3 / 3 / 2 in some order.
    expect([a, b, c].map((n) => n.localUnits().length).sort()).toEqual([2, 3, 3]);
    // Every placement names its runner, at epoch 1 (one claim each).
    for (const name of all) {
      const p = a.placements.get(name)?.record;
      expect(p?.node).toBe(own.get(name)?.[0]);
      expect(p?.epoch).toBe(1);
    }
  });
});

describe('ClusterNode failover', () => {
  it('restores a crashed node’s units on survivors with their state, at a higher epoch', async () => {
    const ns = namespace();
    const names = ['w1', 'w2', 'w3', 'w4', 'w5', 'w6'];
    const config = { units: units(names) };
    const [a, b, c] = [
      await startNode(ns, 'a', config),
      await startNode(ns, 'b', config),
      await startNode(ns, 'c', config),
    ];
    await waitFor('placed', () => settled([a, b, c], names));
    let n = 0;
    const send = async (count: number) => {
      for (let i = 0; i < count; i++) {
        await Promise.all(
          names.map((name) => ask(ns, name, 'add', { id: `m${n}` }, `${name}-m${n}`)),
        );
        n++;
      }
    };
    await send(5);
    const victim = [a, b, c].find((x) => x.localUnits().length > 0)!;
    const moved = victim.localUnits();
    const epochs = new Map(moved.map((u) => [u, victim.placements.get(u)?.record?.epoch ?? 0]));
    // Mid-work: messages keep coming while the node dies.
    const sending = send(10);
    await victim.close();
    await sending;
    const survivors = [a, b, c].filter((x) => x !== victim);
    await waitFor('moved units running on survivors', () => settled(survivors, names));
    for (const name of names) {
      const state = (await ask(ns, name, 'get', undefined, `${name}-get`)) as {
        count: number;
        ids: string[];
      };
      // Every add was acknowledged once; none lost, none applied twice.
      expect(state.ids).toEqual(Array.from({ length: 15 }, (_, i) => `m${i}`));
      expect(state.count).toBe(15);
    }
    for (const unit of moved) {
      const record = survivors[0]!.placements.get(unit)?.record;
      expect(record?.epoch).toBeGreaterThan(epochs.get(unit) ?? 0);
      expect(record?.node).not.toBe(victim.id);
    }
  });

  it('fences a stale owner: its journal append and checkpoint are refused and change nothing', async () => {
    // Two systems with the JetStream stores, each on its own connection: `old` owned the unit,
    // `fresh` took it over (recovered from the stores). `old` then gets a message.
    const ncs: NatsConnection[] = await Promise.all([
      connect({ servers: server.url }),
      connect({ servers: server.url }),
    ]);
    try {
      const open = async (nc: NatsConnection) => ({
        store: await JetStreamCheckpointStore.open(nc, { bucket: 'fence_ckpt' }),
        journal: await JetStreamJournal.open(nc, { stream: 'FENCE_J', subjectPrefix: 'fence.j' }),
      });
      const [s1, s2] = [await open(ncs[0]!), await open(ncs[1]!)];
      const persistence = (s: typeof s1) => ({ ...s, machineId: 'tally', machineVersion: 1 });
      const old = createActorSystem({ namespace: 'fence-old' });
      const fresh = createActorSystem({ namespace: 'fence-new' });
      await old.spawnDurable('unit', tallyMachine, { persistence: persistence(s1) });
      await old.ask('unit', 'add', { id: 'a' });
      await old.checkpoint('unit');
      await fresh.spawnDurable('unit', tallyMachine, { persistence: persistence(s2) });
      await fresh.ask('unit', 'add', { id: 'b' });
      await fresh.checkpoint('unit');
      const revision = (await s2.store.latest('unit'))?.revision;
      const lastSeq = await s2.journal.lastSeq('unit');

      const failed = new Promise<unknown>((resolve) => {
        old.watch('unit', (e) => {
          if (e.type === 'failed') resolve(e.error);
        });
      });
      old.tell('unit', 'add', { id: 'zombie' });
      const error = await failed;
      expect(isRuntimeError(error, 'ERR_PERSISTENCE_CONFLICT')).toBe(true);
      // A checkpoint the stale owner tries anyway (its Persister logs the refusal) lands nowhere.
      await old.checkpoint('unit').catch(() => undefined);
      expect((await s2.store.latest('unit'))?.revision).toBe(revision);
      expect(await s2.journal.lastSeq('unit')).toBe(lastSeq);
      expect(await fresh.ask('unit', 'get')).toEqual({ count: 2, ids: ['a', 'b'] });
      await Promise.all([old.shutdown(), fresh.shutdown()]);
    } finally {
      await Promise.all(ncs.map((nc) => nc.close()));
    }
  });
});

describe('ClusterNode subtree units', () => {
  it('places a supervision tree as one unit and restores its durable workers on a survivor', async () => {
    const ns = namespace();
    const desk: ClusterAgent = {
      start: async ({ system, store, journal }) => {
        const tree = await createSupervisionTree(
          system,
          {
            root: {
              id: 'desk',
              children: [
                { id: 'desk-w1', agent: 'tally' },
                { id: 'desk-w2', agent: 'tally' },
              ],
            },
          },
          { agents: { tally: tallyMachine }, persistence: { store, journal } },
        );
        return { stop: () => tree.stop() };
      },
    };
    const withDesk = { ...agents, desk };
    const config = { namespace: ns, servers: server.url, ...FAST, minMembers: 2 };
    const start = async (node: string) => {
      const n = await ClusterNode.start(
        { ...config, node, units: [{ name: 'desk', agent: 'desk' }] },
        { agents: withDesk },
      );
      nodes.push(n);
      return n;
    };
    const a = await start('a');
    const b = await start('b');
    const runner = () => [a, b].find((n) => n.localUnits().includes('desk'));
    const first = await waitFor('desk placed', () =>
      runner()?.system.describe('desk-w2')?.status === 'running' ? runner() : undefined,
    );
    for (const w of ['desk-w1', 'desk-w2']) await ask(ns, w, 'add', { id: 'one' }, `${w}-one`);
    await first.close();
    const survivor = first === a ? b : a;
    await waitFor('workers running on the survivor', () =>
      ['desk-w1', 'desk-w2'].every((w) => survivor.system.describe(w)?.status === 'running'),
    );
    expect(survivor.status().units).toEqual([
      expect.objectContaining({ name: 'desk', status: 'running' }),
    ]);
    expect(survivor.status().units[0]?.epoch).toBeGreaterThanOrEqual(2);
    for (const w of ['desk-w1', 'desk-w2']) {
      expect(await ask(ns, w, 'get', undefined, `${w}-get`)).toEqual({ count: 1, ids: ['one'] });
    }
  });
});

describe('ClusterNode units that do not start', () => {
  it('releases a unit whose start failed and claims it again after a back-off until it runs', async () => {
    const ns = namespace();
    let attempts = 0;
    const flaky: ClusterAgent = {
      start: () => {
        attempts += 1;
        // The first two starts fail as a store out of reach would.
        if (attempts <= 2) return Promise.reject(new Error(`store unreachable (${attempts})`));
        return Promise.resolve({ stop: () => Promise.resolve() });
      },
    };
    const n = await ClusterNode.start(
      {
        node: 'a',
        namespace: ns,
        servers: server.url,
        ...FAST,
        units: [{ name: 'flaky', agent: 'flaky' }],
      },
      { agents: { ...agents, flaky } },
    );
    nodes.push(n);
    await waitFor('flaky running', () =>
      n.status().units.some((u) => u.name === 'flaky' && u.status === 'running'),
    );
    expect(attempts).toBe(3);
    // Each failure released the placement and the next claim raised the epoch: 1, 2, then 3.
    const status = await readClusterStatus(client.connection, { namespace: ns });
    expect(
      status.placements.map((p) => [p.unit, p.record?.node, p.record?.status, p.record?.epoch]),
    ).toEqual([['flaky', 'a', 'active', 3]]);
  });
});

describe('ClusterNode units whose actor fails', () => {
  it('a unit actor failed by a message is restarted after a back-off, never left failed in place', async () => {
    const ns = namespace();
    // Counts `add`; `boom` throws in an action, which fails the actor (no supervisor above it).
    const fragile = setup({
      types: {
        context: {} as { count: number },
        events: {} as MessageEvent<'add'> | MessageEvent<'boom'> | MessageEvent<'get'>,
      },
    }).createMachine({
      context: { count: 0 },
      on: {
        add: {
          actions: [assign({ count: ({ context }) => context.count + 1 }), respond(() => 'ok')],
        },
        boom: {
          actions: () => {
            throw new Error('boom');
          },
        },
        get: { actions: respond(({ context }) => context.count) },
      },
    });
    const events: ClusterEvent[] = [];
    const n = await ClusterNode.start(
      {
        node: 'a',
        namespace: ns,
        servers: server.url,
        ...FAST,
        units: [{ name: 'f1', agent: 'fragile' }],
      },
      { agents: { ...agents, fragile: { logic: fragile } } },
    );
    nodes.push(n);
    n.onEvent((e) => events.push(e));
    await waitFor('f1 running', () => n.system.describe('f1')?.status === 'running');
    expect(await ask(ns, 'f1', 'add', undefined, 'add-1')).toBe('ok');
    // Sent once (a retry of it would fail the restored actor again): its answer is the failure.
    await client
      .request(
        createSubjects(ns).actor('f1'),
        { v: 1, id: 'boom-1', type: 'boom', to: 'f1', payload: undefined },
        { deadline: systemClock.now() + 2_000 },
      )
      .catch(() => undefined);
    await waitFor('f1 failed and given up', () => events.some((e) => e.type === 'unit-failed'));
    await waitFor('f1 running again', () =>
      events.some(
        (e, i) => e.type === 'started' && i > events.findIndex((x) => x.type === 'unit-failed'),
      ),
    );
    expect(n.system.describe('f1')?.status).toBe('running');
    // Its state survived, and the message that failed it is not replayed.
    expect(await ask(ns, 'f1', 'get', undefined, 'get-1')).toBe(1);
    const status = await readClusterStatus(client.connection, { namespace: ns });
    expect(status.placements.find((p) => p.unit === 'f1')?.record?.epoch).toBe(2);
  });
});

describe('ClusterNode drain', () => {
  it('hands its units over at once: checkpointed, released, claimed by others before any expiry', async () => {
    const ns = namespace();
    const names = ['d1', 'd2', 'd3', 'd4'];
    // A node would be declared dead only after 20 s: a takeover within the test proves release.
    const slow = { units: units(names), heartbeatMs: 100, deadAfterMs: 20_000 };
    const a = await startNode(ns, 'a', slow);
    const b = await startNode(ns, 'b', slow);
    await waitFor('placed', () => settled([a, b], names));
    for (const name of names) await ask(ns, name, 'add', { id: 'before' }, `${name}-1`);
    const leaving = a.localUnits();
    expect(leaving.length).toBeGreaterThan(0);
    const events: ClusterEvent[] = [];
    b.onEvent((e) => events.push(e));
    a.onEvent((e) => events.push(e));
    await a.drain();
    expect(events.flatMap((e) => (e.type === 'released' ? [e.unit] : [])).sort()).toEqual(
      [...leaving].sort(),
    );
    await waitFor('b runs every unit', () => settled([b], names));
    for (const name of names) {
      expect(await ask(ns, name, 'get', undefined, `${name}-g`)).toEqual({
        count: 1,
        ids: ['before'],
      });
    }
    expect(events.some((e) => e.type === 'member' && e.event.type === 'dead')).toBe(false);
    for (const unit of leaving) {
      expect(events).toContainEqual(expect.objectContaining({ type: 'claimed', unit, from: 'a' }));
    }
  });
});
