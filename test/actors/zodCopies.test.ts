import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { z } from 'zod';
import { createActorSystem, isRuntimeError, respond } from 'agentvisor';
import { createOutputGuard, defineAgent, type AgentEvents } from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';

// zod is a peer dependency: an app's schemas may come from its own copy of zod, loaded from
// another path than the runtime's. This test loads a second, real copy (our zod, copied to a
// temp dir, so it is a distinct module instance with its own classes).
let dir: string;
let zod2: typeof z;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentvisor-zod-copy-'));
  const ours = fileURLToPath(new URL('../../node_modules/zod', import.meta.url));
  cpSync(ours, join(dir, 'zod'), { recursive: true });
  const loaded = (await import(pathToFileURL(join(dir, 'zod', 'index.js')).href)) as {
    z: typeof z;
  };
  zod2 = loaded.z;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('schemas from another copy of zod', () => {
  it('is a distinct copy (its classes are not ours)', () => {
    expect(zod2).not.toBe(z);
    expect(zod2.ZodType).not.toBe(z.ZodType);
  });

  it('defines an agent whose accepts and tool input come from that copy, and admits by them', async () => {
    const accepts = { 'q.run': zod2.object({ q: zod2.string().min(1) }) } as const;
    const agent = defineAgent({
      name: 'asker',
      version: 1,
      accepts,
      tools: {
        search: {
          input: zod2.object({ q: zod2.string() }),
          run: ({ q }) => Promise.resolve(`found ${q}`),
        },
      },
      machine: setup({ types: { events: {} as AgentEvents<typeof accepts> } }).createMachine({
        on: { 'q.run': { actions: respond(({ event }) => `got ${event.payload.q}`) } },
      }),
    });
    const system = createActorSystem({}, { clock: new TestClock() });
    try {
      system.spawn('a', agent);
      await expect(system.ask('a', 'q.run', { q: 'x' })).resolves.toBe('got x');
      const refused = await system.ask('a', 'q.run', { q: '' }).catch((e: unknown) => e);
      expect(isRuntimeError(refused, 'ERR_INVALID_MESSAGE')).toBe(true);
    } finally {
      await system.shutdown();
    }
  });

  it('guards structured output with that copy, JSON Schema included', () => {
    const guard = createOutputGuard({ schema: zod2.object({ city: zod2.string() }) });
    expect(guard.validateValue({ city: 'Paris' })).toEqual({ ok: true, value: { city: 'Paris' } });
    expect(guard.validateValue({ city: 1 }).ok).toBe(false);
    expect(guard.responseFormat('city')).toMatchObject({
      type: 'json_schema',
      schema: { type: 'object', properties: { city: { type: 'string' } } },
    });
  });

  it('still refuses what is not a usable zod 4 schema with ERR_INVALID_OPTIONS', () => {
    const notSchemas: unknown[] = [
      { safeParse: () => ({ success: true }) }, // zod 3 shape: no `_zod` internals
      { _zod: { def: { type: 'string' } } }, // zod/mini shape: no safeParse method
      'z.string()',
      null,
    ];
    for (const schema of notSchemas) {
      const attempt = () =>
        defineAgent({
          name: 'bad',
          version: 1,
          accepts: { x: schema as z.ZodType },
          machine: setup({}).createMachine({}),
        });
      expect(attempt).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }) as Error);
    }
    expect(() => createOutputGuard({ schema: {} as z.ZodType })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }) as Error,
    );
  });
});
