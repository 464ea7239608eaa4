import { connect, type NatsConnection } from '@nats-io/transport-node';
import { setup } from 'xstate';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  NatsTransport,
  createActorSystem,
  decodeEnvelope,
  encodeEnvelope,
  encodeValue,
  respond,
  systemClock,
  type ActorSystem,
  type DeadLetter,
  type Envelope,
  type MessageEvent,
  type NatsTransportOptions,
  type NatsTransportStatus,
} from 'agentvisor/internal';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { counterMachine, slowMachine } from '../../runtime/system/fixtures.js';

// One nats-server for the file. Each "node" is an ActorSystem on its own connection; the nodes
// share the namespace, so an actor hosted on one is addressed by name from any other.

interface Node {
  readonly transport: NatsTransport;
  readonly system: ActorSystem;
}

let server: NatsServerHandle;
/** A plain NATS client, for what a foreign process would publish. */
let raw: NatsConnection;
let a: Node;
let b: Node;
const extraNodes: Node[] = [];
let serial = 0;
const fresh = (prefix: string): string => `${prefix}-${++serial}`;

async function startNode(options: NatsTransportOptions = {}): Promise<Node> {
  const transport = await NatsTransport.connect({ servers: server.url }, options);
  return { transport, system: createActorSystem({ namespace: 'x' }, { transport }) };
}

/** A node that the test stops itself, or that afterEach stops. */
async function extraNode(options: NatsTransportOptions = {}): Promise<Node> {
  const node = await startNode(options);
  extraNodes.push(node);
  return node;
}

async function stopNode(node: Node): Promise<void> {
  await node.system.shutdown();
  await node.transport.close();
}

/** The next dead letter of `system` that `match` accepts. */
function nextDeadLetter(
  system: ActorSystem,
  match: (letter: DeadLetter) => boolean = () => true,
): Promise<DeadLetter> {
  return new Promise((resolve) => {
    const sub = system.deadLetters.subscribe((letter) => {
      if (!match(letter)) return;
      sub.dispose();
      resolve(letter);
    });
  });
}

/** The first status of `type` that `transport` reports from now on. */
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

function envelope(fields: Partial<Envelope> = {}): Envelope {
  return { v: 1, id: fresh('m'), type: 'ping', to: 'probe', payload: null, ...fields };
}

function encoded(value: Envelope): Uint8Array {
  const result = encodeEnvelope(value);
  if (!result.ok) throw result.error;
  return result.value;
}

/** Answers `big` with a payload of `size` characters. */
const bigReplier = setup({
  types: { events: {} as MessageEvent<'big', { size: number }> },
}).createMachine({
  on: { big: { actions: respond(({ event }) => 'x'.repeat(event.payload.size)) } },
});

beforeAll(async () => {
  server = await startNatsServer({ jetstream: false });
  raw = await connect({ servers: server.url });
  a = await startNode();
  b = await startNode();
});

afterEach(async () => {
  await Promise.all(extraNodes.splice(0).map(stopNode));
});

afterAll(async () => {
  await stopNode(b);
  await stopNode(a);
  await raw.close();
  await server.stop();
});

