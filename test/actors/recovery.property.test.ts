/**
 * Recovery properties of durable agents (DESIGN.md "Effects and the ledger", "Checkpoints and
 * the journal"), with a crash simulated at the journal (recoveryHarness.ts):
 *
 * 1. Replay equivalence: a worker agent (model and tool effects through the ledger) runs a random
 *    job sequence once without a crash (the reference) and once on a process that dies at a
 *    random journal write; a second process recovers from the same stores and every message is
 *    re-sent with its id. The final context is the reference's, no non-idempotent tool runs
 *    twice, idempotent re-runs keep their key, recorded model calls are not repeated, and each
 *    job is answered at most once.
 * 2. Checkpoint round trip: encode/decode is the identity; a machine restored from a persisted
 *    snapshot that went through a checkpoint is the live one and stays so.
 * 3. Delivery: across a crash, with every message re-sent, each id is processed exactly once.
 *
 * The bugs these properties found are fixed; their minimal reproductions stay as regression tests.
 */
import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { assign, createActor, setup } from 'xstate';
import { z } from 'zod';
import {
  CHECKPOINT_VERSION,
  ErrorCode,
  MemoryCheckpointStore,
  MemoryJournal,
  ReplyType,
  RuntimeError,
  createActorSystem,
  decodeCheckpoint,
  encodeCheckpoint,
  isRuntimeError,
  replyAddress,
  respondTo,
  type ActorSystem,
  type Checkpoint,
  type CheckpointPolicy,
  type Envelope,
  type MessageEvent,
  type ReplyAddress,
  type WireError,
} from 'agentvisor/internal';
import {
  createSimulatedModel,
  defineAgent,
  type AgentEvents,
  type ModelClient,
  type ToolDefinition,
} from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';
import {
  CrashingJournal,
  GatedCheckpointStore,
  deadLetterLog,
  envelopeBytes,
  settle,
  type Gate,
} from './recoveryHarness.js';

const REPLIES = 'test.replies';

// --- 1. a worker agent with a model and tools, crashed at a random journal write ---

const jobSchema = z.strictObject({
  n: z.number().int().nonnegative(),
  model: z.boolean(),
  tool: z.string().nullable(),
  fail: z.boolean(),
});
type Job = z.output<typeof jobSchema>;
const workerAccepts = { 'job.run': jobSchema } as const;

/** What the worker logs (and answers) for each job. */
interface Entry {
  readonly n: number;
  readonly text: string | null;
  readonly tool: string | null;
}

interface WorkerContext {
  job: Job | null;
  asker: ReplyAddress | null;
  text: string | null;
  toolResult: string | null;
  log: Entry[];
  /** Ids of jobs that reached the worker while it was busy (never, in a faithful run). */
  stray: string[];
}

/** How a job's error is written down: uncertain effects by code alone (their key varies). */
function describeError(error: unknown): string {
  if (isRuntimeError(error, ErrorCode.UncertainEffect)) return error.code;
  if (isRuntimeError(error)) return `${error.code} ${error.message}`;
  return error instanceof Error ? `Error ${error.message}` : String(error);
}

interface ToolSpec {
  readonly idempotent: boolean;
  /** Latency on the process's TestClock; 0: settles at once. */
  readonly latency: number;
}

interface JobSpec {
  readonly model: boolean;
  /** Index into the scenario's tools, or null: no tool. */
  readonly tool: number | null;
  /** The tool throws (a RuntimeError the machine handles with onError). */
  readonly fail: boolean;
}

interface Scenario {
  readonly tools: readonly ToolSpec[];
  readonly modelLatency: number;
  readonly jobs: readonly JobSpec[];
  readonly policy: { everySteps: number; onSettled: boolean; keep: number };
  /** Where the crash falls, as a fraction (per mille) of the reference run's journal appends. */
  readonly crashPerMille: number;
  /** Whether the write the process dies in reaches the journal. */
  readonly landed: boolean;
  /**
   * The tools' `checkpointBefore`: false turns off the checkpoint taken before a
   * non-idempotent call; undefined keeps the runtime's default (on for non-idempotent tools).
   */
  readonly checkpointBefore: false | undefined;
}

/**
 * Tools throw RuntimeErrors (their code and message survive the journal), unless this is set:
 * then plain Errors, which come back from the journal as ERR_UNKNOWN (see the it.fails below).
 */
let plainErrors = false;

/** Real side effects, across processes. */
interface Calls {
  readonly tools: { proc: string; n: number; key: string }[];
  readonly models: { proc: string; n: number }[];
}

function jobOf(spec: JobSpec, n: number): Job {
  return {
    n,
    model: spec.model,
    tool: spec.tool === null ? null : `t${spec.tool}`,
    fail: spec.fail,
  };
}

/** Counts model calls when they start (the simulated model's script runs only when they end). */
function countingModel(proc: string, calls: Calls, clock: TestClock, latency: number): ModelClient {
  const inner = createSimulatedModel(
    {
      latencyMs: [latency, latency],
      script: ({ messages }) => `thought about ${messages.at(-1)?.content ?? ''}`,
    },
    { clock },
  );
  return {
    name: inner.name,
    complete: (request, options) => {
      const content = request.messages.at(-1)?.content ?? '';
      calls.models.push({ proc, n: Number(content.replace('job ', '')) });
      return inner.complete(request, options);
    },
  };
}

