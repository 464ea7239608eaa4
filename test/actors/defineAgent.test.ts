import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { z } from 'zod';
import {
  createActorSystem,
  isRuntimeError,
  respond,
  respondTo,
  replyAddress,
  type ReplyAddress,
} from 'agentvisor';
import { createSimulatedModel, defineAgent, type AgentEvents } from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';

const accepts = {
  'greet.say': z.strictObject({ name: z.string().min(1).max(20) }),
  'greet.count': z.undefined(),
} as const;

const greeter = defineAgent({
  name: 'greeter',
  version: 2,
  accepts,
  machine: setup({
    types: { context: {} as { greeted: number }, events: {} as AgentEvents<typeof accepts> },
  }).createMachine({
    context: { greeted: 0 },
    on: {
      'greet.say': {
        actions: [
          assign({ greeted: ({ context }) => context.greeted + 1 }),
          respond(({ event }) => `hello ${event.payload.name}`),
        ],
      },
      'greet.count': { actions: respond(({ context }) => context.greeted) },
    },
  }),
});

describe('defineAgent', () => {
  it('hosts the machine and delivers only messages that pass their schema', async () => {
    const system = createActorSystem({}, { clock: new TestClock() });
    system.spawn('g', greeter);
    await expect(system.ask('g', 'greet.say', { name: 'Ada' })).resolves.toBe('hello Ada');
    const refused = await system.ask('g', 'greet.say', { name: '' }).catch((e: unknown) => e);
    expect(isRuntimeError(refused, 'ERR_INVALID_MESSAGE')).toBe(true);
    const unknown = await system.ask('g', 'greet.wave', {}).catch((e: unknown) => e);
    expect(isRuntimeError(unknown, 'ERR_UNKNOWN_MESSAGE_TYPE')).toBe(true);
    await expect(system.ask('g', 'greet.count')).resolves.toBe(1);
    expect(greeter).toMatchObject({ kind: 'agent', name: 'greeter', version: 2 });
    await system.shutdown();
  });

  it('refuses an invalid definition with ERR_INVALID_OPTIONS naming the field', () => {
    const bad = () =>
      defineAgent({
        name: '',
        version: 1,
        accepts: { x: 'not a schema' as unknown as z.ZodType },
        machine: greeter.createLogic as never,
      });
    try {
      bad();
      expect.unreachable();
    } catch (err) {
      expect(isRuntimeError(err, 'ERR_INVALID_OPTIONS')).toBe(true);
      const paths = (err as { details: { issues: { path: string }[] } }).details.issues.map(
        (i) => i.path,
      );
      expect(paths).toEqual(expect.arrayContaining(['name', 'accepts.x']));
    }
  });

  it('refuses a misspelt key instead of ignoring it, and checks the checkpoint policy', () => {
    const base = { name: 'g', version: 1, accepts: {}, machine: greeter.createLogic as never };
    for (const [config, path] of [
      [{ ...base, timeout: { callMs: 5 } }, ''],
      [{ ...base, checkpoint: { every: 'often' } }, 'checkpoint'],
      [{ ...base, approvals: {} }, 'approvals'],
    ] as const) {
      try {
        defineAgent(config as never);
        expect.unreachable();
      } catch (err) {
        expect(isRuntimeError(err, 'ERR_INVALID_OPTIONS')).toBe(true);
        const issues = (err as { details: { issues: { path: string; message: string }[] } }).details
          .issues;
        expect(issues.map((i) => i.path.split('.')[0])).toContain(path);
        if (path === '') expect(issues[0]?.message).toMatch(/timeout/);
      }
    }
  });

  it('gives the machine factory its effects: ask another actor and call a model', async () => {
    const clock = new TestClock();
    const model = createSimulatedModel(
      {
        seed: 3,
        latencyMs: [10, 10],
        script: ({ messages }) => `model says ${messages.at(-1)?.content ?? ''}`,
      },
      { clock },
    );
    const askerAccepts = { 'go.run': z.strictObject({ q: z.string() }) } as const;
    const asker = defineAgent({
      name: 'asker',
      version: 1,
      accepts: askerAccepts,
      models: { main: model },
      machine: ({ effects }) =>
        setup({
          types: {
            context: {} as { to: ReplyAddress | undefined; q: string; greeting: string },
            events: {} as AgentEvents<typeof askerAccepts>,
          },
          actors: effects,
        }).createMachine({
          context: { to: undefined, q: '', greeting: '' },
          initial: 'idle',
          states: {
            idle: {
              on: {
                'go.run': {
                  target: 'asking',
                  actions: assign({
                    to: ({ event }) => replyAddress(event),
                    q: ({ event }) => event.payload.q,
                  }),
                },
              },
            },
            asking: {
              invoke: {
                src: 'ask',
                input: ({ context }) => ({
                  to: 'g',
                  type: 'greet.say',
                  payload: { name: context.q },
                }),
                onDone: {
                  target: 'modelling',
                  actions: assign({ greeting: ({ event }) => String(event.output) }),
                },
              },
            },
            modelling: {
              invoke: {
                src: 'model',
                input: ({ context }) => ({
                  messages: [{ role: 'user' as const, content: context.greeting }],
                }),
                onDone: {
                  target: 'idle',
                  actions: respondTo(({ context, event }) => ({
                    to: context.to!,
                    payload: event.output.text,
                  })),
                },
              },
            },
          },
        }),
    });
    const system = createActorSystem({}, { clock });
    system.spawn('g', greeter);
    system.spawn('a', asker);
    const answer = system.ask('a', 'go.run', { q: 'Bo' });
    await system.settled();
    await clock.advance(10);
    await expect(answer).resolves.toBe('model says hello Bo');
    await system.shutdown();
  });
});

describe('createSimulatedModel', () => {
  it('is deterministic from its seed: same answers, same latencies', async () => {
    const run = async () => {
      const clock = new TestClock();
      const model = createSimulatedModel({ seed: 42, latencyMs: [5, 50] }, { clock });
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = clock.monotonic();
        const done = model.complete({ messages: [{ role: 'user', content: `q${i}` }] });
        while (clock.pendingTimers > 0) await clock.runNext();
        const r = await done;
        times.push(clock.monotonic() - started);
        expect(r.text).toContain(`q${i}`);
      }
      return times;
    };
    const a = await run();
    expect(await run()).toEqual(a);
    expect(a.every((t) => t >= 5 && t <= 50)).toBe(true);
  });

  it('honours an AbortSignal', async () => {
    const clock = new TestClock();
    const model = createSimulatedModel({}, { clock });
    const controller = new AbortController();
    const call = model.complete(
      { messages: [{ role: 'user', content: 'x' }] },
      { signal: controller.signal },
    );
    controller.abort(new Error('stop'));
    await expect(call).rejects.toThrow('stop');
    expect(clock.pendingTimers).toBe(0);
  });
});