describe('NatsTransport between two nodes', () => {
  it('delivers tells from node B to an actor on node A, in order, and answers an ask', async () => {
    const name = fresh('counter');
    a.system.spawn(name, counterMachine);
    await a.transport.connection.flush(); // the subscription has reached the server

    b.system.tell(name, 'inc', { by: 2 });
    b.system.tell(name, 'inc');
    // Same connection, same subject: NATS keeps the order, so the ask queues behind the tells.
    await expect(b.system.ask(name, 'get')).resolves.toBe(3);
    expect(a.system.describe(name)?.processed).toBe(3);
  });

  it('answers many concurrent asks, each with its own reply', async () => {
    const name = fresh('counter');
    a.system.spawn(name, counterMachine);
    await a.transport.connection.flush();

    const replies = await Promise.all(Array.from({ length: 200 }, () => b.system.ask(name, 'get')));
    expect(replies).toEqual(Array.from({ length: 200 }, () => 0));
    expect(b.transport.pendingRequests).toBe(0);
  });

  it('answers an ask to an actor of the same node (the reply short-cuts the server)', async () => {
    const name = fresh('counter');
    a.system.spawn(name, counterMachine);
    await a.transport.connection.flush();
    a.system.tell(name, 'inc');
    await expect(a.system.ask(name, 'get')).resolves.toBe(1);
  });

  it('fails an ask to an actor nobody hosts with ERR_ACTOR_NOT_FOUND, not at its deadline', async () => {
    // The deadline is beyond the test timeout: only "no responders" can end this ask in time.
    await expect(
      b.system.ask(fresh('ghost'), 'get', undefined, { timeoutMs: 60_000 }),
    ).rejects.toMatchObject({ name: 'RuntimeError', code: 'ERR_ACTOR_NOT_FOUND' });
    expect(b.transport.pendingRequests).toBe(0);
  });

  it('fails an ask with ERR_TIMEOUT when the actor never answers', async () => {
    const name = fresh('slow');
    a.system.spawn(name, slowMachine);
    await a.transport.connection.flush();
    await expect(b.system.ask(name, 'slow', undefined, { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'ERR_TIMEOUT',
    });
    expect(b.transport.pendingRequests).toBe(0);
  });

  it('rejects an ask with the signal reason when aborted', async () => {
    const name = fresh('slow');
    a.system.spawn(name, slowMachine);
    await a.transport.connection.flush();
    const controller = new AbortController();
    const asked = b.system.ask(name, 'slow', undefined, {
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(asked).rejects.toBe(reason);
  });

  it('refuses a second request with an id already in flight (ERR_INVALID_MESSAGE)', async () => {
    const name = fresh('slow');
    a.system.spawn(name, slowMachine);
    await a.transport.connection.flush();
    const subject = a.system.subjects.actor(name);
    const deadline = systemClock.now() + 60_000;
    const delivered = new Promise<void>((resolve) => {
      const tap = a.system.onMessage((actor) => {
        if (actor !== name) return;
        tap.dispose();
        resolve();
      });
    });
    const first = b.transport.request(subject, envelope({ type: 'slow', id: 'dup' }), { deadline });
    await expect(
      b.transport.request(subject, envelope({ type: 'slow', id: 'dup' }), { deadline }),
    ).rejects.toMatchObject({ code: 'ERR_INVALID_MESSAGE' });
    const controller = new AbortController();
    const second = b.transport.request(subject, envelope({ type: 'slow', id: 'x y.z' }), {
      deadline,
      signal: controller.signal,
    });
    controller.abort('done'); // an id that is not token-safe is encoded, not refused
    await expect(second).rejects.toBe('done');
    await delivered;
    a.system.stop(name); // the actor owes the first request a reply: ERR_ACTOR_STOPPED
    await expect(first).resolves.toMatchObject({ type: 'agentvisor.error', correlationId: 'dup' });
  });
});

describe('NatsTransport and bytes from outside', () => {
  it('refuses garbage published raw to an actor subject: a dead letter, never the actor', async () => {
    const name = fresh('counter');
    a.system.spawn(name, counterMachine);
    await a.transport.connection.flush();
    const rejected: string[] = [];
    const tap = a.transport.onRejected(({ error }) => rejected.push(error.code));

    const malformed = nextDeadLetter(a.system, (l) => l.reason === 'malformed-message');
    raw.publish(a.system.subjects.actor(name), new Uint8Array([0x92, 0x01])); // truncated array
    const letter = await malformed;
    expect(letter.error.code).toBe('ERR_MALFORMED_MESSAGE');
    expect(letter.to).toBe(a.system.subjects.actor(name));

    const invalid = nextDeadLetter(a.system, (l) => l.reason === 'invalid-message');
    const wrongVersion = encodeValue({ ...envelope({ type: 'inc', to: name }), v: 2 });
    if (!wrongVersion.ok) throw wrongVersion.error;
    raw.publish(a.system.subjects.actor(name), wrongVersion.value); // decodes, fails the schema
    expect((await invalid).error.code).toBe('ERR_INVALID_MESSAGE');

    tap.dispose();
    expect(rejected).toEqual(['ERR_MALFORMED_MESSAGE', 'ERR_INVALID_MESSAGE']);
    await expect(b.system.ask(name, 'get')).resolves.toBe(0);
    expect(a.system.describe(name)?.processed).toBe(1); // the ask only
  });

  it('delivers a valid envelope published raw, and answers a plain nc.request', async () => {
    const name = fresh('counter');
    a.system.spawn(name, counterMachine);
    await a.transport.connection.flush();
    raw.publish(a.system.subjects.actor(name), encoded(envelope({ type: 'inc', to: name })));
    // A plain NATS request: the reply subject travels outside the envelope.
    const reply = await raw.request(
      a.system.subjects.actor(name),
      encoded(envelope({ type: 'get', to: name })),
      { timeout: 5_000 },
    );
    const decoded = decodeEnvelope(reply.data);
    expect(decoded.ok && decoded.value).toMatchObject({ type: 'agentvisor.reply', payload: 1 });
  });

  it('receiveBytes validates before publishing: garbage is refused, valid bytes arrive', async () => {
    const name = fresh('counter');
    a.system.spawn(name, counterMachine);
    await a.transport.connection.flush();
    const refused = nextDeadLetter(b.system, (l) => l.reason === 'malformed-message');
    b.system.receiveBytes(name, new Uint8Array([0x92, 0x01]));
    expect((await refused).error.code).toBe('ERR_MALFORMED_MESSAGE');
    b.system.receiveBytes(name, encoded(envelope({ type: 'inc', to: name })));
    await expect(b.system.ask(name, 'get')).resolves.toBe(1);
  });

  it('settles a request with the reply on its subject, dropping one for another request', async () => {
    const sink = fresh('sink');
    const sub = raw.subscribe(sink, { callback: () => undefined }); // listens, never answers
    await raw.flush();
    const request = envelope({ id: fresh('req') });
    const pending = b.transport.request(sink, request, { deadline: systemClock.now() + 60_000 });
    const replyTo = request.replyTo ?? '';
    expect(replyTo.startsWith('_INBOX.av.')).toBe(true);

    raw.publish(replyTo, encoded(envelope({ correlationId: 'someone-else', to: replyTo })));
    raw.publish(
      replyTo,
      encoded(envelope({ type: 'pong', correlationId: request.id, to: replyTo })),
    );
    await expect(pending).resolves.toMatchObject({ type: 'pong', correlationId: request.id });
    sub.unsubscribe();
  });

  it('fails a request whose reply does not decode, at once', async () => {
    const sink = fresh('sink');
    const sub = raw.subscribe(sink, { callback: () => undefined });
    await raw.flush();
    const request = envelope({ id: fresh('req') });
    const pending = b.transport.request(sink, request, { deadline: systemClock.now() + 60_000 });
    raw.publish(request.replyTo ?? '', new Uint8Array([0x92, 0x01]));
    await expect(pending).rejects.toMatchObject({ code: 'ERR_MALFORMED_MESSAGE' });
    sub.unsubscribe();
  });
});

describe('NatsTransport message size', () => {
  it('refuses an ask over maxMessageBytes before sending it', async () => {
    const small = await extraNode({ maxMessageBytes: 4_096 });
    const name = fresh('counter');
    a.system.spawn(name, counterMachine);
    await expect(
      small.system.ask(name, 'inc', { by: 1, pad: 'x'.repeat(10_000) }, { timeoutMs: 60_000 }),
    ).rejects.toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE' });
  });

  it('refuses an incoming message over maxMessageBytes before decoding it', async () => {
    const small = await extraNode({ maxMessageBytes: 4_096 });
    const name = fresh('counter');
    small.system.spawn(name, counterMachine);
    await small.transport.connection.flush();
    const refused = nextDeadLetter(small.system);
    raw.publish(
      small.system.subjects.actor(name),
      encoded(envelope({ type: 'inc', to: name, payload: 'x'.repeat(10_000) })),
    );
    expect((await refused).error.code).toBe('ERR_MESSAGE_TOO_LARGE');
    await expect(b.system.ask(name, 'get')).resolves.toBe(0);
  });

  it('turns a reply too large to send into an ERR_MESSAGE_TOO_LARGE reply', async () => {
    const small = await extraNode({ maxMessageBytes: 4_096 });
    const name = fresh('big');
    small.system.spawn(name, bigReplier);
    await small.transport.connection.flush();
    await expect(b.system.ask(name, 'big', { size: 100 })).resolves.toBe('x'.repeat(100));
    await expect(
      b.system.ask(name, 'big', { size: 10_000 }, { timeoutMs: 60_000 }),
    ).rejects.toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE' });
  });
});

describe('NatsTransport lifecycle', () => {
  it('close fails pending requests with ERR_CLOSED and closes the connection it owns', async () => {
    const node = await startNode();
    const name = fresh('slow');
    a.system.spawn(name, slowMachine);
    await a.transport.connection.flush();
    const asked = node.system.ask(name, 'slow', undefined, { timeoutMs: 60_000 });
    await node.transport.close();
    await expect(asked).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(node.transport.closed).resolves.toBeUndefined();
    expect(node.transport.connection.isClosed()).toBe(true);
    await expect(node.system.ask(name, 'slow')).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    expect(node.transport.publish('any.subject', envelope())).toBe('no-subscribers');
    await node.system.shutdown();
  });

  it('drain lets pending replies arrive, refuses new requests meanwhile, then closes', async () => {
    const node = await startNode();
    const name = fresh('counter');
    a.system.spawn(name, counterMachine);
    await a.transport.connection.flush();
    const asked = node.system.ask(name, 'get');
    const drained = node.transport.drain();
    await expect(node.system.ask(name, 'get')).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    expect(() => node.transport.subscribe('any.subject', () => undefined)).toThrow(
      expect.objectContaining({ code: 'ERR_CLOSED' }) as Error,
    );
    await expect(asked).resolves.toBe(0);
    await drained;
    await expect(node.transport.closed).resolves.toBeUndefined();
    expect(node.transport.connection.isClosed()).toBe(true);
    await node.system.shutdown();
  });

  it('drain waits for a request that gets no reply until its deadline', async () => {
    const node = await startNode();
    const name = fresh('slow');
    a.system.spawn(name, slowMachine);
    await a.transport.connection.flush();
    const asked = node.system.ask(name, 'slow', undefined, { timeoutMs: 300 });
    const drained = node.transport.drain();
    await expect(asked).rejects.toMatchObject({ code: 'ERR_TIMEOUT' });
    await drained;
    expect(node.transport.connection.isClosed()).toBe(true);
    await node.system.shutdown();
  });

  it('on a connection it does not own, close removes its subscriptions and leaves it open', async () => {
    const nc = await connect({ servers: server.url });
    const transport = new NatsTransport(nc);
    const system = createActorSystem({ namespace: 'x' }, { transport });
    const name = fresh('counter');
    system.spawn(name, counterMachine);
    await nc.flush();
    await expect(b.system.ask(name, 'get')).resolves.toBe(0);

    await transport.close();
    expect(nc.isClosed()).toBe(false);
    await nc.flush(); // the unsubscribe has reached the server
    await expect(b.system.ask(name, 'get', undefined, { timeoutMs: 60_000 })).rejects.toMatchObject(
      { code: 'ERR_ACTOR_NOT_FOUND' },
    );
    await system.shutdown();
    await nc.close();
  });

  it('closes when its connection is closed under it, failing pending requests', async () => {
    const nc = await connect({ servers: server.url });
    const transport = new NatsTransport(nc);
    const name = fresh('slow');
    a.system.spawn(name, slowMachine);
    await a.transport.connection.flush();
    const pending = transport.request(
      a.system.subjects.actor(name),
      envelope({ type: 'slow', to: name }),
      { deadline: systemClock.now() + 60_000 },
    );
    await nc.close();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(transport.closed).resolves.toBeUndefined();
  });

  it('refuses bad options with ERR_INVALID_OPTIONS', async () => {
    const nc = await connect({ servers: server.url });
    try {
      expect(() => new NatsTransport(nc, { inboxPrefix: 'bad.>' })).toThrow(
        expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }) as Error,
      );
      await expect(
        NatsTransport.connect({ servers: server.url }, { maxMessageBytes: 0 }),
      ).rejects.toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    } finally {
      await nc.close();
    }
  });
});

// Last: it restarts the server under every connection of the file.
describe('NatsTransport across a server restart', () => {
  it('reports disconnect and reconnect, and requests work again after it', async () => {
    const name = fresh('counter');
    a.system.spawn(name, counterMachine);
    await a.transport.connection.flush();
    b.system.tell(name, 'inc');
    await expect(b.system.ask(name, 'get')).resolves.toBe(1);

    const seen: string[] = [];
    const tap = b.transport.onStatus((s) => seen.push(s.type));
    const lostA = nextStatus(a.transport, 'disconnect');
    const lostB = nextStatus(b.transport, 'disconnect');
    const backA = nextStatus(a.transport, 'reconnect');
    const backB = nextStatus(b.transport, 'reconnect');

    await server.restart();
    await Promise.all([lostA, lostB]);
    const [reA, reB] = await Promise.all([backA, backB]);
    expect(reA.downMs).toBeGreaterThan(0);
    expect(reB.server).toBe(`127.0.0.1:${server.port}`);
    // Subscriptions are re-sent on reconnect; a round trip makes sure the server has A's.
    await a.transport.connection.flush();

    await expect(b.system.ask(name, 'get')).resolves.toBe(1); // state lives in node A
    b.system.tell(name, 'inc');
    await expect(b.system.ask(name, 'get')).resolves.toBe(2);
    tap.dispose();
    expect(seen).toEqual(expect.arrayContaining(['disconnect', 'reconnect']));
    expect(seen.indexOf('disconnect')).toBeLessThan(seen.indexOf('reconnect'));
  });
});