function toolsOf(
  proc: string,
  scenario: Scenario,
  calls: Calls,
  clock: TestClock,
): Record<string, ToolDefinition> {
  return Object.fromEntries(
    scenario.tools.map((spec, i): [string, ToolDefinition] => [
      `t${i}`,
      {
        input: z.strictObject({ n: z.number().int(), fail: z.boolean() }),
        idempotent: spec.idempotent,
        // The reference runs each tool once per job: no retries, no breaker in the way (their
        // wiring has its own tests in resilientAgent.test.ts).
        resilience: {
          retry: false,
          breaker: { strategy: { type: 'consecutive', threshold: 1e9 } },
        },
        ...(scenario.checkpointBefore === undefined
          ? {}
          : { checkpointBefore: scenario.checkpointBefore }),
        run: (input, { idempotencyKey }) => {
          const { n, fail } = input as { n: number; fail: boolean };
          calls.tools.push({ proc, n, key: idempotencyKey });
          const outcome = () => {
            if (!fail) return `t${i} did job ${n}`;
            const message = `t${i} failed on job ${n}`;
            throw plainErrors ? new Error(message) : new RuntimeError(ErrorCode.Timeout, message);
          };
          const elapsed =
            spec.latency === 0
              ? Promise.resolve()
              : new Promise<void>((resolve) => {
                  clock.setTimeout(resolve, spec.latency);
                });
          return elapsed.then(outcome);
        },
      },
    ]),
  );
}

/**
 * One job at a time: `job.run` → the model (when asked) → the tool (when asked) → a log entry,
 * and an answer to the asker. Tool errors (ERR_UNCERTAIN_EFFECT included) are handled, so the
 * agent never fails.
 */
function worker(proc: string, scenario: Scenario, calls: Calls, clock: TestClock) {
  return defineAgent({
    name: 'worker',
    version: 1,
    accepts: workerAccepts,
    models: { main: countingModel(proc, calls, clock, scenario.modelLatency) },
    tools: toolsOf(proc, scenario, calls, clock),
    checkpoint: scenario.policy,
    machine: ({ effects }) =>
      setup({
        types: {
          context: {} as WorkerContext,
          events: {} as AgentEvents<typeof workerAccepts>,
        },
        actors: effects,
        guards: {
          wantsModel: ({ context }) => context.job?.model === true,
          wantsTool: ({ context }) => typeof context.job?.tool === 'string',
        },
        actions: {
          record: assign({
            log: ({ context }) => [
              ...context.log,
              { n: context.job?.n ?? -1, text: context.text, tool: context.toolResult },
            ],
          }),
        },
      }).createMachine({
        id: 'worker',
        context: { job: null, asker: null, text: null, toolResult: null, log: [], stray: [] },
        initial: 'idle',
        // Jobs are sent one at a time, when the worker is idle: one that reaches a busy state was
        // delivered twice or out of order (a faulty replay). Recorded, so it shows in the state.
        on: {
          'job.run': {
            actions: assign({ stray: ({ context, event }) => [...context.stray, event.id] }),
          },
        },
        states: {
          idle: {
            on: {
              'job.run': {
                target: 'route',
                actions: assign({
                  job: ({ event }) => event.payload,
                  asker: ({ event }) => replyAddress(event),
                  text: null,
                  toolResult: null,
                }),
              },
            },
          },
          route: {
            always: [
              { guard: 'wantsModel', target: 'thinking' },
              { guard: 'wantsTool', target: 'acting' },
              {
                target: 'idle',
                actions: [
                  'record',
                  respondTo(({ context }) => ({ to: context.asker!, payload: context.log.at(-1) })),
                ],
              },
            ],
          },
          thinking: {
            invoke: {
              src: 'model',
              input: ({ context }) => ({
                messages: [{ role: 'user' as const, content: `job ${context.job!.n}` }],
              }),
              onDone: {
                target: 'afterModel',
                actions: assign({ text: ({ event }) => event.output.text }),
              },
              onError: {
                target: 'afterModel',
                actions: assign({ text: ({ event }) => `model ${describeError(event.error)}` }),
              },
            },
          },
          afterModel: {
            always: [
              { guard: 'wantsTool', target: 'acting' },
              {
                target: 'idle',
                actions: [
                  'record',
                  respondTo(({ context }) => ({ to: context.asker!, payload: context.log.at(-1) })),
                ],
              },
            ],
          },
          acting: {
            invoke: {
              src: 'tool',
              input: ({ context }) => ({
                tool: context.job!.tool!,
                input: { n: context.job!.n, fail: context.job!.fail },
              }),
              onDone: {
                target: 'idle',
                actions: [
                  assign({ toolResult: ({ event }) => `ok ${String(event.output)}` }),
                  'record',
                  respondTo(({ context }) => ({ to: context.asker!, payload: context.log.at(-1) })),
                ],
              },
              onError: {
                target: 'idle',
                actions: [
                  assign({ toolResult: ({ event }) => `err ${describeError(event.error)}` }),
                  'record',
                  respondTo(({ context }) => ({ to: context.asker!, payload: context.log.at(-1) })),
                ],
              },
            },
          },
        },
      }),
  });
}

