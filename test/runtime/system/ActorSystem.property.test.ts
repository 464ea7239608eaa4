import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { assign, enqueueActions, setup } from 'xstate';
import {
  createActorSystem,
  isRuntimeError,
  replyAddress,
  respond,
  respondTo,
  type DeadLetter,
  type MessageEvent,
  type OverflowPolicy,
  type ReplyAddress,
} from 'agentvisor';
import { TestClock } from 'agentvisor/testing';

/** Records every message it receives: the unique `n` of its payload and its envelope id. */
const recorderMachine = setup({
  types: {
    context: {} as { ns: number[]; ids: string[] },
    events: {} as MessageEvent<'rec', { n: number }>,
  },
}).createMachine({
  id: 'recorder',
  context: { ns: [], ids: [] },
  on: {
    rec: {
      actions: [
        assign({
          ns: ({ context, event }) => [...context.ns, event.payload.n],
          ids: ({ context, event }) => [...context.ids, event.id],
        }),
        respond(({ event }) => event.payload.n),
      ],
    },
  },
});

type EchoEvent = MessageEvent<'echo'> | MessageEvent<'hold'> | MessageEvent<'release'>;

/**
 * `echo` answers at once with its payload; `hold` is kept, and `release` answers every held ask
 * in reverse order: replies then arrive out of request order.
 */
const echoMachine = setup({
  types: {
    context: {} as { held: { to: ReplyAddress; payload: unknown }[] },
    events: {} as EchoEvent,
  },
}).createMachine({
  id: 'echo',
  context: { held: [] },
  on: {
    echo: { actions: respond(({ event }) => event.payload) },
    hold: {
      actions: assign({
        held: ({ context, event }) => [
          ...context.held,
          { to: replyAddress(event), payload: event.payload },
        ],
      }),
    },
    release: {
      actions: [
        enqueueActions(({ context, enqueue }) => {
          for (const { to, payload } of [...context.held].reverse()) {
            enqueue(respondTo(() => ({ to, payload })));
          }
        }),
        assign({ held: [] }),
      ],
    },
  },
});

type Op = 'tell' | 'ask' | 'flush';

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant('tell' as const), weight: 4 },
  { arbitrary: fc.constant('ask' as const), weight: 2 },
  { arbitrary: fc.constant('flush' as const), weight: 1 },
);

type AskOutcome = { ok: true; value: unknown } | { ok: false; code: string | undefined };

function settle(promise: Promise<unknown>): Promise<AskOutcome> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (err: unknown) => ({ ok: false, code: isRuntimeError(err) ? err.code : undefined }),
  );
}

/** The mailbox as specified: bounded FIFO, the policy picks the victim, a flush drains it all. */
class MailboxModel {
  readonly processed: number[] = [];
  readonly dead: number[] = [];
  readonly #queue: number[] = [];

  constructor(
    readonly capacity: number,
    readonly overflow: OverflowPolicy,
  ) {}

  enqueue(n: number): void {
    if (this.#queue.length < this.capacity) {
      this.#queue.push(n);
    } else if (this.overflow === 'drop-newest') {
      this.dead.push(n);
    } else {
      this.dead.push(this.#queue.shift()!);
      this.#queue.push(n);
    }
  }

  flush(): void {
    this.processed.push(...this.#queue.splice(0));
  }
}

describe('ActorSystem', () => {
  it.prop(
    [
      fc.integer({ min: 1, max: 20 }),
      fc.constantFrom<OverflowPolicy>('drop-newest', 'drop-oldest'),
      fc.array(opArb, { maxLength: 80 }),
    ],
    { numRuns: 50 },
  )(
    'loses no message and processes none twice: each is processed or dead-lettered, exactly once',
    async (capacity, overflow, ops) => {
      const clock = new TestClock();
      const system = createActorSystem({}, { clock });
      const deadLetters: DeadLetter[] = [];
      system.deadLetters.subscribe((l) => deadLetters.push(l));
      system.spawn('r', recorderMachine, { mailbox: { capacity, overflow } });
      const model = new MailboxModel(capacity, overflow);
      const asks = new Map<number, Promise<AskOutcome>>();
      let sent = 0;
      for (const op of ops) {
        if (op === 'flush') {
          await system.settled();
          model.flush();
          continue;
        }
        const n = sent++;
        if (op === 'tell') system.tell('r', 'rec', { n });
        else asks.set(n, settle(system.ask('r', 'rec', { n })));
        model.enqueue(n);
      }
      await system.settled();
      model.flush();

      const { context } = system.getSnapshot('r') as { context: { ns: number[]; ids: string[] } };
      const dead = deadLetters.map((d) => (d.envelope?.payload as { n: number }).n);

      // The invariant itself: every message sent ends in exactly one of the two places.
      const processed = new Set(context.ns);
      const deadSet = new Set(dead);
      expect(processed.size).toBe(context.ns.length);
      expect(deadSet.size).toBe(dead.length);
      expect(context.ns.filter((n) => deadSet.has(n))).toEqual([]);
      expect(processed.size + deadSet.size).toBe(sent);
      expect(new Set(context.ids).size).toBe(context.ids.length);
      for (const letter of deadLetters) {
        expect(letter.reason).toBe('mailbox-full');
        expect(letter.error.code).toBe('ERR_MAILBOX_FULL');
        expect(letter.to).toBe('r');
      }

      // And exactly the ones the bounded FIFO with its policy says, in order.
      expect(context.ns).toEqual(model.processed);
      expect(dead).toEqual(model.dead);
      expect(system.describe('r')?.processed).toBe(context.ns.length);
      expect(system.deadLetters.count('mailbox-full')).toBe(dead.length);

      // An ask learns which: its reply, or ERR_MAILBOX_FULL.
      for (const [n, outcome] of asks) {
        expect(await outcome).toEqual(
          processed.has(n) ? { ok: true, value: n } : { ok: false, code: 'ERR_MAILBOX_FULL' },
        );
      }
      expect(clock.pendingTimers).toBe(0);
      await system.shutdown();
    },
  );

  it.prop([
    fc.array(
      fc.record(
        { hold: fc.boolean(), payload: fc.jsonValue({ maxDepth: 3 }) },
        { noNullPrototype: true },
      ),
      { maxLength: 40 },
    ),
  ])('answers every ask with its own reply, even out of order', async (requests) => {
    const clock = new TestClock();
    const system = createActorSystem({}, { clock });
    system.spawn('echo', echoMachine);
    const replies = requests.map(({ hold, payload }) =>
      system.ask('echo', hold ? 'hold' : 'echo', payload),
    );
    await system.settled();
    system.tell('echo', 'release');
    const answers = await Promise.all(replies);
    expect(answers).toStrictEqual(requests.map((r) => r.payload));
    expect(clock.pendingTimers).toBe(0);
    await system.shutdown();
  });
});
