import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NatsTransport, shardOf, systemClock } from 'agentvisor/internal';
import { ClusterNode, mailboxShardUnit, type ClusterNodeOptions } from 'agentvisor/node';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { agents } from './fixtures/agents.js';
import { askWithRetry } from './fixtures/askWithRetry.js';
import { sleep, waitFor } from './fixtures/waitFor.js';

const FAST = { heartbeatMs: 100, deadAfterMs: 600 } as const;
const SHARDS = 4;
const ACTORS = Array.from({ length: 6 }, (_, i) => `tally-${i}`);
const MAILBOX = {
  shards: SHARDS,
  ackWaitMs: 2_000,
  retryDelayMs: 100,
  unknownActorDelayMs: 200,
  maxDeliver: 50,
  actors: ACTORS.map((name) => ({ name, agent: 'tally' })),
};

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

async function startNode(
  ns: string,
  node: string,
  extra: Partial<ClusterNodeOptions> = {},
): Promise<ClusterNode> {
  const n = await ClusterNode.start(
    { node, namespace: ns, servers: server.url, ...FAST, mailbox: MAILBOX, ...extra },
    { agents },
  );
  nodes.push(n);
  return n;
}

function ask(ns: string, to: string, type: string, payload: unknown, id: string) {
  return askWithRetry(client, ns, to, type, payload, id, { now: () => systemClock.now(), sleep });
}

/** Shards consumed by each node; every shard by exactly one node. */
function consumed(running: ClusterNode[]): Map<number, string[]> {
  const by = new Map<number, string[]>(Array.from({ length: SHARDS }, (_, s) => [s, []]));
  for (const n of running) for (const s of n.mailbox?.ownedShards() ?? []) by.get(s)?.push(n.id);
  return by;
}

function settled(running: ClusterNode[]): boolean {
  return [...consumed(running).values()].every((owners) => owners.length === 1);
}

describe('ClusterNode mailbox option', () => {
  it('places a unit per shard, consumes where it runs, and moves shards on drain: each message processed once', async () => {
    const ns = `mbx${++nsCounter}`;
    const a = await startNode(ns, 'a', { minMembers: 2 });
    const b = await startNode(ns, 'b', { minMembers: 2 });
    await waitFor('every shard consumed by one node', () => settled([a, b]));

    // The consumed shards are exactly the shard units each node runs, and their actors run there.
    for (const n of [a, b]) {
      const shards = n.mailbox!.ownedShards();
      expect(
        n
          .localUnits()
          .filter((u) => u.startsWith('mailbox-shard-'))
          .sort(),
      ).toEqual(shards.map(mailboxShardUnit).sort());
      for (const actor of ACTORS.filter((x) => shards.includes(shardOf(x, SHARDS))))
        expect(n.system.describe(actor)?.status).toBe('running');
    }
    expect(a.status().units.map((u) => u.name)).toEqual(expect.arrayContaining(a.localUnits()));

    const sendRound = async (from: ClusterNode, round: number) => {
      const receipts = await Promise.all(
        ACTORS.map((actor) => from.sendReliable(actor, 'add', { id: `m${round}` })),
      );
      for (const [i, r] of receipts.entries()) expect(r.shard).toBe(shardOf(ACTORS[i]!, SHARDS));
    };
    for (let r = 0; r < 5; r++) await sendRound(a, r);
    expect(b.mailbox!.ownedShards().length).toBeGreaterThan(0);

    // b leaves gracefully while messages keep coming: a takes over every shard.
    const leaving = b.drain();
    for (let r = 5; r < 10; r++) await sendRound(a, r);
    await leaving;
    await waitFor('a consumes every shard', () => a.mailbox!.ownedShards().length === SHARDS);
    expect(b.mailbox!.ownedShards()).toEqual([]);

    const expected = Array.from({ length: 10 }, (_, r) => `m${r}`).sort();
    await waitFor(
      'every message processed',
      async () => {
        const counts = await Promise.all(
          ACTORS.map(async (x) => {
            const s = (await ask(ns, x, 'get', undefined, `${x}-${systemClock.now()}`)) as {
              count: number;
            };
            return s.count;
          }),
        );
        return counts.every((c) => c >= 10);
      },
      20_000,
    );
    for (const actor of ACTORS) {
      const state = (await ask(ns, actor, 'get', undefined, `${actor}-final`)) as {
        count: number;
        ids: string[];
      };
      expect(state.count).toBe(10);
      expect([...state.ids].sort()).toEqual(expected);
    }
  });

  it('a crashed node’s shards are consumed by a survivor, with their unacknowledged messages', async () => {
    const ns = `mbx${++nsCounter}`;
    const a = await startNode(ns, 'a', { minMembers: 2 });
    const b = await startNode(ns, 'b', { minMembers: 2 });
    await waitFor('every shard consumed by one node', () => settled([a, b]));
    const victim = b.mailbox!.ownedShards().length > 0 ? b : a;
    const survivor = victim === a ? b : a;
    for (let r = 0; r < 3; r++)
      await Promise.all(ACTORS.map((x) => survivor.sendReliable(x, 'add', { id: `m${r}` })));
    await victim.close();
    await waitFor(
      'the survivor consumes every shard',
      () => survivor.mailbox!.ownedShards().length === SHARDS,
    );
    for (let r = 3; r < 6; r++)
      await Promise.all(ACTORS.map((x) => survivor.sendReliable(x, 'add', { id: `m${r}` })));
    const expected = Array.from({ length: 6 }, (_, r) => `m${r}`);
    for (const actor of ACTORS) {
      const state = await waitFor(`${actor} has every message`, async () => {
        const s = (await ask(ns, actor, 'get', undefined, `${actor}-${systemClock.now()}`)) as {
          ids: string[];
        };
        return s.ids.length >= 6 && s;
      });
      expect([...state.ids].sort()).toEqual(expected);
    }
  });

  it('is off by default: sendReliable is refused with a stable code', async () => {
    const ns = `mbx${++nsCounter}`;
    const n = await startNode(ns, 'plain', { mailbox: undefined });
    expect(n.mailbox).toBeUndefined();
    await expect(n.sendReliable('tally-0', 'add', { id: 'x' })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
    });
    expect(n.localUnits()).toEqual([]);
  });

  it('refuses a bad mailbox section with paths, before connecting', async () => {
    const start = (mailbox: unknown, units: ClusterNodeOptions['units'] = []) =>
      ClusterNode.start(
        {
          node: 'x',
          servers: server.url,
          units,
          mailbox: mailbox as ClusterNodeOptions['mailbox'],
        },
        { agents: { ...agents, tree: { start: () => Promise.resolve({ stop: async () => {} }) } } },
      );
    await expect(start({ shards: 0 })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
      message: expect.stringContaining('mailbox.shards') as unknown,
    });
    await expect(start({ shards: 2, leases: {} })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
    });
    await expect(
      start({
        actors: [
          { name: 'x', agent: 'tally' },
          { name: 'x', agent: 'tally' },
        ],
      }),
    ).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
      message: expect.stringContaining('mailbox.actors[1].name') as unknown,
    });
    await expect(
      start({ shards: 2 }, [{ name: 'mailbox-shard-1', agent: 'tally' }]),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    await expect(start({ actors: [{ name: 'x', agent: 'nope' }] })).rejects.toMatchObject({
      code: 'ERR_UNKNOWN_AGENT',
      details: { path: 'mailbox.actors[0].agent' },
    });
    await expect(start({ actors: [{ name: 'x', agent: 'tree' }] })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
      message: expect.stringContaining('mailbox.actors[0].agent') as unknown,
    });
  });
});