interface WorkerSnapshot {
  readonly value: unknown;
  readonly context: WorkerContext;
}

const snapshotOf = (system: ActorSystem): WorkerSnapshot =>
  system.getSnapshot('worker') as WorkerSnapshot;

/** Idle with an empty mailbox, and every message sent so far taken (processed or a duplicate). */
function caughtUp(system: ActorSystem, taken: () => number, sent: number): boolean {
  const info = system.describe('worker');
  return (
    info?.status === 'running' &&
    info.mailboxSize === 0 &&
    taken() === sent &&
    snapshotOf(system).value === 'idle'
  );
}

/** Replies that reach the test's reply subject, in arrival order. */
function collectReplies(system: ActorSystem): Envelope[] {
  const replies: Envelope[] = [];
  system.transport.subscribe(REPLIES, (reply) => replies.push(reply));
  return replies;
}

function messagesOf(
  scenario: Scenario,
  runId: string,
): { envelope: Envelope; bytes: Uint8Array }[] {
  return scenario.jobs.map((spec, n) => {
    const envelope: Envelope = {
      v: 1,
      id: `${runId}-job-${n}`,
      type: 'job.run',
      to: 'worker',
      replyTo: REPLIES,
      payload: jobOf(spec, n),
    };
    return { envelope, bytes: envelopeBytes(envelope) };
  });
}

function persistenceOf(
  stores: {
    store: MemoryCheckpointStore | GatedCheckpointStore;
    journal: MemoryJournal | CrashingJournal;
  },
  policy: CheckpointPolicy,
) {
  return { ...stores, machineId: 'worker', machineVersion: 1, policy };
}

/** The whole sequence without a crash: the final log, the replies, and how many appends it took. */
async function referenceRun(scenario: Scenario, runId: string) {
  const calls: Calls = { tools: [], models: [] };
  const clock = new TestClock();
  const system = createActorSystem({}, { clock });
  const replies = collectReplies(system);
  const journal = new CrashingJournal(new MemoryJournal(), {
    budget: Number.POSITIVE_INFINITY,
    gate: { dead: false },
  });
  await system.spawnDurable('worker', worker('R', scenario, calls, clock), {
    persistence: persistenceOf({ store: new MemoryCheckpointStore(), journal }, scenario.policy),
  });
  const messages = messagesOf(scenario, runId);
  for (const [i, { bytes }] of messages.entries()) {
    system.receiveBytes('worker', bytes);
    const ok = await settle(clock, () =>
      caughtUp(system, () => system.describe('worker')?.processed ?? -1, i + 1),
    );
    expect(ok, `reference run stuck at job ${i}`).toBe(true);
  }
  const log = snapshotOf(system).context.log;
  const appends = journal.appends;
  await system.shutdown();
  return { log, replies, appends, calls };
}

const toolSpecArb: fc.Arbitrary<ToolSpec> = fc.record({
  idempotent: fc.boolean(),
  latency: fc.constantFrom(0, 3),
});

