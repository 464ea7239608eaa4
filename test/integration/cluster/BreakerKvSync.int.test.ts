import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createBreakerRegistry,
  isRuntimeError,
  syncBreakersWithKv,
  type BreakerRegistry,
  type CircuitState,
  type RuntimeError,
} from 'agentvisor';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { z } from 'zod';
import { createActorSystem } from 'agentvisor';
import { createSimulatedModel } from 'agentvisor/actors';
import { harnessAgent } from '../../actors/resilientAgentHarness.js';

// One nats-server for the file; each test has its own bucket and two connections (two nodes).
let server: NatsServerHandle;
let nc1: NatsConnection;
let nc2: NatsConnection;
let serial = 0;

beforeAll(async () => {
  server = await startNatsServer();
  nc1 = await connect({ servers: server.url });
  nc2 = await connect({ servers: server.url });
});

afterAll(async () => {
  await nc1.close();
  await nc2.close();
  await server.stop();
});

/** Resolves when `registry`'s breaker `key` reaches `state` (at once if it is there). */
function reaches(registry: BreakerRegistry, key: string, state: CircuitState): Promise<void> {
  if (registry.get(key).state === state) return Promise.resolve();
  return new Promise((resolve) => {
    const sub = registry.onStateChange((change) => {
      if (change.breaker === key && change.to === state) {
        sub.dispose();
        resolve();
      }
    });
  });
}

const transient = Object.assign(new Error('503'), { failureClass: 'transient' });

async function twoNodes() {
  const bucket = `breakers_${serial++}`;
  const defaults = {
    strategy: { type: 'consecutive' as const, threshold: 3 },
    halfOpenAfterMs: 60_000,
  };
  const r1 = createBreakerRegistry(defaults);
  const r2 = createBreakerRegistry(defaults);
  const s1 = await syncBreakersWithKv(nc1, r1, { node: 'node-1', bucket });
  const s2 = await syncBreakersWithKv(nc2, r2, { node: 'node-2', bucket });
  return {
    bucket,
    r1,
    r2,
    s1,
    s2,
    stop: async () => {
      await s1.stop();
      await s2.stop();
      const jsm = await jetstreamManager(nc1);
      await jsm.streams.delete(`KV_${bucket}`).catch(() => false);
    },
  };
}

describe('BreakerKvSync (two nodes, one nats-server)', () => {
  it('a breaker that opens on one node is open on the other', async () => {
    const n = await twoNodes();
    const seen = reaches(n.r2, 'model:gpt', 'open');
    const breaker = n.r1.get('model:gpt');
    for (let i = 0; i < 3; i++) breaker.acquire().failure(transient);
    expect(breaker.state).toBe('open');
    await seen;
    expect(n.r2.get('model:gpt').state).toBe('open');
    // The other node refuses calls at once, with how long until its probes may start.
    const refused = (() => {
      try {
        n.r2.get('model:gpt').acquire();
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(isRuntimeError(refused, 'ERR_CIRCUIT_OPEN')).toBe(true);
    expect(n.r2.get('model:gpt').retryAfterMs()).toBeGreaterThan(50_000);
    await n.stop();
  });

  it("an operator's forced open and forced close propagate", async () => {
    const n = await twoNodes();
    const isolated = reaches(n.r1, 'tool:search', 'isolated');
    n.r2.get('tool:search').isolate();
    await isolated;
    const closed = reaches(n.r2, 'tool:search', 'closed');
    n.r1.get('tool:search').reset();
    await closed;
    expect(n.r1.get('tool:search').state).toBe('closed');
    expect(n.r2.get('tool:search').state).toBe('closed');
    await n.stop();
  });

  it('a node that starts later reads the current states first', async () => {
    const n = await twoNodes();
    n.r1.get('model:late').isolate();
    await n.s1.flushed();
    const r3 = createBreakerRegistry();
    const seen = reaches(r3, 'model:late', 'isolated');
    const s3 = await syncBreakersWithKv(nc2, r3, { node: 'node-3', bucket: n.bucket });
    await seen;
    expect(r3.get('model:late').state).toBe('isolated');
    await s3.stop();
    await n.stop();
  });

  it('reports a malformed value with ERR_CORRUPT_DATA and keeps syncing', async () => {
    const n = await twoNodes();
    const errors: RuntimeError[] = [];
    const reported = new Promise<void>((resolve) => {
      n.s2.onError((e) => {
        errors.push(e);
        resolve();
      });
    });
    const kv = await new Kvm(jetstream(nc1)).open(n.bucket);
    await kv.put(`b.${Buffer.from('model:x').toString('base64url')}`, 'not json');
    await reported;
    expect(errors[0]?.code).toBe('ERR_CORRUPT_DATA');
    const seen = reaches(n.r2, 'model:y', 'isolated');
    n.r1.get('model:y').isolate();
    await seen;
    await n.stop();
  });

  it('an agent on one node stops offering a tool whose breaker opened on another', async () => {
    const n = await twoNodes();
    const offered: string[][] = [];
    const model = createSimulatedModel({
      latencyMs: [1, 2],
      script: (request) => {
        offered.push((request.tools ?? []).map((t) => t.name));
        return 'ok';
      },
    });
    const agent = harnessAgent({
      models: { main: model },
      tools: {
        search: { input: z.strictObject({ q: z.string() }), run: () => Promise.resolve('r') },
      },
      breakers: n.r2,
    });
    const system = createActorSystem();
    system.spawn('a', agent);
    await system.ask('a', 'q.ask', { text: 'before', offerTools: true });
    expect(offered.at(-1)).toEqual(['search']);
    const seen = reaches(n.r2, 'tool:search', 'open');
    const breaker = n.r1.get('tool:search');
    for (let i = 0; i < 3; i++) breaker.acquire().failure(transient);
    await seen;
    await system.ask('a', 'q.ask', { text: 'after', offerTools: true });
    expect(offered.at(-1)).toEqual([]);
    await system.shutdown();
    await n.stop();
  });

  it('refuses bad options with ERR_INVALID_OPTIONS', async () => {
    const error = await syncBreakersWithKv(nc1, createBreakerRegistry(), {
      node: '',
      bucket: 'bad name',
    }).catch((e: unknown) => e);
    expect(isRuntimeError(error, 'ERR_INVALID_OPTIONS')).toBe(true);
  });
});
