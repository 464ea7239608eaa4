import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NatsTransport,
  ReplyType,
  createActorSystem,
  createSubjects,
  decodeEnvelope,
  encodeEnvelope,
  encodeValue,
  isRuntimeError,
  type ActorSystem,
  type DeadLetter,
  type Envelope,
} from 'agentvisor/internal';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { counterMachine } from '../../runtime/system/fixtures.js';

// Bad input from raw NATS clients against two namespaces, `alpha` and `beta`, on one server.

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

/** The next dead letter of `system` (the test's own timeout bounds the wait). */
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

/** Bytes of any value, as a hostile client would pack them (past our envelope schema). */
function packed(value: unknown): Uint8Array {
  const r = encodeValue(value);
  if (!r.ok) throw r.error;
  return r.value;
}

function decoded(msg: Msg): Envelope {
  const r = decodeEnvelope(msg.data);
  if (!r.ok) throw r.error;
  return r.value;
}

/**
 * Subscribes to `subject` (resolving once the server has the subscription) and gives the first
 * message on it, or an error after `timeoutMs`.
 */
async function firstOn(subject: string, timeoutMs = 5_000): Promise<{ next: Promise<Msg> }> {
  const sub = raw.subscribe(subject, { max: 1, timeout: timeoutMs });
  await raw.flush();
  const next = (async () => {
    for await (const msg of sub) return msg;
    throw new Error(`nothing on ${subject}`);
  })();
  return { next };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (err) {
    return isRuntimeError(err) ? err.code : `non-runtime: ${String(err)}`;
  }
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

describe('NatsTransport bad input: replies across namespaces (issue 10 G)', () => {
  it('refuses an ask whose replyTo is an actor subject of another namespace, and never publishes into it', async () => {
    const betaCounter = createSubjects('beta').actor('counter');
    let intoBeta = 0;
    const spy = raw.subscribe(betaCounter, {
      callback: () => {
        intoBeta++;
      },
    });
    await raw.flush();
    const betaDeadBefore = beta.system.deadLetters.count();
    const letter = nextDeadLetter(alpha.system);
    raw.publish(
      createSubjects('alpha').actor('counter'),
      encoded({
        v: 1,
        id: 'cross-1',
        type: 'get',
        to: 'counter',
        ns: 'alpha',
        replyTo: betaCounter,
        payload: null,
      }),
    );
    const dead = await letter;
    expect(dead.reason).toBe('foreign-namespace');
    expect(dead.error.code).toBe('ERR_FOREIGN_NAMESPACE');
    expect(dead.envelope?.id).toBe('cross-1');
    // Alpha's actor is idle (it answered a later ask), and nothing went into beta's actor.
    await expect(alpha.system.ask('counter', 'get')).resolves.toBe(0);
    await raw.flush();
    await beta.transport.connection.flush();
    spy.unsubscribe();
    expect(intoBeta).toBe(0);
    expect(beta.system.deadLetters.count()).toBe(betaDeadBefore);
  });

  it('still answers a reply inbox and a subject of its own namespace', async () => {
    // A reply inbox outside the layout (nats.js `_INBOX`): answered.
    const reply = await raw.request(
      createSubjects('alpha').actor('counter'),
      encoded({ v: 1, id: 'plain-1', type: 'get', to: 'counter', payload: null }),
      { timeout: 5_000 },
    );
    expect(decoded(reply)).toMatchObject({
      type: ReplyType.Ok,
      correlationId: 'plain-1',
      payload: 0,
    });
    // An inbox subject of the own namespace: answered.
    const own = createSubjects('alpha').inbox('raw-1');
    const answered = (await firstOn(own)).next;
    raw.publish(
      createSubjects('alpha').actor('counter'),
      encoded({ v: 1, id: 'own-1', type: 'get', to: 'counter', replyTo: own, payload: null }),
    );
    expect(decoded(await answered)).toMatchObject({ correlationId: 'own-1', payload: 0 });
  });
});

describe('NatsTransport bad input: forged error replies (issue 10 I)', () => {
  const forger = createSubjects('alpha').actor('forger');

  /** Asks the raw client (posing as actor `forger`) and answers with `payload` as an error reply. */
  async function askForged(
    payload: { wire: unknown } | { bytes: (request: Envelope) => Uint8Array },
  ): Promise<unknown> {
    const request = await firstOn(forger);
    const asked = alpha.system.ask('forger', 'q', null, { timeoutMs: 30_000 });
    const msg = await request.next;
    const envelope = decoded(msg);
    const reply = {
      v: 1,
      id: `forged-${envelope.id}`,
      type: ReplyType.Error,
      to: envelope.replyTo,
      correlationId: envelope.id,
      payload: 'wire' in payload ? payload.wire : null,
    };
    // A hostile chain may not pass our own encoder: the forger packs it itself.
    raw.publish(
      envelope.replyTo ?? '',
      'bytes' in payload ? payload.bytes(envelope) : packed(reply),
    );
    return asked.then(
      () => 'resolved',
      (err: unknown) => err,
    );
  }

  /** MessagePack of a string (fixstr or str8). */
  function str(text: string): number[] {
    const bytes = [...Buffer.from(text, 'utf8')];
    return bytes.length < 32 ? [0xa0 | bytes.length, ...bytes] : [0xd9, bytes.length, ...bytes];
  }

  /**
   * A reply envelope whose error payload nests `depth` causes, packed by hand: msgpackr itself
   * overflows its stack on such a value, a hostile client does not need it.
   */
  function deepErrorReply(replyTo: string, correlationId: string, depth: number): Uint8Array {
    const head = [
      0x86,
      ...str('v'),
      0x01,
      ...str('id'),
      ...str(`forged-${correlationId}`),
      ...str('type'),
      ...str(ReplyType.Error),
      ...str('to'),
      ...str(replyTo),
      ...str('correlationId'),
      ...str(correlationId),
      ...str('payload'),
    ];
    const level = [0x83, ...str('code'), ...str('ERR_UNKNOWN'), ...str('message'), ...str('x')];
    const bytes = [...head];
    for (let i = 0; i < depth; i++) bytes.push(...level, ...str('cause'));
    bytes.push(0x82, ...str('code'), ...str('ERR_TIMEOUT'), ...str('message'), ...str('leaf'));
    return Uint8Array.from(bytes);
  }

  it.each([
    ['null', null, 'ERR_MALFORMED_MESSAGE'],
    ['a string', 'boom', 'ERR_MALFORMED_MESSAGE'],
    ['42', 42, 'ERR_MALFORMED_MESSAGE'],
    ['details a string', { code: 'ERR_TIMEOUT', message: 'm', details: 'x' }, 'ERR_TIMEOUT'],
  ])('rejects at once with a RuntimeError when the payload is %s', async (_name, payload, code) => {
    const err = await askForged({ wire: payload });
    expect(isRuntimeError(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
  });

  it('rejects at once with a RuntimeError for a 1,500-deep cause chain', async () => {
    const err = await askForged({
      bytes: (request) => deepErrorReply(request.replyTo ?? '', request.id, 1_500),
    });
    expect(isRuntimeError(err)).toBe(true);
  });
});

describe('NatsTransport bad input: every refusal answered or dead-lettered (issue 10 J)', () => {
  it('answers a foreign-namespace envelope with a 125-character id at once', async () => {
    const id = 'x'.repeat(125);
    const letter = nextDeadLetter(beta.system);
    const reply = await raw.request(
      createSubjects('beta').actor('counter'),
      encoded({ v: 1, id, type: 'get', to: 'counter', ns: 'alpha', payload: null }),
      { timeout: 5_000 },
    );
    const envelope = decoded(reply);
    expect(envelope.type).toBe(ReplyType.Error);
    expect(envelope.correlationId).toBe(id);
    expect((envelope.payload as { code: string }).code).toBe('ERR_FOREIGN_NAMESPACE');
    expect((await letter).reason).toBe('foreign-namespace');
  });

  it('refuses a plain request whose reply subject is 1,107 characters with a code, counted', async () => {
    const longReply = `_INBOX.${'r'.repeat(1_100)}`;
    expect(longReply).toHaveLength(1_107);
    const counted = (): number => {
      const metric = alpha.system.metrics.snapshot()['agentvisor_dead_letters_total'];
      return metric?.series.reduce((n, series) => n + series.value, 0) ?? 0;
    };
    const before = counted();
    const letter = nextDeadLetter(alpha.system);
    const answered = (await firstOn(longReply)).next;
    raw.publish(
      createSubjects('alpha').actor('counter'),
      encoded({ v: 1, id: 'long-reply-1', type: 'get', to: 'counter', payload: null }),
      { reply: longReply },
    );
    const reply = decoded(await answered);
    expect(reply.type).toBe(ReplyType.Error);
    expect(reply.correlationId).toBe('long-reply-1');
    expect((reply.payload as { code: string }).code).toBe('ERR_INVALID_MESSAGE');
    const dead = await letter;
    expect(dead.error.code).toBe('ERR_INVALID_MESSAGE');
    expect(counted()).toBe(before + 1);
  });

  it('answers bytes that do not decode when the request has a reply subject', async () => {
    const letter = nextDeadLetter(alpha.system);
    const reply = await raw.request(
      createSubjects('alpha').actor('counter'),
      new TextEncoder().encode('not msgpack at all'),
      { timeout: 5_000 },
    );
    const envelope = decoded(reply);
    expect(envelope.type).toBe(ReplyType.Error);
    expect(['ERR_MALFORMED_MESSAGE', 'ERR_INVALID_MESSAGE']).toContain(
      (envelope.payload as { code: string }).code,
    );
    expect((await letter).reason).toMatch(/malformed-message|invalid-message/);
  });

  it('answers an envelope that fails the schema (a 200-character id) when it has a reply subject', async () => {
    const reply = await raw.request(
      createSubjects('alpha').actor('counter'),
      packed({ v: 1, id: 'y'.repeat(200), type: 'get', to: 'counter', payload: null }),
      { timeout: 5_000 },
    );
    const envelope = decoded(reply);
    expect((envelope.payload as { code: string }).code).toBe('ERR_INVALID_MESSAGE');
    expect(await codeOf(alpha.system.ask('counter', 'get'))).toBe('resolved');
  });
});
