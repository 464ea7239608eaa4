import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NatsTransport,
  createActorSystem,
  systemClock,
  type ActorSystem,
  type Clock,
  type DeadLetter,
  isRuntimeError,
} from 'agentvisor';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { counterMachine } from '../../runtime/system/fixtures.js';

// Two nodes on one nats-server; the receiver's wall clock is 2 s fast (its monotonic clock is
// the real one): deadlines must not depend on the two wall clocks agreeing.

/** The real clock with its wall time moved by `skewMs`. */
function skewed(skewMs: number): Clock {
  return {
    now: () => systemClock.now() + skewMs,
    monotonic: () => systemClock.monotonic(),
    setTimeout: (fn, ms) => systemClock.setTimeout(fn, ms),
    clearTimeout: (handle) => {
      systemClock.clearTimeout(handle);
    },
  };
}

let server: NatsServerHandle;
const nodes: { transport: NatsTransport; system: ActorSystem }[] = [];

async function startNode(clock: Clock): Promise<ActorSystem> {
  const transport = await NatsTransport.connect({ servers: server.url }, {}, { clock });
  const system = createActorSystem({ namespace: 'clocks' }, { transport, clock });
  nodes.push({ transport, system });
  return system;
}

beforeAll(async () => {
  server = await startNatsServer({ jetstream: false });
});

afterAll(async () => {
  for (const node of nodes) {
    await node.system.shutdown();
    await node.transport.close();
  }
  await server.stop();
});

describe('deadlines across clocks over NATS', () => {
  it('a node whose clock is 2 s fast takes a message sent with 1 s left', async () => {
    const sender = await startNode(systemClock);
    const receiver = await startNode(skewed(2_000));
    receiver.spawn('c', counterMachine);
    const expired: DeadLetter[] = [];
    receiver.deadLetters.subscribe((l) => {
      if (l.reason === 'expired') expired.push(l);
    });
    await nodes[1]?.transport.connection.flush();
    sender.tell('c', 'inc', undefined, { deadline: systemClock.now() + 1_000 });
    await expect(sender.ask('c', 'get', undefined, { timeoutMs: 1_000 })).resolves.toBe(1);
    expect(expired).toHaveLength(0);
  });

  it('refuses bad ask options with ERR_INVALID_OPTIONS, as the LocalTransport does', async () => {
    const system = await startNode(systemClock);
    for (const timeoutMs of [NaN, -1, 'abc' as unknown as number]) {
      const err = await system.ask('c', 'get', undefined, { timeoutMs }).catch((e: unknown) => e);
      expect(isRuntimeError(err, 'ERR_INVALID_OPTIONS')).toBe(true);
    }
    const transport = nodes[nodes.length - 1]?.transport;
    const err = await transport
      ?.request(
        system.subjects.actor('c'),
        { v: 1, id: 'nan-1', type: 'get', to: 'c', payload: null },
        { deadline: NaN },
      )
      .catch((e: unknown) => e);
    expect(isRuntimeError(err, 'ERR_INVALID_OPTIONS')).toBe(true);
  });
});
