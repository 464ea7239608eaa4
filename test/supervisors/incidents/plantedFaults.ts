import { assign, fromPromise, initialTransition, setup, transition } from 'xstate';
import { MemoryJournal, type JournalEvent } from 'agentvisor';
import type { SupervisorEvent } from 'agentvisor/supervisors';
import { rng } from './faultJournal.js';

/** Calls of the worker's effect implementations: a diagnosis replay must make none. */
export const realEffects = { model: 0, tool: 0 };

interface Ctx {
  items: number;
  i: number;
  errors: number;
  invalid: number;
}
type Ev = { type: string; payload?: { items?: unknown }; output?: Record<string, unknown> };

/**
 * The agent of the planted faults: per task message, `items` rounds of a model call then a tool
 * call; a model error is retried twice, a garbage tool answer (no numeric `price`) once; a task
 * whose input is not a positive item count fails at once.
 */
export const worker = setup({
  types: { context: {} as Ctx, events: {} as Ev },
  actors: {
    model: fromPromise(async () => {
      realEffects.model++;
      return Promise.resolve({ text: 'real' });
    }),
    tool: fromPromise(async () => {
      realEffects.tool++;
      return Promise.resolve({ price: 1 });
    }),
  },
  guards: {
    validTask: ({ event }) => typeof event.payload?.items === 'number' && event.payload.items > 0,
    answerOk: ({ event }) => typeof event.output?.['text'] === 'string',
    toolOk: ({ event }) => typeof event.output?.['price'] === 'number',
    canRetryModel: ({ context }) => context.errors < 2,
    canRepairTool: ({ context }) => context.invalid < 1,
    more: ({ context }) => context.i + 1 < context.items,
  },
}).createMachine({
  id: 'worker',
  initial: 'idle',
  context: { items: 0, i: 0, errors: 0, invalid: 0 },
  states: {
    idle: {
      on: {
        task: [
          {
            guard: 'validTask',
            target: 'thinking',
            actions: assign({ items: ({ event }) => Number(event.payload?.items), i: 0 }),
          },
          { target: 'failed' },
        ],
      },
    },
    thinking: {
      invoke: {
        id: 'model',
        src: 'model',
        onDone: [
          { guard: 'answerOk', target: 'acting', actions: assign({ errors: 0 }) },
          { target: 'failed' },
        ],
        onError: [
          {
            guard: 'canRetryModel',
            target: 'thinking',
            reenter: true,
            actions: assign({ errors: ({ context }) => context.errors + 1 }),
          },
          { target: 'failed' },
        ],
      },
    },
    acting: {
      invoke: {
        id: 'tool',
        src: 'tool',
        onDone: [
          { guard: 'toolOk', target: 'next', actions: assign({ invalid: 0 }) },
          {
            guard: 'canRepairTool',
            target: 'acting',
            reenter: true,
            actions: assign({ invalid: ({ context }) => context.invalid + 1 }),
          },
          { target: 'failed' },
        ],
        onError: 'failed',
      },
    },
    next: {
      always: [
        {
          guard: 'more',
          target: 'thinking',
          actions: assign({ i: ({ context }) => context.i + 1 }),
        },
        { target: 'idle' },
      ],
    },
    failed: { type: 'final' },
  },
});

/** Kinds of planted faults. */
export type FaultKind = 'model-fails' | 'tool-garbage' | 'poison-input' | 'restart-forever';

/** A planted fault, its journal and its ground truth. */
export interface PlantedFault {
  readonly kind: FaultKind;
  readonly journal: MemoryJournal;
  readonly supervisorEvents: SupervisorEvent[];
  readonly truth: { readonly actor: string; readonly decisiveSeq: number };
}

type Snap = { status: string; value: unknown; children: Record<string, unknown> };

/**
 * Runs the worker (pure transitions, effects answered by a faulty world) and journals it the way
 * a durable actor does: the message, then each effect's intent and outcome under the ledger key
 * `<seq of the step that started it>/<invoke id>`. The fault starts at the k-th call (k ≥ 2: the
 * effect answered well once, so the ledger holds a good answer), or is the j-th message.
 */
