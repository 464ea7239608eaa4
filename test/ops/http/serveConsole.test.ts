import { afterEach, describe, expect, it } from 'vitest';
import { createActorSystem, isRuntimeError } from 'agentvisor';
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

describe('serveConsole: server and auth', () => {
  it('refuses a non-loopback host without tokens, and a bad port', async () => {
    const system = createActorSystem({}, { clock: new TestClock() });
    const refused = await serveConsole({ system }, { host: '0.0.0.0', port: 0 }).catch(
      (e: unknown) => e,
    );
    expect(isRuntimeError(refused, 'ERR_INVALID_OPTIONS')).toBe(true);
    const badPort = await serveConsole({ system }, { port: -1 }).catch((e: unknown) => e);
    expect(isRuntimeError(badPort, 'ERR_INVALID_OPTIONS')).toBe(true);
    await system.shutdown();
  });

  it('serves loopback without tokens as an operator', async () => {
    const system = createActorSystem({}, { clock: new TestClock() });
    const server = await serveConsole({ system }, { port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${server.url}/api/actors`);
    expect(res.status).toBe(200);
    await server.close();
    await system.shutdown();
  });

  it('says the port is in use with ERR_CONSOLE_PORT_IN_USE', async () => {
    const c = await start();
    const taken = await serveConsole({ system: c.system }, { port: c.server.port }).catch(
      (e: unknown) => e,
    );
    expect(isRuntimeError(taken, 'ERR_CONSOLE_PORT_IN_USE')).toBe(true);
  });

  it('answers 401 without a token or with a wrong one, 403 for a viewer posting', async () => {
    const c = await start();
    const missing = await c.call('/api/tree', { token: null });
    expect(missing.status).toBe(401);
    expect(missing.json.error.code).toBe('ERR_UNAUTHORIZED');
    const wrong = await c.call('/api/tree', { token: 'not-a-configured-token' });
    expect(wrong.status).toBe(401);
    expect((await c.call('/api/tree', { token: VIEWER })).status).toBe(200);
    const id = await c.park();
    const posted = await c.call(`/api/escalations/${id}/decision`, {
      token: VIEWER,
      body: { decision: { type: 'retry' } },
    });
    expect(posted.status).toBe(403);
    expect(posted.json.error.code).toBe('ERR_FORBIDDEN');
    expect((await c.tree.escalations.get(id))?.status).toBe('open');
  });

  it('answers an unknown route 404 ERR_ROUTE_NOT_FOUND and serves a placeholder page', async () => {
    const c = await start();
    const res = await c.call('/api/nope');
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('ERR_ROUTE_NOT_FOUND');
    const page = await c.call('/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('agentvisor console');
  });
});

describe('serveConsole: tree and escalations', () => {
  it('shows the tree: status, incarnation, restarts, intensity, mailbox, state, transition, escalation', async () => {
    const c = await start();
    c.system.tell('v', 'work.add', { n: 1 });
    await c.system.settled();
    const id = await c.park();
    const { status, json } = await c.call('/api/tree', { token: VIEWER });
    expect(status).toBe(200);
    expect(json['openEscalations']).toBe(1);
    expect(json['tree']).toMatchObject({
      id: 'root',
      strategy: 'one-for-one',
      intensity: { allowed: 3, periodMs: expect.any(Number) as unknown },
    });
    const { children } = json['tree'] as { children: unknown[] };
    expect(children[0]).toMatchObject({
      id: 'w',
      status: 'parked',
      incarnation: 1,
      openEscalation: id,
    });
    expect(children[1]).toMatchObject({
      id: 'v',
      status: 'running',
      restarts: 0,
      actor: {
        status: 'running',
        mailboxSize: 0,
        state: 'working',
        lastTransition: { event: 'work.add', at: c.clock.now() },
      },
    });
  });

  it('lists escalations with filters and shows one with its whole context', async () => {
    const c = await start();
    const id = await c.park();
    const all = await c.call('/api/escalations', { token: VIEWER });
    expect((all.json['escalations'] as { id: string }[]).map((e) => e.id)).toEqual([id]);
    expect((await c.call('/api/escalations?status=resolved')).json['escalations']).toEqual([]);
    expect(
      (await c.call('/api/escalations?supervisor=root&agent=w')).json['escalations'],
    ).toHaveLength(1);
    expect((await c.call('/api/escalations?agent=v')).json['escalations']).toEqual([]);
    const bad = await c.call('/api/escalations?status=maybe');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatchObject({ code: 'ERR_INVALID_OPTIONS', path: 'status' });
    const show = await c.call(`/api/escalations/${id}`, { token: VIEWER });
    expect(show.status).toBe(200);
    expect(show.json['escalation']).toMatchObject({
      id,
      status: 'open',
      failureClass: 'auth',
      errorChain: [expect.objectContaining({ message: 'key revoked' }) as unknown],
      failedMessage: expect.objectContaining({ type: 'work.crash' }) as unknown,
      restartHistory: expect.any(Array) as unknown,
      lastCheckpoint: expect.any(Object) as unknown,
    });
    expect(show.json['journalTail']).not.toHaveLength(0);
    expect(Object.keys(show.json['decisions'] as object)).toEqual([
      'retry',
      'resume',
      'skip',
      'restart-fresh',
      'stop',
    ]);
    const missing = await c.call('/api/escalations/nope');
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('ERR_ESCALATION_NOT_FOUND');
  });

  it('decides: resume with an edited context, recorded with who and why; a second decision is 409', async () => {
    const c = await start();
    const id = await c.park();
    const res = await c.call(`/api/escalations/${id}/decision`, {
      body: {
        decision: { type: 'resume', context: { total: 100 } },
        by: 'alice',
        note: 'key rotated',
      },
    });
    expect(res.status).toBe(200);
    expect(res.json['escalation']).toMatchObject({
      status: 'resolved',
      resolution: {
        decidedBy: 'human',
        by: 'alice',
        note: 'key rotated',
        decision: { type: 'resume' },
      },
    });
    await c.system.settled();
    await expect(c.system.ask('w', 'work.get')).resolves.toMatchObject({ total: 100 });
    const again = await c.call(`/api/escalations/${id}/decision`, {
      body: { decision: { type: 'stop' }, by: 'bob' },
    });
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('ERR_ESCALATION_CLOSED');
    expect(again.json.error.message).toContain('alice');
  });

  it('refuses a bad decision with 400, the code and the field path, and changes nothing', async () => {
    const c = await start();
    const id = await c.park();
    const cases: [unknown, string][] = [
      [{ decision: { type: 'maybe' } }, 'decision.type'],
      [{ decision: { type: 'skip' } }, 'decision.result'],
      [{ decision: { type: 'retry' }, extra: 1 }, ''],
      [{ decision: { type: 'resume', context: { total: 'lots' } } }, 'decision.context.total'],
    ];
    for (const [body, path] of cases) {
      const res = await c.call(`/api/escalations/${id}/decision`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.code).toBe('ERR_INVALID_DECISION');
      expect(res.json.error.path ?? '').toBe(path);
    }
    const notJson = await c.call(`/api/escalations/${id}/decision`, { raw: '{nope' });
    expect(notJson.status).toBe(400);
    const unknown = await c.call('/api/escalations/nope/decision', {
      body: { decision: { type: 'retry' } },
    });
    expect(unknown.status).toBe(404);
    expect((await c.tree.escalations.get(id))?.status).toBe('open');
  });

  it('answers a body over maxBodyBytes 413 ERR_BODY_TOO_LARGE and changes nothing', async () => {
    const c = await start({ maxBodyBytes: 64 });
    const id = await c.park();
    const res = await c.call(`/api/escalations/${id}/decision`, {
      body: { decision: { type: 'skip', result: 'x'.repeat(200) } },
    });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('ERR_BODY_TOO_LARGE');
    expect((await c.tree.escalations.get(id))?.status).toBe('open');
  });

  it('redacts secrets in every answer', async () => {
    const c = await start();
    const id = await c.park();
    await c.call(`/api/escalations/${id}/decision`, {
      body: { decision: { type: 'resume', context: { total: 1, apiKey: 'sk-live-secret' } } },
    });
    await c.system.settled();
    const actor = await c.call('/api/actors/w');
    expect(actor.json).toMatchObject({ actor: { context: { total: 1, apiKey: '[redacted]' } } });
    const shown = await c.call(`/api/escalations/${id}`);
    expect(shown.text).not.toContain('sk-live-secret');
    expect(shown.json).toMatchObject({
      escalation: { resolution: { decision: { context: { apiKey: '[redacted]' } } } },
    });
  });
});
