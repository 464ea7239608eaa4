/**
 * A client for the cluster (issue 10 item 6): `ask` with a caller-chosen id, retried with that id
 * across failover, is processed exactly once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterClient, isRuntimeError } from 'agentvisor';
import { ClusterNode, type ClusterNodeOptions } from 'agentvisor/node';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { systemClock, type Clock } from 'agentvisor';
import { agents } from './fixtures/agents.js';
import { waitFor } from './fixtures/waitFor.js';

const FAST = { heartbeatMs: 100, deadAfterMs: 600 } as const;
const RETRY = {
  attempts: 60,
  attemptTimeoutMs: 300,
  backoff: { initialDelayMs: 50, maxDelayMs: 200 },
};

let server: NatsServerHandle;
const nodes: ClusterNode[] = [];
const clients: ClusterClient[] = [];
let nsCounter = 0;

beforeAll(async () => {
  server = await startNatsServer();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});

afterAll(async () => {
  await server.stop();
});

async function cluster(): Promise<{ ns: string; owner: ClusterNode; survivor: ClusterNode }> {
  const ns = `client-${++nsCounter}`;
  const units: ClusterNodeOptions['units'] = [{ name: 'orders', agent: 'tally' }];
  const start = async (node: string) => {
    const n = await ClusterNode.start(
      { node, namespace: ns, servers: server.url, ...FAST, minMembers: 2, units },
      { agents },
    );
    nodes.push(n);
    return n;
  };
  const [a, b] = [await start('a'), await start('b')];
  const owner = await waitFor('orders placed', () =>
    [a, b].find((n) => n.system.describe('orders')?.status === 'running'),
  );
  return { ns, owner, survivor: owner === a ? b : a };
}

async function client(ns: string): Promise<ClusterClient> {
  const c = await ClusterClient.connect({ servers: server.url, namespace: ns });
  clients.push(c);
  return c;
}

describe('ClusterClient', () => {
  it('sends the budget left, not its wall-clock deadline: a client whose clock is a minute slow is answered', async () => {
    const { ns } = await cluster();
    // Same monotonic clock and timers, wall time 60 s behind: an absolute deadline from this
    // client has passed on every node before it is sent (issue 10, deadlines across clocks).
    const slow: Clock = { ...systemClock, now: () => systemClock.now() - 60_000 };
    const c = await ClusterClient.connect({ servers: server.url, namespace: ns }, { clock: slow });
    clients.push(c);
    expect(await c.ask('orders', 'add', { id: 'skewed' }, { timeoutMs: 5_000 })).toBe(1);
  });

  it('an ask with a fixed id sent as its node dies is retried with that id and processed once by the survivor', async () => {
    const { ns, owner, survivor } = await cluster();
    const c = await client(ns);
    expect(await c.ask('orders', 'add', { id: 'first' }, { id: 'order-1' })).toBe(1);
    // The owner dies (no drain): the next ask finds no responder, then times out, until the
    // survivor restores `orders` and answers the same id.
    await owner.close();
    const reply = await c.ask(
      'orders',
      'add',
      { id: 'second' },
      { id: 'order-2', retry: RETRY, timeoutMs: 20_000 },
    );
    expect(reply).toBe(2);
    expect(survivor.system.describe('orders')?.status).toBe('running');
    expect(await c.ask('orders', 'get', undefined, { retry: RETRY })).toEqual({
      count: 2,
      ids: ['first', 'second'],
    });
  }, 40_000);

  it('a retry of an id already processed: the remembered reply, or ERR_DUPLICATE_MESSAGE with alreadyProcessed', async () => {
    const { ns, owner } = await cluster();
    const c = await client(ns);
    expect(await c.ask('orders', 'add', { id: 'x' }, { id: 'order-x' })).toBe(1);
    // The same client asking again with the id gets the reply it remembers, nothing is re-sent.
    expect(await c.ask('orders', 'add', { id: 'x' }, { id: 'order-x', retry: RETRY })).toBe(1);
    // A caller that lost the reply (a new client: a restarted process) retries across failover.
    await owner.close();
    const other = await client(ns);
    const error = await other
      .ask('orders', 'add', { id: 'x' }, { id: 'order-x', retry: RETRY, timeoutMs: 20_000 })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isRuntimeError(error, 'ERR_DUPLICATE_MESSAGE')).toBe(true);
    expect((error as { details?: { alreadyProcessed?: boolean } }).details?.alreadyProcessed).toBe(
      true,
    );
    // A tell with the processed id is not processed again either.
    other.tell('orders', 'add', { id: 'x' }, { id: 'order-x' });
    expect(await other.ask('orders', 'get', undefined, { retry: RETRY })).toEqual({
      count: 1,
      ids: ['x'],
    });
  }, 40_000);

  it('refuses bad options with ERR_INVALID_OPTIONS', async () => {
    const c = await client('client-options');
    await expect(c.ask('orders', 'get', undefined, { retry: { attempts: 0 } })).rejects.toSatisfy(
      (e) => isRuntimeError(e, 'ERR_INVALID_OPTIONS'),
    );
    await expect(c.ask('orders', 'get', undefined, { id: '' })).rejects.toSatisfy((e) =>
      isRuntimeError(e, 'ERR_INVALID_OPTIONS'),
    );
  });
});
