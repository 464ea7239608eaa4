import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { z } from 'zod';
import {
  ErrorCode,
  FAILURE_CLASSES,
  MemoryCheckpointStore,
  MemoryJournal,
  RuntimeError,
  createActorSystem,
  withFailureClass,
  type FailureClass,
} from 'agentvisor';
import { defineAgent, type AgentEvents } from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';
import {
  DEFAULT_DECISIONS,
  classifyFailure,
  createSupervisionTree,
  type SupervisorEvent,
} from 'agentvisor/supervisors';

// Property (issue 10 item 1): a tool's failure is classified the same, and decided the same, with
// and without persistence: the ledger's recorded outcome keeps what classification reads.

const accepts = { 'job.run': z.strictObject({}) } as const;

/** The shapes a tool's error comes in; each builds a fresh error per run. */
type ErrorShape =
  | { readonly kind: 'tagged'; readonly cls: FailureClass }
  | { readonly kind: 'details'; readonly cls: FailureClass }
  | { readonly kind: 'code'; readonly code: ErrorCode }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'system'; readonly code: string }
  | { readonly kind: 'wrapped'; readonly cls: FailureClass }
  | { readonly kind: 'plain' };

const classArb = fc.constantFrom(...FAILURE_CLASSES);
const shapeArb: fc.Arbitrary<ErrorShape> = fc.oneof(
  fc.record({ kind: fc.constant('tagged' as const), cls: classArb }),
  fc.record({ kind: fc.constant('details' as const), cls: classArb }),
  fc.record({
    kind: fc.constant('code' as const),
    code: fc.constantFrom(
      ErrorCode.Timeout,
      ErrorCode.Auth,
      ErrorCode.BudgetExceeded,
      ErrorCode.InvalidOutput,
      ErrorCode.Unknown,
    ),
  }),
  fc.record({
    kind: fc.constant('status' as const),
    status: fc.constantFrom(400, 401, 403, 404, 408, 429, 500, 503),
  }),
  fc.record({
    kind: fc.constant('system' as const),
    code: fc.constantFrom('ECONNRESET', 'ETIMEDOUT', 'ENOENT'),
  }),
  fc.record({ kind: fc.constant('wrapped' as const), cls: classArb }),
  fc.constant({ kind: 'plain' as const }),
);

function build(shape: ErrorShape): Error {
  switch (shape.kind) {
    case 'tagged':
      return withFailureClass(new Error('tagged'), shape.cls);
    case 'details':
      return new RuntimeError(ErrorCode.Unknown, 'detailed', {
        details: { failureClass: shape.cls },
      });
    case 'code':
      return new RuntimeError(shape.code, 'coded');
    case 'status':
      return Object.assign(new Error(`HTTP ${shape.status}`), { status: shape.status });
    case 'system':
      return Object.assign(new Error('socket'), { code: shape.code });
    case 'wrapped':
      return new Error('outer', { cause: withFailureClass(new Error('inner'), shape.cls) });
    case 'plain':
      return new Error('plain');
  }
}

function toolAgent(shape: ErrorShape) {
  return defineAgent({
    name: 'agent',
    version: 1,
    accepts,
    tools: { act: { input: z.strictObject({}), run: () => Promise.reject(build(shape)) } },
    machine: ({ effects }) =>
      setup({
        types: { events: {} as AgentEvents<typeof accepts> },
        actors: effects,
      }).createMachine({
        id: 'agent',
        initial: 'idle',
        states: {
          idle: { on: { 'job.run': 'working' } },
          working: {
            invoke: { src: 'tool', input: { tool: 'act', input: {} }, onDone: 'idle' },
          },
        },
      }),
  });
}

/** The (class, directive) of every child failure after one `job.run`. */
async function failuresOf(shape: ErrorShape, durable: boolean): Promise<[string, string][]> {
  const system = createActorSystem({}, { clock: new TestClock() });
  const tree = await createSupervisionTree(
    system,
    { root: { id: 'root', intensity: 4, children: [{ id: 'a', agent: 'agent' }] } },
    {
      agents: { agent: toolAgent(shape) },
      ...(durable
        ? { persistence: { store: new MemoryCheckpointStore(), journal: new MemoryJournal() } }
        : {}),
    },
  );
  const events: SupervisorEvent[] = [];
  tree.onEvent((e) => events.push(e));
  try {
    system.tell('a', 'job.run', {});
    await system.settled();
    return events.flatMap((e) =>
      e.type === 'child-failed' ? [[e.failureClass, e.directive] as [string, string]] : [],
    );
  } finally {
    await tree.stop();
    await system.shutdown();
  }
}

describe('failure class through the effect ledger', () => {
  it('every failure of a failing tool is classified and decided the same with and without persistence', async () => {
    await fc.assert(
      fc.asyncProperty(shapeArb, async (shape) => {
        const cls = classifyFailure(build(shape));
        const expected: [string, string] = [cls, DEFAULT_DECISIONS[cls]];
        const inMemory = await failuresOf(shape, false);
        const durable = await failuresOf(shape, true);
        expect(inMemory).toEqual([expected]);
        expect(durable.length).toBeGreaterThan(0);
        for (const failure of durable) expect(failure).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  }, 60_000);

  // Shrunk counterexample (seed 1323926125): a class tagged on the cause was lost on the wire.
  it('regression: a transient tag on the cause keeps the durable child restarting, not as a bug', async () => {
    const shape = { kind: 'wrapped', cls: 'transient' } as const;
    expect(await failuresOf(shape, false)).toEqual([['transient', 'restart']]);
    const durable = await failuresOf(shape, true);
    expect(durable.length).toBeGreaterThan(0);
    for (const failure of durable) expect(failure).toEqual(['transient', 'restart']);
  });
});
