import { afterEach, describe, expect, it } from 'vitest';
import { MemoryAlertStore, createActorSystem, createPrometheusRegistry } from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { serveConsole } from '../../../ops/http/index.js';
import { VIEWER, startConsole } from './consoleFixture.js';

type Console = Awaited<ReturnType<typeof startConsole>>;
let current: Console | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});
async function start(options?: Parameters<typeof startConsole>[0]) {
  current = await startConsole(options);
  return current;
}

describe('serveConsole: actors, journals, checkpoints', () => {
  it('lists actors and shows one with its state and context; an unknown one is 404', async () => {
    const c = await start();
    c.system.tell('v', 'work.add', { n: 2 });
    await c.system.settled();
    const list = await c.call('/api/actors', { token: VIEWER });
    expect(list.status).toBe(200);
    const names = (list.json['actors'] as { name: string }[]).map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['w', 'v']));
    const v = await c.call('/api/actors/v', { token: VIEWER });
    expect(v.json).toMatchObject({
      actor: {
        name: 'v',
        status: 'running',
        state: 'working',
        durable: true,
        context: { total: 2 },
      },
    });
    const missing = await c.call('/api/actors/nope');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('ERR_ACTOR_NOT_FOUND');
  });

  it('pages a journal; a page past the end is 416 ERR_JOURNAL_RANGE', async () => {
    const c = await start();
    for (let n = 1; n <= 5; n++) c.system.tell('v', 'work.add', { n });
    await c.system.settled();
    const lastSeq = await c.persistence.journal.lastSeq('v');
    const first = await c.call('/api/actors/v/journal?limit=2', { token: VIEWER });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ actor: 'v', from: 1, limit: 2, lastSeq, next: 3 });
    expect(first.json['entries']).toHaveLength(2);
    const rest = await c.call(`/api/actors/v/journal?from=3&limit=1000`);
    expect(rest.json['next']).toBeUndefined();
    expect((rest.json['entries'] as unknown[]).length).toBe(lastSeq - 2);
    const past = await c.call(`/api/actors/v/journal?from=${lastSeq + 1}`);
    expect(past.status).toBe(416);
    expect(past.json.error).toMatchObject({ code: 'ERR_JOURNAL_RANGE', path: 'from' });
    const bad = await c.call('/api/actors/v/journal?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'ERR_INVALID_OPTIONS', path: 'limit' });
    expect((await c.call('/api/actors/nope/journal')).status).toBe(404);
  });

  it('reads the reasoning chain from the journal', async () => {
    const c = await start();
    c.system.tell('v', 'work.add', { n: 7 });
    await c.system.settled();
    const res = await c.call('/api/actors/v/reasoning', { token: VIEWER });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ chain: { actor: 'v' } });
    expect((res.json['chain'] as { steps: unknown[] }).steps).not.toHaveLength(0);
    expect((await c.call('/api/actors/nope/reasoning')).status).toBe(404);
  });

  it('takes a checkpoint now, lists it, and forks a new actor from it with an edited context', async () => {
    const c = await start();
    c.system.tell('v', 'work.add', { n: 3 });
    await c.system.settled();
    const viewer = await c.call('/api/actors/v/checkpoints', { token: VIEWER, body: {} });
    expect(viewer.status).toBe(403);
    const taken = await c.call('/api/actors/v/checkpoints', { body: {} });
    expect(taken.status).toBe(201);
    const { revision } = taken.json as unknown as { revision: number };
    const list = await c.call('/api/actors/v/checkpoints', { token: VIEWER });
    expect(list.json['checkpoints']).toEqual(
      expect.arrayContaining([expect.objectContaining({ revision })]),
    );
    const fork = await c.call('/api/actors/v/fork', {
      body: { name: 'v-fork', revision, context: { total: 50 } },
    });
    expect(fork.status).toBe(201);
    await expect(c.system.ask('v-fork', 'work.get')).resolves.toMatchObject({ total: 50 });
    await expect(c.system.ask('v', 'work.get')).resolves.toMatchObject({ total: 3 });
    const exists = await c.call('/api/actors/v/fork', { body: { name: 'v-fork' } });
    expect(exists.status).toBe(409);
    const badBody = await c.call('/api/actors/v/fork', { body: { name: 7 } });
    expect(badBody.status).toBe(400);
    expect(badBody.json.error).toMatchObject({ code: 'ERR_INVALID_OPTIONS', path: 'name' });
    const noCheckpoint = await c.call('/api/actors/nope/fork', { body: { name: 'x' } });
    expect(noCheckpoint.status).toBe(404);
    expect((await c.call('/api/actors/nope/checkpoints', { body: {} })).status).toBe(404);
  });

  it('stops a tree child through its supervisor (operators only)', async () => {
    const c = await start();
    expect((await c.call('/api/actors/v/stop', { token: VIEWER, body: {} })).status).toBe(403);
    const res = await c.call('/api/actors/v/stop', { body: {} });
    expect(res.status).toBe(200);
    await c.system.settled();
    expect(c.tree.root.whichChildren().find((ch) => ch.id === 'v')?.status).toBe('terminated');
    expect((await c.call('/api/actors/nope/stop', { body: {} })).status).toBe(404);
  });
});

describe('serveConsole: events, alerts, metrics, nodes', () => {
  it('streams escalation and supervisor changes as server-sent events', async () => {
    const c = await start();
    const controller = new AbortController();
    const res = await fetch(`${c.server.url}/api/events`, {
      headers: { authorization: `Bearer ${VIEWER}` },
      signal: controller.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const until = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += Buffer.from(value).toString('utf8');
      }
    };
    await until('event: ready');
    const id = await c.park();
    await until('event: escalation-opened');
    expect(text).toContain(id);
    expect(text).toContain('event: supervisor');
    expect(text).toContain('event: actor');
    controller.abort();
  });

  it('serves alerts when given a store, and /metrics from a Prometheus registry', async () => {
    const alerts = new MemoryAlertStore();
    await alerts.put({
      fingerprint: 'f1',
      name: 'HighLatency',
      severity: 'warning',
      status: 'firing',
      labels: { actor: 'w' },
      annotations: { summary: 'slow', apiToken: 'secret-value' },
      startsAt: 1,
      value: 2,
    });
    const c = await start({ alerts });
    const res = await c.call('/api/alerts?status=firing', { token: VIEWER });
    expect(res.status).toBe(200);
    expect(res.json['alerts']).toMatchObject([
      { name: 'HighLatency', annotations: { apiToken: '[redacted]' } },
    ]);
    expect((await c.call('/api/alerts?status=odd')).status).toBe(400);
    // The fixture's system has no Prometheus registry: no /metrics route.
    expect((await c.call('/metrics')).status).toBe(404);
    expect((await c.call('/api/nodes')).status).toBe(404);

    const system = createActorSystem(
      {},
      { clock: new TestClock(), metrics: createPrometheusRegistry() },
    );
    const server = await serveConsole({ system }, { port: 0 });
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect((await fetch(`${server.url}/api/alerts`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/tree`)).status).toBe(404);
    await server.close();
    await system.shutdown();
  });
});
