import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { z } from 'zod';
import { respond, respondTo, replyAddress, type ReplyAddress } from 'agentvisor';
import { checkAgent, defineAgent, type AgentEvents, type PropertyResult } from 'agentvisor/actors';

const accepts = { 'task.run': z.strictObject({ n: z.number().int() }) } as const;
const tools = {
  post: { input: z.object({ n: z.number() }), run: () => Promise.resolve('posted') },
  look: {
    input: z.object({ n: z.number() }),
    idempotent: true,
    run: () => Promise.resolve('seen'),
  },
};

/** A poster that asks a person first when `approval` is on; `onError` paths when `errors` is on. */
function poster(opts: { approval: boolean; errors: boolean; requiresApproval?: boolean }) {
  return defineAgent({
    name: 'poster',
    version: 1,
    accepts,
    tools,
    requiresApproval: opts.requiresApproval ?? true,
    machine: ({ effects }) =>
      setup({
        types: {
          context: {} as { asker: ReplyAddress | undefined; n: number },
          events: {} as AgentEvents<typeof accepts>,
        },
        actors: effects,
      }).createMachine({
        id: 'poster',
        context: { asker: undefined, n: 0 },
        initial: 'idle',
        states: {
          idle: {
            on: {
              'task.run': {
                target: opts.approval ? 'asking' : 'posting',
                actions: assign({
                  asker: ({ event }) => replyAddress(event),
                  n: ({ event }) => event.payload.n,
                }),
              },
            },
          },
          asking: {
            invoke: {
              src: 'human',
              input: {
                question: 'post?',
                options: ['approve', 'reject'],
                deadlineMs: 1000,
                default: 'reject',
              },
              onDone: [
                { guard: ({ event }) => event.output.choice === 'approve', target: 'posting' },
                { target: 'idle' },
              ],
              ...(opts.errors ? { onError: 'idle' } : {}),
            },
          },
          posting: {
            invoke: {
              src: 'tool',
              input: ({ context }) => ({ tool: 'post', input: { n: context.n } }),
              onDone: {
                target: 'idle',
                actions: respondTo(({ context, event }) => ({
                  to: context.asker!,
                  payload: event.output,
                })),
              },
              ...(opts.errors ? { onError: 'idle' } : {}),
            },
          },
        },
      }),
  });
}

const byName = (results: readonly PropertyResult[], name: string) =>
  results.find((r) => r.property === name)!;

describe('checkAgent', () => {
  it('a destructive tool reachable without approval: the shortest counterexample', () => {
    const report = checkAgent(poster({ approval: false, errors: true }));
    const approval = byName(report.properties, 'approval-before-tool');
    expect(approval.ok).toBe(false);
    expect(approval.counterexample).toEqual([{ event: 'task.run {"n":1}', state: 'runs post' }]);
    expect(report.ok).toBe(false);
  });

  it('the fixed machine (a person approves first, every effect has an error path) passes', () => {
    const report = checkAgent(poster({ approval: true, errors: true }));
    expect(report.properties.filter((p) => !p.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.bounded).toBe(false);
    expect(report.states).toBeGreaterThan(3);
  });

  it('an invoke without onError is found, with the path to it', () => {
    const report = checkAgent(poster({ approval: true, errors: false }));
    const errorPath = byName(report.properties, 'effect-error-path');
    expect(errorPath.ok).toBe(false);
    expect(errorPath.counterexample?.[0]).toEqual({ event: 'task.run {"n":1}', state: 'asking' });
    expect(errorPath.counterexample?.at(-1)).toEqual({
      event: expect.stringMatching(/^error:.*:transient$/) as unknown,
      state: 'error',
    });
  });

  it('a state stuck hot fails with its path; a state that can never rest fails progress', () => {
    const machine = setup({
      types: { events: {} as { type: 'go' } | { type: 'spin' } },
    }).createMachine({
      id: 'spinner',
      initial: 'idle',
      states: {
        idle: { on: { go: 'hot' } },
        hot: { tags: ['hot'], on: { spin: 'hotter' } },
        hotter: { tags: ['hot'], on: { spin: 'hot' } },
      },
    });
    const report = checkAgent(machine, {
      accepts: { go: z.undefined(), spin: z.undefined() },
      unhandledByDesign: ['go', 'idle:spin'],
    });
    expect(byName(report.properties, 'hot-states')).toMatchObject({
      ok: false,
      counterexample: [{ event: 'go', state: 'hot' }],
    });
    expect(byName(report.properties, 'progress')).toMatchObject({
      ok: false,
      counterexample: [{ event: 'go', state: 'hot' }],
    });
  });

  it('an accepted message unhandled in a stable state is reported unless listed by design', () => {
    const machine = setup({ types: { events: {} as { type: 'a' } | { type: 'b' } } }).createMachine(
      {
        id: 'm',
        initial: 'one',
        states: {
          one: { on: { a: 'two' } },
          two: { on: { b: 'one', a: { actions: respond(() => 1) } } },
        },
      },
    );
    const accepts2 = { a: z.undefined(), b: z.undefined() };
    const found = byName(checkAgent(machine, { accepts: accepts2 }).properties, 'messages-handled');
    expect(found).toMatchObject({
      ok: false,
      detail: expect.stringContaining('b is unhandled in one') as unknown,
    });
    const designed = checkAgent(machine, { accepts: accepts2, unhandledByDesign: ['one:b'] });
    expect(byName(designed.properties, 'messages-handled').ok).toBe(true);
  });

  it('a repeated non-idempotent run in one task, a never predicate, and nested timeouts', () => {
    const twice = defineAgent({
      name: 'twice',
      version: 1,
      accepts,
      tools,
      timeouts: { callMs: 5_000, stepMs: 1_000 },
      machine: ({ effects }) =>
        setup({
          types: { events: {} as AgentEvents<typeof accepts> },
          actors: effects,
        }).createMachine({
          id: 'twice',
          initial: 'idle',
          context: { tries: 0 },
          states: {
            idle: { on: { 'task.run': 'first' } },
            first: {
              invoke: {
                src: 'tool',
                input: { tool: 'post', input: { n: 1 } },
                onDone: 'second',
                onError: 'idle',
              },
            },
            second: {
              entry: assign({ tries: ({ context }) => (context as { tries: number }).tries + 1 }),
              invoke: {
                src: 'tool',
                input: { tool: 'post', input: { n: 1 } },
                onDone: 'idle',
                onError: 'idle',
              },
            },
          },
        }),
    });
    const report = checkAgent(twice, {
      never: { 'tries above 0': ({ context }) => (context as { tries: number }).tries > 0 },
    });
    expect(byName(report.properties, 'no-repeated-effect')).toMatchObject({
      ok: false,
      counterexample: [
        { event: 'task.run {"n":1}', state: 'first' },
        { event: 'done:0.twice.first', state: 'runs post again' },
      ],
    });
    expect(byName(report.properties, 'never:tries above 0').ok).toBe(false);
    expect(byName(report.properties, 'timeouts-nest')).toMatchObject({
      ok: false,
      detail: 'callMs 5000 > stepMs 1000',
    });
  });

  it('requiresApproval naming an undeclared tool is refused with its path', () => {
    expect(() =>
      defineAgent({
        name: 'x',
        version: 1,
        accepts,
        tools,
        requiresApproval: ['nope'],
        machine: setup({}).createMachine({}),
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTIONS' }));
  });
});