function scenarioArb(
  onSettled: boolean,
  checkpointBefore: false | undefined,
): fc.Arbitrary<Scenario> {
  return fc.array(toolSpecArb, { minLength: 1, maxLength: 3 }).chain((tools) =>
    fc.record({
      tools: fc.constant(tools),
      modelLatency: fc.constantFrom(0, 5),
      jobs: fc.array(
        fc.record({
          model: fc.boolean(),
          tool: fc.option(fc.nat({ max: tools.length - 1 }), { freq: 4 }),
          fail: fc.boolean(),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      policy: fc.record({
        everySteps: fc.integer({ min: 1, max: 5 }),
        onSettled: fc.constant(onSettled),
        keep: fc.integer({ min: 1, max: 3 }),
      }),
      crashPerMille: fc.integer({ min: 0, max: 999 }),
      landed: fc.boolean(),
      checkpointBefore: fc.constant(checkpointBefore),
    }),
  );
}

let scenarioRuns = 0;

/**
 * Runs `scenario` without a crash (the reference), then again on process A dying at a journal
 * write chosen by `crashPerMille`, then recovers on process B from the same stores and re-sends
 * every message with its id. Asserts the recovery properties (see the test names).
 */
async function crashAndRecover(scenario: Scenario): Promise<void> {
  const runId = `r${scenarioRuns++}`;
  const reference = await referenceRun(scenario, runId);
  const messages = messagesOf(scenario, runId);
  const budget = Math.floor((scenario.crashPerMille * (reference.appends + 1)) / 1000);
  // The reference answers every job once, with its log entry; each tool ran once.
  expect(reference.replies.filter((r) => r.type === ReplyType.Ok).map((r) => r.payload)).toEqual(
    reference.log,
  );
  expect(reference.calls.tools.map((c) => c.n)).toEqual(
    scenario.jobs.flatMap((spec, n) => (spec.tool === null ? [] : [n])),
  );

  // Process A: the same sequence, dying in its journal write number budget + 1.
  const shared = { store: new MemoryCheckpointStore(), journal: new MemoryJournal() };
  const calls: Calls = { tools: [], models: [] };
  const gate: Gate = { dead: false };
  const journalA = new CrashingJournal(shared.journal, { budget, gate, landed: scenario.landed });
  const clockA = new TestClock();
  const a = createActorSystem({}, { clock: clockA });
  const repliesA = collectReplies(a);
  const lettersA = deadLetterLog();
  a.deadLetters.subscribe(lettersA.listener);
  await a.spawnDurable('worker', worker('A', scenario, calls, clockA), {
    persistence: persistenceOf(
      { store: new GatedCheckpointStore(shared.store, gate), journal: journalA },
      scenario.policy,
    ),
  });
  for (const [i, { bytes }] of messages.entries()) {
    if (gate.dead) break;
    a.receiveBytes('worker', bytes);
    await settle(
      clockA,
      () => caughtUp(a, () => a.describe('worker')?.processed ?? -1, i + 1),
      gate,
    );
  }
  gate.dead = true; // whatever A still does from here on is lost with it
  const completedInA = snapshotOf(a).context.log.length;
  const journaledInA = journalA.appended
    .filter((e) => e.kind === 'message')
    .map((e) => (e.data as Envelope).id);
  // The job whose message is journaled but which A did not finish (at most one: one at a time).
  const inFlight = journaledInA.length > completedInA ? completedInA : undefined;
  expect(journaledInA).toEqual(messages.slice(0, journaledInA.length).map((m) => m.envelope.id));
  expect(journaledInA.length - completedInA).toBeLessThanOrEqual(1);
  const modelRecordedInA = modelOutcomesOf(journalA);

  // Process B: recovers from the shared stores; every message is sent again with its id.
  const clockB = new TestClock();
  const b = createActorSystem({}, { clock: clockB });
  const repliesB = collectReplies(b);
  const lettersB = deadLetterLog();
  b.deadLetters.subscribe(lettersB.listener);
  await b.spawnDurable('worker', worker('B', scenario, calls, clockB), {
    persistence: persistenceOf(shared, scenario.policy),
  });
  const taken = () => (b.describe('worker')?.processed ?? -1) + lettersB.count('duplicate');
  expect(await settle(clockB, () => caughtUp(b, taken, 0)), 'B did not recover').toBe(true);
  for (const [i, { bytes }] of messages.entries()) {
    b.receiveBytes('worker', bytes);
    const ok = await settle(clockB, () => caughtUp(b, taken, i + 1));
    expect(ok, `B stuck at job ${i}: ${JSON.stringify(b.describe('worker'))}`).toBe(true);
  }
  const log = snapshotOf(b).context.log;
  expect(snapshotOf(b).context.stray, 'jobs replayed into a busy worker').toEqual([]);

  // The final state is the reference's, except an uncertain non-idempotent tool call, which
  // the agent saw as ERR_UNCERTAIN_EFFECT (its onError path).
  const uncertain: number[] = [];
  expect(log.map((e) => e.n)).toEqual(reference.log.map((e) => e.n));
  for (const [n, entry] of log.entries()) {
    const expected = reference.log[n]!;
    if (entry.tool === `err ${ErrorCode.UncertainEffect}` && expected.tool !== entry.tool) {
      uncertain.push(n);
      expect({ ...entry, tool: expected.tool }).toEqual(expected);
    } else {
      expect(entry, `job ${n}`).toEqual(expected);
    }
  }
  // Uncertain: the intent is in the journal, the outcome is not. A ran the tool once (or, when
  // the intent's write landed as A died, never got to run it); B refused to guess.
  expect(uncertain.length).toBeLessThanOrEqual(1);
  for (const n of uncertain) {
    const spec = scenario.jobs[n]!;
    expect(n).toBe(inFlight);
    expect(scenario.tools[spec.tool!]!.idempotent).toBe(false);
    const runs = calls.tools.filter((c) => c.n === n).map((c) => c.proc);
    expect(runs).toEqual(scenario.landed && runs.length === 0 ? [] : ['A']);
  }

  // Tools: non-idempotent ones ran exactly once (uncertain ones: as above); idempotent ones at
  // most twice, A then B, under the same idempotency key.
  for (const [n, spec] of scenario.jobs.entries()) {
    const runs = calls.tools.filter((c) => c.n === n);
    if (spec.tool === null) {
      expect(runs).toEqual([]);
    } else if (!scenario.tools[spec.tool]!.idempotent) {
      const expected = uncertain.includes(n) ? runs.filter((r) => r.proc === 'A').length : 1;
      expect(runs.length, `non-idempotent t${spec.tool} of job ${n}`).toBe(expected);
    } else {
      expect(runs.length).toBeGreaterThanOrEqual(1);
      expect(runs.length).toBeLessThanOrEqual(2);
      if (runs.length === 2) {
        expect(n).toBe(inFlight);
        expect(runs.map((r) => r.proc)).toEqual(['A', 'B']);
        expect(runs[1]!.key).toBe(runs[0]!.key);
      }
    }
  }
  // Models: a call whose outcome A recorded is not repeated; one in flight at the crash runs
  // again once, in B.
  for (const [n, spec] of scenario.jobs.entries()) {
    const runs = calls.models.filter((c) => c.n === n).map((c) => c.proc);
    if (!spec.model) expect(runs).toEqual([]);
    else if (modelRecordedInA.has(n)) expect(runs, `model of job ${n}`).toEqual(['A']);
    else if (runs.length !== 1) expect([n, runs]).toEqual([inFlight, ['A', 'B']]);
  }

  // Delivery: every message journaled by A is refused as a duplicate when re-sent (and answered
  // with ERR_DUPLICATE_MESSAGE); nothing else is dead-lettered. Each job is answered at most
  // once, with its final entry; every job but the one in flight at the crash is answered (that
  // one may not be: replies are suppressed while B replays, see the report).
  expect(lettersA.letters).toEqual([]);
  expect(lettersB.letters.map((l) => [l.reason, l.envelope?.id])).toEqual(
    journaledInA.map((id) => ['duplicate', id]),
  );
  const replies = [...repliesA, ...repliesB];
  expect(
    replies.filter((r) => r.type !== ReplyType.Ok).map((r) => (r.payload as WireError).code),
  ).toEqual(journaledInA.map(() => ErrorCode.DuplicateMessage));
  for (const [n, { envelope }] of messages.entries()) {
    const answers = replies.filter(
      (r) => r.type === ReplyType.Ok && r.correlationId === envelope.id,
    );
    expect(answers.length, `answers to job ${n}`).toBeLessThanOrEqual(1);
    if (n !== inFlight) expect(answers.length, `answers to job ${n}`).toBe(1);
    for (const answer of answers) expect(answer.payload).toEqual(log[n]);
  }
  expect(b.describe('worker')?.status).toBe('running');
  await b.shutdown();
}

/** Jobs whose model call's outcome process A recorded in the journal. */
function modelOutcomesOf(journal: CrashingJournal): Set<number> {
  const inputs = new Map<string, unknown>();
  const jobs = new Set<number>();
  for (const { kind, data } of journal.appended) {
    const { key, input, effect } = data as { key: string; input: unknown; effect: string };
    if (kind === 'effect-intent') inputs.set(key, input);
    if (kind === 'effect-outcome' && effect.startsWith('model:')) {
      const request = inputs.get(key) as { messages: { content: string }[] };
      jobs.add(Number(request.messages.at(-1)?.content.replace('job ', '')));
    }
  }
  return jobs;
}

describe('recovery after a crash at a random journal write', () => {
  // Checkpoints every 1-5 messages and after every settled step, none before a non-idempotent
  // call; the two properties below cover mid-effect checkpoints and checkpoints before a call.
  it.prop([scenarioArb(true, false)], { numRuns: 60 })(
    'ends in the reference state, runs no non-idempotent tool twice, repeats no recorded model call, loses no message',
    crashAndRecover,
    30_000,
  );

  // Fixed: recorded outcomes of effects restored as running are delivered in journal order,
  // during the replay (so their replies are not sent again).
  it.prop([scenarioArb(false, false)], { numRuns: 40 })(
    'also holds when checkpoints are taken mid-effect (onSettled: false)',
    crashAndRecover,
    30_000,
  );

  // Fixed: a checkpoint written mid-step (before a non-idempotent call) records the step's
  // journal position and message id, so recovery neither replays nor re-accepts that message.
  it.prop([scenarioArb(true, undefined)], { numRuns: 150 })(
    'also holds with the default checkpoint before a non-idempotent tool',
    crashAndRecover,
    30_000,
  );
});

/** Drives `jobs` through a fresh durable worker on `stores`, one at a time; A crashes = dropped. */
async function runJobs(
  scenario: Scenario,
  stores: { store: MemoryCheckpointStore; journal: MemoryJournal },
  jobs: readonly number[],
  runId: string,
) {
  const calls: Calls = { tools: [], models: [] };
  const clock = new TestClock();
  const system = createActorSystem({}, { clock });
  const replies = collectReplies(system);
  await system.spawnDurable('worker', worker('P', scenario, calls, clock), {
    persistence: persistenceOf(stores, scenario.policy),
  });
  const processed = () => system.describe('worker')?.processed ?? -1;
  expect(await settle(clock, () => caughtUp(system, processed, 0))).toBe(true);
  const messages = messagesOf(scenario, runId);
  for (const [i, n] of jobs.entries()) {
    system.receiveBytes('worker', messages[n]!.bytes);
    expect(await settle(clock, () => caughtUp(system, processed, i + 1))).toBe(true);
  }
  return { system, replies, log: snapshotOf(system).context.log };
}

describe('recovery: minimal reproductions of the bugs the properties found', () => {
  const stores = () => ({ store: new MemoryCheckpointStore(), journal: new MemoryJournal() });

  it('keeps a message journaled after a checkpoint taken while an effect ran (was lost)', async () => {
    // Job 1 calls the model; the checkpoint after it (everySteps: 2) catches it mid-call.
    // Job 2 arrives after the model answered and is journaled; no checkpoint follows it.
    const scenario: Scenario = {
      tools: [],
      modelLatency: 0,
      jobs: [
        { model: false, tool: null, fail: false },
        { model: true, tool: null, fail: false },
        { model: false, tool: null, fail: false },
      ],
      policy: { everySteps: 2, onSettled: false, keep: 3 },
      crashPerMille: 0,
      landed: false,
      checkpointBefore: false,
    };
    const s = stores();
    const a = await runJobs(scenario, s, [0, 1, 2], 'lost');
    expect(a.log.map((e) => e.n)).toEqual([0, 1, 2]);
    // Crash: A is dropped. B restores the checkpoint (in `thinking`) and replays job 2 into
    // `thinking` (only the root's stray handler takes it) before the ledger's answer for the
    // model arrives; the re-sent job 2 is then refused as a duplicate.
    const b = await runJobs(scenario, s, [], 'lost');
    expect(b.log.map((e) => e.n)).toEqual([0, 1, 2]);
    await b.system.shutdown();
  });

  it('does not answer again a job it answered before the crash', async () => {
    // The checkpoint after job 0 (everySteps: 1) catches the model call running; A answers
    // job 0 when the model returns. B restores that checkpoint: the ledger answers the
    // restored model call, and the machine's reply to job 0 goes out a second time.
    const scenario: Scenario = {
      tools: [],
      modelLatency: 0,
      jobs: [{ model: true, tool: null, fail: false }],
      policy: { everySteps: 1, onSettled: false, keep: 3 },
      crashPerMille: 0,
      landed: false,
      checkpointBefore: false,
    };
    const s = stores();
    const a = await runJobs(scenario, s, [0], 'twice');
    expect(a.replies.filter((r) => r.type === ReplyType.Ok)).toHaveLength(1);
    const b = await runJobs(scenario, s, [], 'twice');
    expect(b.replies).toEqual([]);
    await b.system.shutdown();
  });

  it('does not replay the message a checkpoint-before-effect already holds', async () => {
    // Job 0 calls a non-idempotent tool: the runtime checkpoints before it runs. That
    // checkpoint holds job 0 (state `acting`) but records the journal position before it; with
    // everySteps: 2 no later checkpoint corrects it. B restores it and replays job 0 into
    // `acting`, where the worker's root handler records it as a stray (a machine that handles
    // the message there would apply it twice).
    const scenario: Scenario = {
      tools: [{ idempotent: false, latency: 0 }],
      modelLatency: 0,
      jobs: [{ model: false, tool: 0, fail: false }],
      policy: { everySteps: 2, onSettled: false, keep: 3 },
      crashPerMille: 0,
      landed: false,
      checkpointBefore: undefined,
    };
    const s = stores();
    const a = await runJobs(scenario, s, [0], 'before');
    expect((await s.store.latest('worker'))?.checkpoint.journalSeq).toBe(1);
    const b = await runJobs(scenario, s, [], 'before');
    expect(snapshotOf(b.system).context).toEqual(snapshotOf(a.system).context);
    await b.system.shutdown();
  });

  it('hands the machine the same tool error live and on replay', async () => {
    // A tool that throws a plain Error: the machine gets its wire form (ERR_UNKNOWN) live too,
    // exactly what a replay rebuilds, so a branch on the error takes the same path.
    const scenario: Scenario = {
      tools: [{ idempotent: false, latency: 0 }],
      modelLatency: 0,
      jobs: [{ model: false, tool: 0, fail: true }],
      // No checkpoint: recovery is the journal replayed.
      policy: { everySteps: 1000, onSettled: false, keep: 3 },
      crashPerMille: 0,
      landed: false,
      checkpointBefore: false,
    };
    plainErrors = true;
    try {
      const s = stores();
      const a = await runJobs(scenario, s, [0], 'plain');
      expect(a.log[0]?.tool).toBe('err ERR_UNKNOWN t0 failed on job 0');
      const b = await runJobs(scenario, s, [], 'plain');
      expect(b.log).toEqual(a.log);
      await b.system.shutdown();
    } finally {
      plainErrors = false;
    }
  });
});

// --- 2. checkpoints round-trip ---

/** Replaces -0 by 0 everywhere: MessagePack encodes -0 as the integer 0 (a known, legitimate change). */
function withoutNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(withoutNegativeZero);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNegativeZero(v)]));
  }
  return value;
}

