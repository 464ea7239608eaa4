import { describe, expect, it } from 'vitest';
import { assign, setup } from 'xstate';
import { z } from 'zod';
import {
  MemoryCheckpointStore,
  MemoryJournal,
  createActorSystem,
  isRuntimeError,
  readTrace,
  replyAddress,
  respondTo,
  type ReplyAddress,
} from 'agentvisor';
import {
  createSimulatedModel,
  defineAgent,
  type AgentEvents,
  type ToolDefinition,
} from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';

const accepts = { 'task.run': z.strictObject({ topic: z.string() }) } as const;

/** An agent that drafts with a model, then posts the draft with a tool, then answers. */
function poster(model: ReturnType<typeof createSimulatedModel>, post: ToolDefinition) {
  return defineAgent({
    name: 'poster',
    version: 1,
    accepts,
    models: { main: model },
    tools: { post },
    machine: ({ effects }) =>
      setup({
        types: {
          context: {} as {
            asker: ReplyAddress | undefined;
            topic: string;
            draft: string;
            url: string;
          },
          events: {} as AgentEvents<typeof accepts>,
        },
        actors: effects,
      }).createMachine({
        id: 'poster',
        context: { asker: undefined, topic: '', draft: '', url: '' },
        initial: 'idle',
        states: {
          idle: {
            on: {
              'task.run': {
                target: 'drafting',
                actions: assign({
                  asker: ({ event }) => replyAddress(event),
                  topic: ({ event }) => event.payload.topic,
                }),
              },
            },
          },
          drafting: {
            invoke: {
              src: 'model',
              input: ({ context }) => ({
                messages: [{ role: 'user' as const, content: context.topic }],
              }),
              onDone: {
                target: 'posting',
                actions: assign({ draft: ({ event }) => event.output.text }),
              },
            },
          },
          posting: {
            // No onError: an uncertain post fails the agent and goes to its supervisor.
            invoke: {
              src: 'tool',
              input: ({ context }) => ({ tool: 'post', input: { text: context.draft } }),
              onDone: {
                target: 'done',
                actions: [
                  assign({ url: ({ event }) => String(event.output) }),
                  respondTo(({ context, event }) => ({
                    to: context.asker!,
                    payload: event.output,
                  })),
                ],
              },
            },
          },
          done: {},
        },
      }),
  });
}

function world() {
  const store = new MemoryCheckpointStore();
  const journal = new MemoryJournal();
  let modelCalls = 0;
  const model = () =>
    createSimulatedModel(
      {
        latencyMs: [5, 5],
        script: ({ messages }) => {
          modelCalls++;
          return `draft about ${messages.at(-1)?.content ?? ''}`;
        },
      },
      { clock: clockRef.current },
    );
  const clockRef = { current: new TestClock() };
  const posts: { text: string; key: string }[] = [];
  return {
    store,
    journal,
    clockRef,
    model,
    posts,
    modelCalls: () => modelCalls,
    persistence: { store, journal, machineId: 'poster', machineVersion: 1 },
  };
}

