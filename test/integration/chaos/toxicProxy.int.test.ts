import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { NatsTransport, createActorSystem, respond, type ActorSystem } from 'agentvisor';
import { systemClock } from 'agentvisor/internal';
import {
  expectRuntimeError,
  waitFor,
  startNatsServer,
  startToxicProxy,
  type NatsServerHandle,
  type ToxicProxy,
} from 'agentvisor/testing';

const echo = setup({}).createMachine({
  on: { ping: { actions: respond(() => 'pong') } },
});

/**
 * A "node" (an actor system on NatsTransport) reaches nats-server only through the proxy; the
 * echo actor is hosted by a second system connected to nats-server directly.
 */
describe('Toxiproxy-style TCP proxy between a node and nats-server', () => {
  let server: NatsServerHandle;
  let proxy: ToxicProxy;
  let host: ActorSystem;
  let hostTransport: NatsTransport;
  let node: ActorSystem;
  let nodeTransport: NatsTransport;

  beforeAll(async () => {
    server = await startNatsServer();
    proxy = await startToxicProxy({ upstream: { host: server.host, port: server.port } });
    hostTransport = await NatsTransport.connect({ servers: server.url });
    host = createActorSystem({ namespace: 'toxic' }, { transport: hostTransport });
    host.spawn('echo', echo);
    nodeTransport = await NatsTransport.connect({
      servers: proxy.url,
      reconnectTimeWait: 50,
      maxReconnectAttempts: -1,
    });
    node = createActorSystem({ namespace: 'toxic' }, { transport: nodeTransport });
  }, 30_000);

  afterAll(async () => {
    await node.shutdown();
    await nodeTransport.close();
    await host.shutdown();
    await hostTransport.close();
    await proxy.close();
    await server.stop();
  });

  const ping = (timeoutMs = 2_000) => node.ask('echo', 'ping', undefined, { timeoutMs });

  it('with no toxic the node talks through the proxy', async () => {
    expect(await ping()).toBe('pong');
    expect(proxy.connections).toBe(1);
  });

  it('latency 300 ms downstream: a round trip takes at least 300 ms', async () => {
    const name = proxy.addToxic({ type: 'latency', latency: 300 });
    const started = systemClock.monotonic();
    expect(await ping()).toBe('pong');
    expect(systemClock.monotonic() - started).toBeGreaterThanOrEqual(295);
    proxy.removeToxic(name);
  });

  it('bandwidth 1 KB/s upstream: a 4 KB ask takes seconds, not milliseconds', async () => {
    const name = proxy.addToxic({ type: 'bandwidth', rate: 1, stream: 'upstream' });
    const started = systemClock.monotonic();
    const big = node.ask('echo', 'ping', 'x'.repeat(4_000), { timeoutMs: 15_000 });
    expect(await big).toBe('pong');
    expect(systemClock.monotonic() - started).toBeGreaterThanOrEqual(2_500);
    proxy.removeToxic(name);
  }, 20_000);

  it('partition (timeout 0 both ways): asks time out; removed, the node is back', async () => {
    proxy.addToxic({ type: 'timeout', timeout: 0, stream: 'upstream' });
    proxy.addToxic({ type: 'timeout', timeout: 0 });
    await expectRuntimeError(ping(500), 'ERR_TIMEOUT');
    proxy.reset();
    // The data dropped during the partition may have cut the connection's protocol stream: a
    // reset makes the client reconnect cleanly.
    proxy.addToxic({ type: 'reset_peer', timeout: 0 });
    proxy.removeToxic('reset_peer_downstream');
    await retryUntilPong();
  }, 20_000);

  it('reset_peer: the connection is reset (RST), the client reconnects through the proxy', async () => {
    const before = proxy.accepted;
    proxy.addToxic({ type: 'reset_peer', timeout: 100 });
    await waitFor('a reconnect after the reset', () => proxy.accepted > before, {
      timeoutMs: 10_000,
    });
    proxy.reset();
    await retryUntilPong();
  }, 20_000);

  it('limit_data downstream: a raw client gets exactly the first 10 bytes of INFO, then the close', async () => {
    proxy.addToxic({ type: 'limit_data', bytes: 10 });
    const raw = connect(proxy.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    await new Promise<void>((resolve) =>
      raw.on('close', () => {
        resolve();
      }),
    );
    expect(Buffer.concat(chunks).toString()).toBe('INFO {"ser');
    proxy.reset();
  });

  it('a toxic out of range is refused with ERR_INVALID_OPTIONS', () => {
    expect(() => proxy.addToxic({ type: 'latency', latency: -1 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }),
    );
  });

  async function retryUntilPong(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if ((await ping(300).catch(() => undefined)) === 'pong') return;
    }
    throw new Error('the node never came back');
  }
});