/** msgpackr renames a `__proto__` key on decode (prototype-pollution guard): known too. */
function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([k, v]) => k === '__proto__' || hasProtoKey(v));
}

const text = (maxLength: number, minLength = 0) =>
  fc.string({ unit: 'binary', minLength, maxLength });

const snapshotArb = fc
  .jsonValue({ maxDepth: 4 })
  .map(withoutNegativeZero)
  .filter((v) => !hasProtoKey(v));

const checkpointArb: fc.Arbitrary<Checkpoint> = fc.record(
  {
    v: fc.constant(CHECKPOINT_VERSION),
    actor: text(64, 1),
    machineId: text(64),
    machineVersion: fc.oneof(fc.integer(), text(16)),
    snapshot: snapshotArb,
    journalSeq: fc.maxSafeNat(),
    processedIds: fc.array(text(64), { maxLength: 30 }),
    incarnation: fc.maxSafeNat(),
    createdAt: fc.oneof(
      fc.maxSafeNat(),
      fc.double({ min: 0, max: 1e15, noNaN: true }).map((d) => (Object.is(d, -0) ? 0 : d)),
    ),
    effects: fc
      .dictionary(text(40), text(80), { maxKeys: 8, noNullPrototype: true })
      .filter((d) => !hasProtoKey(d)),
    effectsFromSeq: fc.maxSafeNat(),
  },
  {
    requiredKeys: [
      'v',
      'actor',
      'machineId',
      'machineVersion',
      'snapshot',
      'journalSeq',
      'processedIds',
      'incarnation',
      'createdAt',
    ],
    noNullPrototype: true,
  },
);

