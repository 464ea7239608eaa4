import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsTransport, systemClock } from 'agentvisor';
import { ClusterNode, type ClusterEvent } from 'agentvisor/node';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { agents } from './fixtures/agents.js';
import { askWithRetry } from './fixtures/askWithRetry.js';
import { TcpProxy } from './fixtures/TcpProxy.js';
import { sleep, waitFor } from './fixtures/waitFor.js';

// Fast, with room for a loaded CI machine's event-loop stalls (the defaults are 250 / 1000 ms).
const FAST = { heartbeatMs: 100, deadAfterMs: 600 } as const;

let server: NatsServerHandle;
let client: NatsTransport;

beforeAll(async () => {
  server = await startNatsServer();
  client = await NatsTransport.connect({ servers: server.url });
});

afterAll(async () => {
  await client.close();
  await server.stop();
});

describe('ClusterNode partition', () => {
  it('a node cut off from NATS past the heartbeat TTL comes back owning nothing: one owner per unit', async () => {
    const ns = 'partition';
    const names = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    const config = {
      namespace: ns,
      ...FAST,
      minMembers: 3,
      // p1 and p2 prefer p, so p surely runs some units when it is cut off.
      units: names.map((name) => ({
        name,
        agent: 'tally',
        ...(name === 'p1' || name === 'p2' ? { placement: { node: 'p' } } : {}),
      })),
    };
    const proxy = await TcpProxy.start(server.port);
    const a = await ClusterNode.start({ ...config, node: 'a', servers: server.url }, { agents });
    const b = await ClusterNode.start({ ...config, node: 'b', servers: server.url }, { agents });
    // p reaches NATS only through the proxy: cutting it partitions p alone.
    const p = await ClusterNode.start({ ...config, node: 'p', servers: proxy.url }, { agents });
    const all = [a, b, p];
    try {
      const running = (name: string) =>
        all.filter((n) => n.system.describe(name)?.status === 'running').map((n) => n.id);
      await waitFor('placed', () => names.every((name) => running(name).length === 1));
      const ask = (name: string, type: string, payload: unknown, id: string) =>
        askWithRetry(client, ns, name, type, payload, id, { now: () => systemClock.now(), sleep });
      for (const name of names) await ask(name, 'add', { id: 'x1' }, `${name}-x1`);
      const cutOff = p.localUnits();
      expect(cutOff.length).toBeGreaterThan(0);
      const pEvents: ClusterEvent[] = [];
      p.onEvent((e) => pEvents.push(e));

      proxy.cut();
      // The others declare p dead and take its units over while p still runs its copies.
      await waitFor('p’s units on a or b', () =>
        cutOff.every((u) => [a, b].some((n) => n.system.describe(u)?.status === 'running')),
      );
      for (const name of names) await ask(name, 'add', { id: 'x2' }, `${name}-x2`);
      // Well past the TTL, as p itself measures it: no heartbeat of p got through for 3 TTLs.
      await waitFor(
        'p cut off for 3 TTLs',
        () => p.membership.ownSilenceMs >= 3 * FAST.deadAfterMs,
      );
      proxy.restore();

      await waitFor('p stopped its stale copies', () =>
        cutOff.every((u) => pEvents.some((e) => e.type === 'lost' && e.unit === u)),
      );
      await waitFor('one owner per unit', () => names.every((name) => running(name).length === 1));
      for (const name of names) {
        expect(running(name)).toHaveLength(1);
        const record = a.placements.get(name)?.record;
        expect(running(name)[0]).toBe(record?.node);
        expect(await ask(name, 'get', undefined, `${name}-get`)).toEqual({
          count: 2,
          ids: ['x1', 'x2'],
        });
      }
      // Taken over at least once (a stall of a loaded machine may add a takeover, never remove one).
      for (const unit of cutOff)
        expect(a.placements.get(unit)?.record?.epoch).toBeGreaterThanOrEqual(2);
    } finally {
      await Promise.all(all.map((n) => n.close()));
      await proxy.stop();
    }
  });
});
