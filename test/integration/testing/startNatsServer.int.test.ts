import { existsSync } from 'node:fs';
import { connect as connectTcp } from 'node:net';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findNatsServer, startNatsServer, type NatsServerHandle } from 'agentvisor/testing';

/** Resolves with the error code of a plain TCP connect to 127.0.0.1:port, or 'connected'. */
function probePort(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (e: NodeJS.ErrnoException) => {
      resolve(e.code ?? e.message);
    });
  });
}

describe('startNatsServer', () => {
  let server: NatsServerHandle;
  let nc: NatsConnection;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url });
  });

  afterAll(async () => {
    await nc.close();
    await server.stop();
  });

  it('reports a loopback url, port, pid and store directory', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    expect(server.pid).toBeGreaterThan(0);
    expect(existsSync(server.storeDir)).toBe(true);
    expect(findNatsServer()).toEqual(expect.any(String));
  });

  it('answers a core request/reply round trip', async () => {
    const sub = nc.subscribe('test.echo', {
      callback: (err, msg) => {
        if (err === null) msg.respond(`echo:${msg.string()}`);
      },
    });
    try {
      const reply = await nc.request('test.echo', 'ping', { timeout: 5_000 });
      expect(reply.string()).toBe('echo:ping');
    } finally {
      sub.unsubscribe();
    }
  });

  it('has JetStream: a stream stores published messages', async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
    const js = jetstream(nc);

    const first = await js.publish('orders.1', 'one');
    const second = await js.publish('orders.2', 'two');

    expect(first).toMatchObject({ stream: 'ORDERS', seq: 1 });
    expect(second).toMatchObject({ stream: 'ORDERS', seq: 2 });
    const info = await jsm.streams.info('ORDERS');
    expect(info.state.messages).toBe(2);
    const stored = await jsm.streams.getMessage('ORDERS', { seq: 2 });
    expect(stored?.subject).toBe('orders.2');
    expect(stored?.string()).toBe('two');
  });

  it('has KV: a bucket stores and returns values', async () => {
    const kv = await new Kvm(nc).create('settings');

    const revision = await kv.put('color', 'blue');
    const entry = await kv.get('color');

    expect(revision).toBe(1);
    expect(entry?.string()).toBe('blue');
    expect(entry?.revision).toBe(1);
    expect(await kv.get('missing')).toBeNull();
  });
});

describe('NatsServerHandle.stop', () => {
  it('stops the server, frees its port and removes its directory; idempotent', async () => {
    await using server = await startNatsServer({ jetstream: false });
    expect(await probePort(server.port)).toBe('connected');

    await server.stop();

    expect(await probePort(server.port)).toBe('ECONNREFUSED');
    expect(existsSync(server.storeDir)).toBe(false);
    await expect(server.stop()).resolves.toBeUndefined();
    // `await using` disposes it once more on the way out.
  });
});

describe('findNatsServer / NATS_SERVER_BIN', () => {
  it('fails with ERR_NATS_SERVER_MISSING when NATS_SERVER_BIN points nowhere', async () => {
    const saved = process.env['NATS_SERVER_BIN'];
    process.env['NATS_SERVER_BIN'] = '/nonexistent';
    try {
      expect(findNatsServer()).toBeUndefined();
      const error: unknown = await startNatsServer().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error).toMatchObject({ name: 'RuntimeError', code: 'ERR_NATS_SERVER_MISSING' });
    } finally {
      if (saved === undefined) delete process.env['NATS_SERVER_BIN'];
      else process.env['NATS_SERVER_BIN'] = saved;
    }
  });
});

describe('startNatsServer security and cluster options', () => {
  it.each([
    ['an nkey that is not a user public key', { auth: { nkey: 'SUABC' } }],
    ['user without password', { auth: { user: 'u' } }],
    ['an empty token', { auth: { token: '' } }],
    ['an empty users list', { auth: { users: [] } }],
    [
      'a permission with a space',
      { auth: { users: [{ user: 'u', password: 'p', publish: ['a b'] }] } },
    ],
    ['an unknown tls option', { tls: { verify: true } }],
    ['a cluster name with spaces', { cluster: { name: 'a b' } }],
    ['a route that is not a URL', { cluster: { routes: ['127.0.0.1:1'] } }],
  ])('refuses %s with ERR_INVALID_OPTIONS before starting anything', async (_label, options) => {
    await expect(startNatsServer(options as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
    });
  });

  it('keeps TLS and its certificates across a restart, and removes them on stop', async () => {
    const server = await startNatsServer({ jetstream: false, tls: true });
    const caFile = server.tls?.caFile ?? '';
    expect(existsSync(caFile)).toBe(true);
    await server.restart();
    const nc = await connect({ servers: server.url, tls: { caFile } });
    try {
      expect(nc.info?.tls_required).toBe(true);
    } finally {
      await nc.close();
      await server.stop();
    }
    expect(existsSync(caFile)).toBe(false);
  });
});