type TallyEvent =
  | { type: 'inc'; by: number }
  | { type: 'toggle' }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'reset' }
  | { type: 'finish' };

/**
 * A counter with some structure to persist: parallel regions, a deep history state, guarded
 * eventless transitions, array context and a final state with output.
 */
const tallyMachine = setup({
  types: {
    context: {} as { count: number; history: number[]; toggles: number },
    events: {} as TallyEvent,
  },
  guards: {
    odd: ({ context }) => context.count % 2 !== 0,
    even: ({ context }) => context.count % 2 === 0,
  },
}).createMachine({
  id: 'tally',
  context: { count: 0, history: [], toggles: 0 },
  initial: 'active',
  states: {
    active: {
      type: 'parallel',
      on: { pause: 'paused', finish: 'finished' },
      states: {
        power: {
          initial: 'on',
          states: {
            on: {
              on: {
                toggle: {
                  target: 'off',
                  actions: assign({ toggles: ({ context }) => context.toggles + 1 }),
                },
                inc: {
                  actions: assign({
                    count: ({ context, event }) => context.count + event.by,
                    history: ({ context, event }) => [...context.history, event.by].slice(-5),
                  }),
                },
              },
            },
            off: { on: { toggle: 'on', reset: { actions: assign({ count: 0, history: [] }) } } },
          },
        },
        parity: {
          initial: 'even',
          states: {
            even: { always: { guard: 'odd', target: 'odd' } },
            odd: { always: { guard: 'even', target: 'even' } },
          },
        },
        hist: { type: 'history', history: 'deep' },
      },
    },
    paused: { on: { resume: '#tally.active.hist', reset: { actions: assign({ count: 0 }) } } },
    finished: { type: 'final' },
  },
  output: ({ context }) => ({ count: context.count, toggles: context.toggles }),
});

