/**
 * Part of the team example: a durable agent crashes mid-task (its process dies while a tool call
 * is in flight) and a new process resumes it from its checkpoint and journal, without repeating
 * the model call it had already completed. Stores are files in a temp dir (the embedded default).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { assign, setup } from 'xstate';
import { z } from 'zod';
import {
  FileCheckpointStore,
  FileJournal,
  createActorSystem,
  readTrace,
  replyAddress,
  respondTo,
  type Clock,
  type ReplyAddress,
} from 'agentvisor';
import {
  createSimulatedModel,
  defineAgent,
  type AgentEvents,
  type ToolDefinition,
} from 'agentvisor/actors';

const accepts = { 'article.write': z.strictObject({ topic: z.string().min(1).max(200) }) } as const;

/** A writer: drafts with a model, then publishes the draft with a tool, then answers. */
function writer(clock: Clock, countCall: () => void, publish: ToolDefinition) {
  const model = createSimulatedModel(
    {
      name: 'sim-writer',
      seed: 5,
      latencyMs: [60, 60],
      script: ({ messages }) => {
        countCall();
        return `A short piece on ${messages.at(-1)?.content ?? ''}.`;
      },
    },
    { clock },
  );
  return defineAgent({
    name: 'writer',
    version: 1,
    accepts,
    models: { main: model },
    tools: { publish },
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
        id: 'writer',
        context: { asker: undefined, topic: '', draft: '', url: '' },
        initial: 'idle',
        states: {
          idle: {
            on: {
              'article.write': {
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
                target: 'publishing',
                actions: assign({ draft: ({ event }) => event.output.text }),
              },
            },
          },
          publishing: {
            invoke: {
              src: 'tool',
              input: ({ context }) => ({ tool: 'publish', input: { text: context.draft } }),
              onDone: {
                target: 'idle',
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
        },
      }),
  });
}

/** Runs the crash-and-resume story, writing to the timeline through `note`. */
export async function crashAndResume(
  clock: Clock,
  note: (who: string, what: string) => void,
): Promise<{ modelCalls: number; publishes: number }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'agentvisor-example-'));
  let modelCalls = 0;
  const published = new Map<string, string>(); // the remote side: idempotency key → url
  let publishes = 0;
  const countCall = () => {
    modelCalls++;
  };
  try {
    const open = async () => ({
      store: await FileCheckpointStore.open({ dir: path.join(dir, 'checkpoints') }),
      journal: await FileJournal.open({ dir: path.join(dir, 'journal') }),
    });

    // --- process A: the model answers; the process dies while the publish is in flight ---
    const storesA = await open();
    const systemA = createActorSystem({ namespace: 'process-a' }, { clock });
    let crashed!: () => void;
    const publishing = new Promise<void>((resolve) => (crashed = resolve));
    const dying: ToolDefinition = {
      input: z.object({ text: z.string() }),
      idempotent: true, // the channel deduplicates on the idempotency key
      run: (_input, { idempotencyKey }) => {
        note('process A', `publish started (idempotency key ${idempotencyKey})`);
        crashed();
        return new Promise(() => undefined); // the process is killed before the reply arrives
      },
    };
    await systemA.spawnDurable('writer', writer(clock, countCall, dying), {
      persistence: { ...storesA, machineId: 'writer', machineVersion: 1 },
    });
    note('process A', 'ask writer article.write "durable agents"');
    void systemA
      .ask('writer', 'article.write', { topic: 'durable agents' }, { timeoutMs: 60_000 })
      .catch(() => undefined);
    await publishing;
    note('process A', `killed mid-task (model calls so far: ${modelCalls})`);
    // Process A is gone: nothing of it runs again. Its file handles go with it.
    await storesA.journal.close();
    await storesA.store.close();

    // --- process B: the same files; the writer resumes where it was ---
    const storesB = await open();
    const systemB = createActorSystem({ namespace: 'process-b' }, { clock });
    const done = new Promise<string>((resolve) => {
      const publish: ToolDefinition = {
        input: z.object({ text: z.string() }),
        idempotent: true,
        run: (input, { idempotencyKey }) => {
          const existing = published.get(idempotencyKey);
          if (existing !== undefined) return Promise.resolve(existing);
          publishes++;
          const url = `https://channel.example/articles/${publishes}`;
          published.set(idempotencyKey, url);
          note(
            'process B',
            `publish re-run with the same key ${idempotencyKey}: ${(input as { text: string }).text}`,
          );
          resolve(url);
          return Promise.resolve(url);
        },
      };
      void systemB
        .spawnDurable('writer', writer(clock, countCall, publish), {
          persistence: { ...storesB, machineId: 'writer', machineVersion: 1 },
        })
        .then(() => {
          note('process B', 'writer recovered from its checkpoint and journal');
        });
    });
    const url = await done;
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 10));
    note('process B', `published at ${url}; model calls in total: ${modelCalls} (not repeated)`);
    for (const line of await readTrace(storesB.journal, 'writer')) {
      note('journal', `#${line.seq} ${line.kind}: ${line.summary}`);
    }
    await systemB.shutdown();
    await storesB.journal.close();
    await storesB.store.close();
    await systemA.shutdown();
    return { modelCalls, publishes };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
