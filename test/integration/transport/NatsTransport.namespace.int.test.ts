import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NatsTransport,
  createActorSystem,
  createSubjects,
  decodeEnvelope,
  encodeEnvelope,
  type ActorSystem,
  type DeadLetter,
  type Envelope,
} from 'agentvisor/internal';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { counterMachine } from '../../runtime/system/fixtures.js';

// Two namespaces, `alpha` and `beta`, on one nats-server; each has an actor named `counter`.

interface Node {
  readonly transport: NatsTransport;
  readonly system: ActorSystem;
}

let server: NatsServerHandle;
let raw: NatsConnection;
let alpha: Node;
let beta: Node;

async function startNode(namespace: string): Promise<Node> {
  const transport = await NatsTransport.connect({ servers: server.url });
  return { transport, system: createActorSystem({ namespace }, { transport }) };
}

function nextDeadLetter(system: ActorSystem): Promise<DeadLetter> {
  return new Promise((resolve) => {
    const sub = system.deadLetters.subscribe((letter) => {
      sub.dispose();
      resolve(letter);
    });
  });
}

function encoded(envelope: Envelope): Uint8Array {
  const r = encodeEnvelope(envelope);
  if (!r.ok) throw r.error;
  return r.value;
}

beforeAll(async () => {
  server = await startNatsServer({ jetstream: false });
  raw = await connect({ servers: server.url });
  alpha = await startNode('alpha');
  beta = await startNode('beta');
  alpha.system.spawn('counter', counterMachine);
  beta.system.spawn('counter', counterMachine);
  await Promise.all([alpha.transport.connection.flush(), beta.transport.connection.flush()]);
});

afterAll(async () => {
  for (const node of [alpha, beta]) {
    await node.system.shutdown();
    await node.transport.close();
  }
  await raw.close();
  await server.stop();
});

describe('NatsTransport namespace isolation', () => {
  it('keeps each namespace to its own actors: same name, separate subjects', async () => {
    const client = await startNode('alpha');
    try {
      for (let i = 0; i < 3; i++) client.system.tell('counter', 'inc');
      expect(await client.system.ask('counter', 'get')).toBe(3);
      expect(await beta.system.ask('counter', 'get')).toBe(0);
    } finally {
      await client.system.shutdown();
      await client.transport.close();
    }
  });

  it('stamps the namespace into every envelope it sends on a namespace subject', async () => {
    const subject = createSubjects('alpha').actor('spy');
    const seen = new Promise<Envelope>((resolve) => {
      const sub = raw.subscribe(subject, {
        callback: (_err, msg) => {
          sub.unsubscribe();
          const decoded = decodeEnvelope(msg.data);
          if (decoded.ok) resolve(decoded.value);
        },
      });
    });
    await raw.flush();
    alpha.system.tell('spy', 'hello');
    const envelope = await seen;
    expect(envelope.ns).toBe('alpha');
    expect(envelope.type).toBe('hello');
  });

  it('refuses an envelope of another namespace arriving on its subject, and dead-letters it', async () => {
    const before = await beta.system.ask('counter', 'get');
    const letter = nextDeadLetter(beta.system);
    // An alpha envelope replayed onto beta's subject (a misrouted or hostile publisher).
    raw.publish(
      createSubjects('beta').actor('counter'),
      encoded({ v: 1, id: 'foreign-1', type: 'inc', to: 'counter', ns: 'alpha', payload: null }),
    );
    const dead = await letter;
    expect(dead.reason).toBe('foreign-namespace');
    expect(dead.error.code).toBe('ERR_FOREIGN_NAMESPACE');
    expect(dead.error.details).toMatchObject({ ns: 'alpha', namespace: 'beta', id: 'foreign-1' });
    expect(dead.bytes).toBeInstanceOf(Uint8Array);
    // The actor never saw it.
    expect(await beta.system.ask('counter', 'get')).toBe(before);
  });

  it('answers a foreign ask at once with ERR_FOREIGN_NAMESPACE instead of letting it time out', async () => {
    const reply = await raw.request(
      createSubjects('beta').actor('counter'),
      encoded({ v: 1, id: 'foreign-2', type: 'get', to: 'counter', ns: 'alpha', payload: null }),
      { timeout: 5_000 },
    );
    const decoded = decodeEnvelope(reply.data);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.value.type).toBe('agentvisor.error');
    expect(decoded.value.correlationId).toBe('foreign-2');
    expect(decoded.value.payload).toMatchObject({ code: 'ERR_FOREIGN_NAMESPACE' });
  });

  it('takes an envelope without ns (a plain NATS client) as addressed where it arrived', async () => {
    const before = (await beta.system.ask('counter', 'get')) as number;
    raw.publish(
      createSubjects('beta').actor('counter'),
      encoded({ v: 1, id: 'plain-1', type: 'inc', to: 'counter', payload: null }),
    );
    // Flushed: the server has routed it to beta's connection before beta's own ask below.
    await raw.flush();
    expect(await beta.system.ask('counter', 'get')).toBe(before + 1);
  });
});

describe('namespace isolation by server permissions', () => {
  // What keeps a tenant's clients off another namespace's subjects is the server: each user may
  // publish and subscribe only under its namespace prefix and the reply inboxes.
  const allow = (ns: string): string[] => [`av.${ns}.>`, '_INBOX.av.>'];
  let secured: NatsServerHandle;
  beforeAll(async () => {
    secured = await startNatsServer({
      jetstream: false,
      auth: {
        users: [
          { user: 'alpha', password: 'pa', publish: allow('alpha'), subscribe: allow('alpha') },
          { user: 'beta', password: 'pb', publish: allow('beta'), subscribe: allow('beta') },
        ],
      },
    });
  });
  afterAll(async () => {
    await secured.stop();
  });

  it('lets each node work in its namespace and stops it publishing into another', async () => {
    const nodes = await Promise.all(
      (['alpha', 'beta'] as const).map(async (ns) => {
        const transport = await NatsTransport.connect(
          { servers: secured.url },
          { auth: { type: 'user', user: ns, password: ns === 'alpha' ? 'pa' : 'pb' } },
        );
        return { transport, system: createActorSystem({ namespace: ns }, { transport }) };
      }),
    );
    const [a, b] = nodes as [Node, Node];
    try {
      a.system.spawn('counter', counterMachine);
      b.system.spawn('counter', counterMachine);
      await Promise.all([a.transport.connection.flush(), b.transport.connection.flush()]);
      // Inside its namespace, ask and tell work (publish under av.alpha, replies on _INBOX.av).
      a.system.tell('counter', 'inc');
      expect(await a.system.ask('counter', 'get')).toBe(1);

      // alpha's connection publishing onto beta's subject: the server refuses and says so.
      const violation = new Promise<string>((resolve) => {
        const sub = a.transport.onStatus((status) => {
          if (status.type !== 'error') return;
          sub.dispose();
          resolve(status.error?.message ?? '');
        });
      });
      a.transport.connection.publish(
        createSubjects('beta').actor('counter'),
        encoded({ v: 1, id: 'x-1', type: 'inc', to: 'counter', payload: null }),
      );
      expect(await violation).toMatch(/permissions violation/i);
      expect(await b.system.ask('counter', 'get')).toBe(0);
    } finally {
      for (const node of [a, b]) {
        await node.system.shutdown();
        await node.transport.close();
      }
    }
  });
});