/**
 * The persisted snapshot with each history entry's state nodes sorted: XState restores a deep
 * history of a parallel state as the same set of nodes in another order (its own detail).
 */
function persisted(actor: { getPersistedSnapshot(): unknown }): unknown {
  const snapshot = actor.getPersistedSnapshot() as {
    historyValue?: Record<string, { id: string }[]>;
  };
  const historyValue = Object.fromEntries(
    Object.entries(snapshot.historyValue ?? {}).map(([k, nodes]) => [
      k,
      nodes.map((node) => node.id).sort(),
    ]),
  );
  return { ...snapshot, historyValue };
}

const tallyEventArb: fc.Arbitrary<TallyEvent> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.integer({ min: -3, max: 7 }).map((by) => ({ type: 'inc' as const, by })),
  },
  { weight: 5, arbitrary: fc.constant({ type: 'toggle' as const }) },
  { weight: 5, arbitrary: fc.constant({ type: 'pause' as const }) },
  { weight: 5, arbitrary: fc.constant({ type: 'resume' as const }) },
  { weight: 5, arbitrary: fc.constant({ type: 'reset' as const }) },
  { weight: 1, arbitrary: fc.constant({ type: 'finish' as const }) },
);

describe('checkpoints', () => {
  it.prop([checkpointArb], { numRuns: 60 })(
    'decode(encode(checkpoint)) is the checkpoint',
    (checkpoint) => {
      const decoded = decodeCheckpoint(encodeCheckpoint(checkpoint), 'property');
      expect(decoded).toEqual(checkpoint);
      expect(decodeCheckpoint(encodeCheckpoint(decoded), 'property')).toEqual(checkpoint);
    },
  );

  it.prop(
    [fc.array(tallyEventArb, { maxLength: 30 }), fc.array(tallyEventArb, { maxLength: 15 })],
    { numRuns: 60 },
  )(
    'a machine restored from a checkpointed persisted snapshot is the live one, and stays so',
    (before, after) => {
      const live = createActor(tallyMachine).start();
      for (const event of before) if (live.getSnapshot().status === 'active') live.send(event);
      const checkpoint: Checkpoint = {
        v: CHECKPOINT_VERSION,
        actor: 'tally',
        machineId: 'tally',
        machineVersion: 1,
        snapshot: live.getPersistedSnapshot(),
        journalSeq: before.length,
        processedIds: [],
        incarnation: 1,
        createdAt: 1_700_000_000_000,
      };
      const stored = decodeCheckpoint(encodeCheckpoint(checkpoint), 'tally');
      const restored = createActor(tallyMachine, { snapshot: stored.snapshot as never }).start();
      const view = (actor: typeof live) => {
        const s = actor.getSnapshot();
        return { value: s.value, context: s.context, status: s.status, output: s.output };
      };
      expect(view(restored)).toEqual(view(live));
      expect(persisted(restored)).toEqual(persisted(live));
      for (const event of after) {
        if (live.getSnapshot().status !== 'active') break;
        live.send(event);
        restored.send(event);
        expect(view(restored)).toEqual(view(live));
      }
      expect(persisted(restored)).toEqual(persisted(live));
      live.stop();
      restored.stop();
    },
  );
});