describe('the effect ledger', () => {
  it('resumes after a crash mid-task without repeating the completed model call', async () => {
    const w = world();
    // Process A: the model answers, the post starts and the process dies before it returns.
    const clockA = new TestClock();
    w.clockRef.current = clockA;
    const hangingPost: ToolDefinition = {
      input: z.object({ text: z.string() }),
      idempotent: true,
      run: (input, { idempotencyKey }) => {
        w.posts.push({ text: (input as { text: string }).text, key: idempotencyKey });
        return new Promise(() => undefined); // the process dies while this is in flight
      },
    };
    const a = createActorSystem({}, { clock: clockA });
    await a.spawnDurable('p', poster(w.model(), hangingPost), { persistence: w.persistence });
    const lost = a
      .ask('p', 'task.run', { topic: 'agents' }, { timeoutMs: 60_000 })
      .catch(() => undefined);
    await a.settled();
    await clockA.advance(5);
    await a.settled();
    expect(w.modelCalls()).toBe(1);
    expect(w.posts).toHaveLength(1);
    void lost;

    // Process B: recovers from the stores. The model call is answered by the ledger; the post
    // is idempotent, so it runs again with the same idempotency key.
    const clockB = new TestClock();
    w.clockRef.current = clockB;
    const post: ToolDefinition = {
      input: z.object({ text: z.string() }),
      idempotent: true,
      run: (input, { idempotencyKey }) => {
        w.posts.push({ text: (input as { text: string }).text, key: idempotencyKey });
        return Promise.resolve('https://example/1');
      },
    };
    const b = createActorSystem({}, { clock: clockB });
    await b.spawnDurable('p', poster(w.model(), post), { persistence: w.persistence });
    await b.settled();
    expect(w.modelCalls()).toBe(1);
    expect(w.posts).toHaveLength(2);
    expect(w.posts[1]?.key).toBe(w.posts[0]?.key);
    expect((b.getSnapshot('p') as { value: string; context: { url: string } }).context.url).toBe(
      'https://example/1',
    );
    const trace = await readTrace(w.journal, 'p');
    // The message itself may be truncated away behind a retained checkpoint; the ledger stays.
    // B's recovery ends with its fencing `recovered` note, before the re-run post's outcome.
    expect(trace.map((t) => t.kind).filter((k) => k !== 'message')).toEqual([
      'effect-intent',
      'effect-outcome',
      'effect-intent',
      'note',
      'effect-outcome',
    ]);
    await b.shutdown();
  });

  it('refuses to guess: an uncertain, non-idempotent effect without verify fails with uncertain-effect', async () => {
    const w = world();
    const clockA = new TestClock();
    w.clockRef.current = clockA;
    const post = (result: Promise<unknown>): ToolDefinition => ({
      input: z.object({ text: z.string() }),
      run: (input, { idempotencyKey }) => {
        w.posts.push({ text: (input as { text: string }).text, key: idempotencyKey });
        return result;
      },
    });
    const a = createActorSystem({}, { clock: clockA });
    await a.spawnDurable('p', poster(w.model(), post(new Promise(() => undefined))), {
      persistence: w.persistence,
    });
    a.tell('p', 'task.run', { topic: 'agents' });
    await a.settled();
    await clockA.advance(5);
    await a.settled();
    expect(w.posts).toHaveLength(1);

    const b = createActorSystem({}, { clock: new TestClock() });
    await b.spawnDurable('p', poster(w.model(), post(Promise.resolve('never'))), {
      persistence: w.persistence,
    });
    await b.settled();
    expect(w.posts).toHaveLength(1); // not run again
    const info = b.describe('p');
    expect(info?.status).toBe('failed');
    expect(isRuntimeError(info?.error, 'ERR_UNCERTAIN_EFFECT')).toBe(true);
    expect((info?.error as { details: { failureClass: string } }).details.failureClass).toBe(
      'uncertain-effect',
    );
    await b.shutdown();
  });

  it('asks verify about an uncertain effect and takes its answer instead of running it again', async () => {
    const w = world();
    const clockA = new TestClock();
    w.clockRef.current = clockA;
    const remote = new Map<string, string>();
    const post = (hang: boolean): ToolDefinition => ({
      input: z.object({ text: z.string() }),
      verify: (key) =>
        Promise.resolve(
          remote.has(key) ? { done: true, output: remote.get(key) } : { done: false },
        ),
      run: (_input, { idempotencyKey }) => {
        remote.set(idempotencyKey, 'https://example/42'); // it happened remotely…
        w.posts.push({ text: 'x', key: idempotencyKey });
        return hang ? new Promise(() => undefined) : Promise.resolve('https://example/42'); // …but the reply was lost
      },
    });
    const a = createActorSystem({}, { clock: clockA });
    await a.spawnDurable('p', poster(w.model(), post(true)), { persistence: w.persistence });
    a.tell('p', 'task.run', { topic: 'agents' });
    await a.settled();
    await clockA.advance(5);
    await a.settled();

    const b = createActorSystem({}, { clock: new TestClock() });
    await b.spawnDurable('p', poster(w.model(), post(false)), { persistence: w.persistence });
    await b.settled();
    expect(w.posts).toHaveLength(1);
    expect((b.getSnapshot('p') as { context: { url: string } }).context.url).toBe(
      'https://example/42',
    );
    await b.shutdown();
  });
});