export async function plantFault(kind: FaultKind, seed: number): Promise<PlantedFault> {
  const random = rng(seed);
  const tasks = Array.from(
    { length: 1 + Math.floor(random() * 3) },
    () => 2 + Math.floor(random() * 2),
  );
  const calls = tasks.reduce((a, b) => a + b, 0);
  const k = kind === 'poison-input' ? Infinity : 2 + Math.floor(random() * Math.max(1, calls - 1));
  const poisonAt = kind === 'poison-input' ? Math.floor(random() * (tasks.length + 1)) : -1;
  const messages = tasks.map((items, j) => ({ items, from: 'intake', j }));
  if (poisonAt >= 0) messages.splice(poisonAt, 0, { items: -1, from: 'mallory', j: -1 });
  const events: JournalEvent[] = [];
  let seq = 0;
  let at = 1_700_000_000_000;
  const record = (e: Omit<JournalEvent, 'at'>): number => {
    at += 1 + Math.floor(random() * 20);
    events.push({ ...e, at });
    return ++seq;
  };
  let snapshot = initialTransition(worker)[0] as unknown as Snap;
  const deliver = (event: unknown): void => {
    snapshot = transition(worker, snapshot as never, event as never)[0];
  };
  const isActive = (): boolean => snapshot.status === 'active';
  const count = { model: 0, tool: 0 };
  let decisiveSeq = -1;
  for (const [index, message] of messages.entries()) {
    if (!isActive()) break;
    const envelope = {
      id: `msg-${index}`,
      type: 'task',
      from: message.from,
      payload: { items: message.items },
    };
    let last = record({ id: `m:1:${envelope.id}`, kind: 'message', data: envelope });
    if (message.from === 'mallory') decisiveSeq = last;
    deliver(envelope);
    while (isActive()) {
      const child = Object.keys(snapshot.children)[0] as 'model' | 'tool' | undefined;
      if (child === undefined) break;
      const n = ++count[child];
      const key = `${last}/${child}`;
      const effect = child === 'model' ? 'model:gpt' : 'tool:quote';
      record({ id: `${key}:i`, kind: 'effect-intent', data: { key, effect, input: { n } } });
      const faulty = n >= k && child === (kind === 'model-fails' ? 'model' : 'tool');
      let outcome: unknown;
      if (child === 'model')
        outcome = faulty
          ? {
              ok: false,
              error: {
                code: 'ERR_MODEL_HTTP',
                message: '429 Too Many Requests',
                details: { failureClass: 'rate-limit' },
              },
            }
          : { ok: true, output: { text: `answer ${n}`, cost: 0.001 } };
      else if (faulty && kind === 'tool-garbage')
        outcome = { ok: true, output: { price: 'NaN!!' } };
      else if (faulty && kind === 'restart-forever')
        outcome = {
          ok: false,
          error: {
            code: 'ERR_UNKNOWN',
            message: 'quote service 503',
            details: { failureClass: 'transient' },
          },
        };
      else outcome = { ok: true, output: { price: Math.round(random() * 100) } };
      last = record({ id: `${key}:o`, kind: 'effect-outcome', data: { key, effect, outcome } });
      if (faulty && decisiveSeq < 0) decisiveSeq = last;
      const o = outcome as { ok: boolean; output?: unknown; error?: unknown };
      deliver(
        o.ok
          ? { type: `xstate.done.actor.${child}`, output: o.output, actorId: child }
          : { type: `xstate.error.actor.${child}`, error: o.error, actorId: child },
      );
    }
  }
  if (snapshot.value !== 'failed') throw new Error(`seed ${seed} (${kind}) planted no failure`);
  const journal = new MemoryJournal();
  await journal.append('desk', events);
  const supervisorEvents: SupervisorEvent[] =
    kind === 'restart-forever'
      ? Array.from({ length: 10 }, (_, i) => [
          {
            type: 'child-failed' as const,
            supervisor: 'root',
            child: 'desk',
            incarnation: i + 1,
            failureClass: 'transient' as const,
            directive: 'restart' as const,
            error: 'quote service 503',
            at: at + i * 10,
          },
          {
            type: 'restart-scheduled' as const,
            supervisor: 'root',
            child: 'desk',
            incarnation: i + 1,
            targets: ['desk'],
            delayMs: 100,
            failureClass: 'transient' as const,
            at: at + i * 10 + 1,
          },
        ]).flat()
      : [];
  const actor = kind === 'poison-input' ? 'mallory' : kind === 'restart-forever' ? 'root' : 'desk';
  return { kind, journal, supervisorEvents, truth: { actor, decisiveSeq } };
}