// --- 3. no message lost or processed twice across a crash ---

type AddEvent = MessageEvent<'add', { by: number }>;

/** Records the id of every message it processes. */
const idRecorder = setup({
  types: { context: {} as { ids: string[]; total: number }, events: {} as AddEvent },
}).createMachine({
  id: 'recorder',
  context: { ids: [], total: 0 },
  on: {
    add: {
      actions: assign({
        ids: ({ context, event }) => [...context.ids, event.id],
        total: ({ context, event }) => context.total + event.payload.by,
      }),
    },
  },
});

const deliveryArb = fc.record({
  /** Message payloads, sent in bursts of these sizes. */
  bursts: fc.array(fc.array(fc.integer({ min: -5, max: 9 }), { minLength: 1, maxLength: 6 }), {
    minLength: 1,
    maxLength: 8,
  }),
  /** Microtask turns between two bursts (0: sent in the same turn). */
  gaps: fc.array(fc.nat({ max: 6 }), { minLength: 8, maxLength: 8 }),
  policy: fc.record({
    everySteps: fc.integer({ min: 1, max: 5 }),
    onSettled: fc.boolean(),
    keep: fc.integer({ min: 1, max: 3 }),
  }),
  crashPerMille: fc.integer({ min: 0, max: 999 }),
  landed: fc.boolean(),
  /** How many re-sent messages reach B while it recovers (held), the rest after. */
  earlyPerMille: fc.integer({ min: 0, max: 1000 }),
});

let deliveryRuns = 0;

describe('delivery across a crash', () => {
  it.prop([deliveryArb], { numRuns: 50 })(
    'processes every message exactly once when all are re-sent with their ids',
    async ({ bursts, gaps, policy, crashPerMille, landed, earlyPerMille }) => {
      const runId = `d${deliveryRuns++}`;
      const messages = bursts.flat().map((by, i) => {
        const envelope: Envelope = {
          v: 1,
          id: `${runId}-${i}`,
          type: 'add',
          to: 'c',
          payload: { by },
        };
        return { envelope, bytes: envelopeBytes(envelope) };
      });
      const shared = { store: new MemoryCheckpointStore(), journal: new MemoryJournal() };
      const persistence = { machineId: 'recorder', machineVersion: 1, policy };
      const gate: Gate = { dead: false };
      const journalA = new CrashingJournal(shared.journal, {
        budget: Math.floor((crashPerMille * (bursts.length + 1)) / 1000),
        gate,
        landed,
      });
      const clockA = new TestClock();
      const a = createActorSystem({}, { clock: clockA });
      const lettersA = deadLetterLog();
      a.deadLetters.subscribe(lettersA.listener);
      await a.spawnDurable('c', idRecorder, {
        persistence: {
          ...persistence,
          store: new GatedCheckpointStore(shared.store, gate),
          journal: journalA,
        },
      });
      let next = 0;
      for (const [i, burst] of bursts.entries()) {
        if (gate.dead) break;
        for (let j = 0; j < burst.length; j++) a.receiveBytes('c', messages[next++]!.bytes);
        for (let t = 0; t < (gaps[i] ?? 0); t++) await Promise.resolve();
      }
      await settle(clockA, () => a.describe('c')?.processed === next, gate);
      gate.dead = true;
      const journaledInA = journalA.appended
        .filter((e) => e.kind === 'message')
        .map((e) => (e.data as Envelope).id);
      const allIds = messages.map((m) => m.envelope.id);
      expect(journaledInA).toEqual(allIds.slice(0, journaledInA.length));
      const seenByA = (a.getSnapshot('c') as { context: { ids: string[] } }).context.ids;
      expect(journaledInA.slice(0, seenByA.length)).toEqual(seenByA);
      expect(lettersA.letters).toEqual([]);

      // Process B: every message is sent again with its id, some while B is still recovering.
      const clockB = new TestClock();
      const b = createActorSystem({}, { clock: clockB });
      const lettersB = deadLetterLog();
      b.deadLetters.subscribe(lettersB.listener);
      const early = Math.floor((earlyPerMille * messages.length) / 1000);
      const spawning = b.spawnDurable('c', idRecorder, {
        persistence: { ...persistence, ...shared },
      });
      for (const m of messages.slice(0, early)) b.receiveBytes('c', m.bytes);
      await spawning;
      for (const m of messages.slice(early)) b.receiveBytes('c', m.bytes);
      const ok = await settle(
        clockB,
        () => (b.describe('c')?.processed ?? 0) + lettersB.count('duplicate') === messages.length,
      );
      expect(ok, 'B did not take every message').toBe(true);
      const final = (b.getSnapshot('c') as { context: { ids: string[]; total: number } }).context;
      expect(final.ids).toEqual(allIds);
      expect(final.total).toBe(
        messages.reduce((s, m) => s + (m.envelope.payload as { by: number }).by, 0),
      );
      expect(lettersB.letters.map((l) => [l.reason, l.envelope?.id])).toEqual(
        journaledInA.map((id) => ['duplicate', id]),
      );
      expect(b.describe('c')?.status).toBe('running');
      await b.shutdown();
    },
    30_000,
  );
});
