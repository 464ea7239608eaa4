import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NatsTransport,
  createActorSystem,
  isRuntimeError,
  type ActorSystem,
  type NatsTransportStatus,
} from 'agentvisor';
import { startNatsCluster, type NatsClusterHandle } from 'agentvisor/testing';
import { counterMachine } from '../../runtime/system/fixtures.js';

// Three nats-server processes joined by routes on loopback. Two nodes (an ActorSystem each, on
// its own connection with every server's URL) start on different servers; the server under the
// asking node is killed with SIGKILL, and work goes on once it has reconnected to another.

interface Node {
  readonly transport: NatsTransport;
  readonly system: ActorSystem;
}

let cluster: NatsClusterHandle;
let host: Node;
let client: Node;

/** Connects with every URL, trying them in the given order first (no shuffling). */
async function startNode(urls: readonly string[]): Promise<Node> {
  const transport = await NatsTransport.connect({ servers: [...urls], noRandomize: true });
  return { transport, system: createActorSystem({ namespace: 'ha' }, { transport }) };
}

/** The first status of `type` the transport reports from now on. */
function nextStatus(
  transport: NatsTransport,
  type: NatsTransportStatus['type'],
): Promise<NatsTransportStatus> {
  return new Promise((resolve) => {
    const sub = transport.onStatus((status) => {
      if (status.type !== type) return;
      sub.dispose();
      resolve(status);
    });
  });
}

/** The port of the server a transport is connected to now. */
function serverPort(transport: NatsTransport): number {
  return Number(transport.connection.getServer().split(':').pop());
}

beforeAll(async () => {
  cluster = await startNatsCluster(3);
  const [u0, u1, u2] = cluster.urls as [string, string, string];
  host = await startNode([u2, u1, u0]);
  client = await startNode([u0, u1, u2]);
  host.system.spawn('counter', counterMachine);
});

afterAll(async () => {
  for (const node of [client, host]) {
    await node.system.shutdown();
    await node.transport.close();
  }
  await cluster.stop();
});

describe('startNatsCluster', () => {
  it('starts three servers joined in one cluster, each with its own ports', () => {
    expect(cluster.servers).toHaveLength(3);
    expect(new Set(cluster.urls).size).toBe(3);
    for (const server of cluster.servers) {
      expect(server.clusterUrl).toMatch(/^nats-route:\/\/127\.0\.0\.1:\d+$/);
    }
  });

  it('refuses a size out of range with ERR_INVALID_OPTIONS', async () => {
    await expect(startNatsCluster(0)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    await expect(startNatsCluster(2.5)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
  });
});

describe('NatsTransport on a cluster of three servers', () => {
  it('carries tell and ask between nodes on different servers', async () => {
    expect(serverPort(host.transport)).toBe(cluster.servers[2]?.port);
    expect(serverPort(client.transport)).toBe(cluster.servers[0]?.port);
    for (let i = 0; i < 10; i++) client.system.tell('counter', 'inc');
    expect(await client.system.ask('counter', 'get', undefined, { timeoutMs: 5_000 })).toBe(10);
  });

  it('reconnects to another server when its server is killed, and work continues', async () => {
    const before = (await client.system.ask('counter', 'get')) as number;
    const victim = cluster.servers[0];
    if (victim === undefined) throw new Error('no server 0');
    const disconnected = nextStatus(client.transport, 'disconnect');
    const reconnected = nextStatus(client.transport, 'reconnect');

    process.kill(victim.pid, 'SIGKILL');
    expect((await disconnected).server).toContain(String(victim.port));
    const back = await reconnected;
    expect(back.server).not.toContain(String(victim.port));
    expect(back.downMs).toBeGreaterThanOrEqual(0);
    expect(serverPort(client.transport)).not.toBe(victim.port);

    // Subscriptions came back with the connection: tells arrive, asks get their replies.
    for (let i = 0; i < 25; i++) client.system.tell('counter', 'inc');
    expect(await client.system.ask('counter', 'get', undefined, { timeoutMs: 5_000 })).toBe(
      before + 25,
    );
    // And the other way round: the host asks an actor that lives on the reconnected node.
    client.system.spawn('counter-2', counterMachine);
    await client.transport.connection.flush();
    // The new subscription reaches the host's server over a route, later: until it has, nats-server
    // answers "no responders" (ERR_ACTOR_NOT_FOUND) and drops tells. Ask until it answers, with a
    // round trip to the host's server between attempts.
    for (let attempt = 1; ; attempt++) {
      const got = await host.system
        .ask('counter-2', 'get', undefined, { timeoutMs: 5_000 })
        .catch((err: unknown) => err);
      if (got === 0) break;
      if (!isRuntimeError(got, 'ERR_ACTOR_NOT_FOUND') || attempt === 500) throw got;
      await host.transport.connection.flush();
    }
    host.system.tell('counter-2', 'inc');
    expect(await host.system.ask('counter-2', 'get', undefined, { timeoutMs: 5_000 })).toBe(1);
    expect(host.transport.pendingRequests).toBe(0);
    expect(client.transport.pendingRequests).toBe(0);
  });
});
