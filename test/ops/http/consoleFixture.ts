import { MemoryCheckpointStore, MemoryJournal, createActorSystem } from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { createSupervisionTree } from 'agentvisor/supervisors';
import { z } from 'zod';
import { serveConsole, type ServeConsoleOptions } from '../../../ops/http/index.js';
import { worker } from '../../supervisors/fixtures.js';

/** A console answer's JSON: any body, typed enough to read an error's fields. */
export interface Body {
  readonly error: { readonly code: string; readonly message: string; readonly path?: string };
  readonly [key: string]: unknown;
}

/** Tokens of the console tests (long enough for the options schema). */
export const VIEWER = 'viewer-token-0123456789';
export const OPERATOR = 'operator-token-0123456789';

/**
 * An embedded tree on a TestClock served by a console on 127.0.0.1:0: `w` (durable, an `auth`
 * failure goes to a human) and `v`; `park()` crashes `w` into an open escalation.
 */
export async function startConsole(options: Partial<ServeConsoleOptions> = {}) {
  const clock = new TestClock();
  const system = createActorSystem({}, { clock });
  const persistence = { store: new MemoryCheckpointStore(), journal: new MemoryJournal() };
  const tree = await createSupervisionTree(
    system,
    {
      root: {
        id: 'root',
        intensity: 3,
        onFailure: { auth: 'human' },
        human: { deadlineMs: 60_000, default: 'stop' },
        children: [
          { id: 'w', agent: 'worker' },
          { id: 'v', agent: 'worker' },
        ],
      },
    },
    { agents: { worker }, persistence, random: () => 0.5 },
  );
  const server = await serveConsole(
    { system, tree, persistence, agents: { worker } },
    {
      port: 0,
      tokens: [
        { token: VIEWER, role: 'viewer' },
        { token: OPERATOR, role: 'operator' },
      ],
      contextSchemas: { w: z.object({ total: z.number(), seen: z.array(z.number()) }) },
      ...options,
    },
  );
  const park = async (): Promise<string> => {
    system.tell('w', 'work.add', { n: 4 });
    system.tell('w', 'work.crash', { reason: 'key revoked', failureClass: 'auth' });
    await system.settled();
    const [open] = await tree.escalations.list({ status: 'open' });
    if (open === undefined) throw new Error('no escalation opened');
    return open.id;
  };
  const call = async (
    path: string,
    init: { method?: string; token?: string | null; body?: unknown; raw?: string } = {},
  ) => {
    const token = init.token === undefined ? OPERATOR : init.token;
    const headers: Record<string, string> = {};
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    let body: string | undefined = init.raw;
    if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.body);
    }
    const res = await fetch(`${server.url}${path}`, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await res.text();
    const json = (res.headers.get('content-type') ?? '').includes('json')
      ? (JSON.parse(text) as Body)
      : ({} as Body);
    return { status: res.status, json, text };
  };
  const stop = async () => {
    await server.close();
    await tree.stop();
    await system.shutdown();
  };
  return { clock, system, tree, persistence, server, park, call, stop };
}
