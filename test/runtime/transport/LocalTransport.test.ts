import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  createSubjects,
  encodeEnvelope,
  encodeToken,
  isRuntimeError,
  LocalTransport,
  type Envelope,
  type RuntimeError,
} from 'agentvisor/internal';
import { TestClock } from 'agentvisor/testing';

let seq = 0;
function envelope(fields: Partial<Envelope> = {}): Envelope {
  return { v: 1, id: `m${++seq}`, type: 'ping', to: 'a', payload: null, ...fields };
}

function makeTransport(options: ConstructorParameters<typeof LocalTransport>[0] = {}) {
  const clock = new TestClock();
  const transport = new LocalTransport(options, { clock });
  return { clock, transport };
}

/** Settles `promise` into a plain record, so a test can look at it at any point. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown; done: Promise<void> } = {
    settled: false,
    done: Promise.resolve(),
  };
  state.done = promise.then(
    (value) => {
      state.settled = true;
      state.value = value;
    },
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

/** Subscribes `subject` with a responder that answers each request with `answer(request)`. */
function respondOn(
  transport: LocalTransport,
  subject: string,
  answer: (request: Envelope) => unknown,
): Envelope[] {
  const requests: Envelope[] = [];
  transport.subscribe(subject, (request) => {
    requests.push(request);
    if (request.replyTo === undefined) return;
    transport.publish(
      request.replyTo,
      envelope({
        type: 'agentvisor.reply',
        to: request.replyTo,
        correlationId: request.id,
        payload: answer(request),
      }),
    );
  });
  return requests;
}

function codeOf(error: unknown): string | undefined {
  return isRuntimeError(error) ? error.code : undefined;
}

describe('LocalTransport', () => {
  it('refuses a request whose deadline is NaN with ERR_INVALID_OPTIONS instead of waiting for ever', async () => {
    const { clock, transport } = makeTransport();
    transport.subscribe('s', () => undefined);
    const state = track(transport.request('s', envelope(), { deadline: NaN }));
    await clock.advance(60_000);
    expect(state.settled).toBe(true);
    expect(isRuntimeError(state.error, 'ERR_INVALID_OPTIONS')).toBe(true);
    await transport.close();
  });

  describe('publish and subscribe', () => {
    it('delivers an envelope to every subscriber of its subject, in subscription order', () => {
      const { transport } = makeTransport();
      const seen: string[] = [];
      transport.subscribe('s', (e) => seen.push(`first:${e.id}`));
      transport.subscribe('s', (e) => seen.push(`second:${e.id}`));
      transport.subscribe('other', (e) => seen.push(`other:${e.id}`));
      const sent = envelope({ id: 'x' });
      expect(transport.publish('s', sent)).toBe('delivered');
      expect(seen).toEqual(['first:x', 'second:x']);
      expect(transport.hasSubscribers('s')).toBe(true);
    });

    it('hands the envelope over as is, without encoding it', () => {
      const { transport } = makeTransport();
      const received: Envelope[] = [];
      transport.subscribe('s', (e) => received.push(e));
      const sent = envelope({ payload: { nested: [1, 2] } });
      transport.publish('s', sent);
      expect(received[0]).toBe(sent);
    });

    it('reports no-subscribers for a subject nobody listens on', () => {
      const { transport } = makeTransport();
      expect(transport.publish('nobody', envelope())).toBe('no-subscribers');
      expect(transport.hasSubscribers('nobody')).toBe(false);
    });

    it('stops delivering to a disposed subscription; disposing twice is harmless', () => {
      const { transport } = makeTransport();
      const seen: string[] = [];
      const first = transport.subscribe('s', () => seen.push('first'));
      const second = transport.subscribe('s', () => seen.push('second'));
      expect(first.subject).toBe('s');
      first.dispose();
      first.dispose();
      transport.publish('s', envelope());
      expect(seen).toEqual(['second']);
      second.dispose();
      expect(transport.hasSubscribers('s')).toBe(false);
      expect(transport.publish('s', envelope())).toBe('no-subscribers');
    });
  });

  describe('request', () => {
    it('resolves with the reply correlated to the request id', async () => {
      const { transport, clock } = makeTransport();
      const requests = respondOn(transport, 'echo', (r) => ({ echoed: r.payload }));
      const request = envelope({ payload: 'hello' });
      const reply = await transport.request('echo', request, { deadline: clock.now() + 1_000 });
      expect(reply.correlationId).toBe(request.id);
      expect(reply.payload).toEqual({ echoed: 'hello' });
      expect(requests[0]?.replyTo).toEqual(expect.any(String));
      expect(requests[0]).toMatchObject({ id: request.id, payload: 'hello' });
      expect(transport.pendingRequests).toBe(0);
      expect(clock.pendingTimers).toBe(0);
    });

    it('matches out-of-order replies to their own requests', async () => {
      const { transport, clock } = makeTransport();
      const held: Envelope[] = [];
      transport.subscribe('slow', (r) => held.push(r));
      const deadline = clock.now() + 1_000;
      const asks = [1, 2, 3].map((n) =>
        transport.request('slow', envelope({ payload: n }), { deadline }),
      );
      for (const r of held.reverse()) {
        const outcome = transport.publish(
          r.replyTo!,
          envelope({ to: r.replyTo!, correlationId: r.id, payload: (r.payload as number) * 10 }),
        );
        expect(outcome).toBe('delivered');
      }
      const replies = await Promise.all(asks);
      expect(replies.map((r) => r.payload)).toEqual([10, 20, 30]);
    });

    it('drops a reply whose request already ended, or that correlates with nothing', async () => {
      const { transport, clock } = makeTransport();
      const held: Envelope[] = [];
      transport.subscribe('slow', (r) => held.push(r));
      const pending = track(transport.request('slow', envelope(), { deadline: clock.now() + 10 }));
      await clock.advance(10);
      expect(codeOf(pending.error)).toBe('ERR_TIMEOUT');
      const inbox = held[0]!.replyTo!;
      const late = envelope({ to: inbox, correlationId: held[0]!.id });
      expect(transport.publish(inbox, late)).toBe('no-subscribers');
      expect(transport.publish(inbox, envelope({ to: inbox }))).toBe('no-subscribers');
    });

    it('fails at once with ERR_ACTOR_NOT_FOUND when nobody subscribes', async () => {
      const { transport, clock } = makeTransport();
      const pending = track(transport.request('nobody', envelope(), { deadline: clock.now() + 1 }));
      await pending.done;
      expect(pending.settled).toBe(true);
      expect(codeOf(pending.error)).toBe('ERR_ACTOR_NOT_FOUND');
      expect(clock.pendingTimers).toBe(0);
      expect(clock.monotonic()).toBe(0);
    });

    it('fails with ERR_TIMEOUT exactly at the deadline', async () => {
      const { transport, clock } = makeTransport();
      transport.subscribe('silent', () => undefined);
      const request = envelope();
      const pending = track(
        transport.request('silent', request, { deadline: clock.now() + 1_000 }),
      );
      await clock.advance(999);
      expect(pending.settled).toBe(false);
      expect(transport.pendingRequests).toBe(1);
      await clock.advance(1);
      expect(codeOf(pending.error)).toBe('ERR_TIMEOUT');
      expect((pending.error as RuntimeError).details).toMatchObject({ id: request.id });
      expect(transport.pendingRequests).toBe(0);
    });

    it('fails with ERR_TIMEOUT on the next tick when the deadline has already passed', async () => {
      const { transport, clock } = makeTransport();
      transport.subscribe('silent', () => undefined);
      const pending = track(transport.request('silent', envelope(), { deadline: clock.now() - 5 }));
      await clock.advance(0);
      expect(codeOf(pending.error)).toBe('ERR_TIMEOUT');
    });

    it('rejects with signal.reason when aborted, and forgets the request', async () => {
      const { transport, clock } = makeTransport();
      transport.subscribe('silent', () => undefined);
      const controller = new AbortController();
      const reason = new Error('caller gave up');
      const pending = track(
        transport.request('silent', envelope(), {
          deadline: clock.now() + 1_000,
          signal: controller.signal,
        }),
      );
      await clock.advance(0); // everything runnable has run: still pending
      expect(pending.settled).toBe(false);
      controller.abort(reason);
      await pending.done;
      expect(pending.error).toBe(reason);
      expect(transport.pendingRequests).toBe(0);
      expect(clock.pendingTimers).toBe(0);
    });

    it('rejects at once with signal.reason when the signal is already aborted', async () => {
      const { transport, clock } = makeTransport();
      const seen: Envelope[] = [];
      transport.subscribe('s', (e) => seen.push(e));
      const reason = { why: 'not an Error' };
      const signal = AbortSignal.abort(reason);
      const pending = track(
        transport.request('s', envelope(), { deadline: clock.now() + 1, signal }),
      );
      await pending.done;
      expect(pending.error).toBe(reason);
      expect(seen).toEqual([]);
    });

    it('ignores an abort after the reply arrived', async () => {
      const { transport, clock } = makeTransport();
      respondOn(transport, 'echo', () => 'ok');
      const controller = new AbortController();
      const reply = await transport.request('echo', envelope(), {
        deadline: clock.now() + 1_000,
        signal: controller.signal,
      });
      controller.abort(new Error('too late'));
      expect(reply.payload).toBe('ok');
    });
  });

  describe('publishBytes', () => {
    it('decodes and delivers valid bytes', () => {
      const { transport } = makeTransport();
      const received: Envelope[] = [];
      transport.subscribe('s', (e) => received.push(e));
      const sent = envelope({ payload: { n: 1 } });
      const bytes = encodeEnvelope(sent);
      expect(bytes.ok && transport.publishBytes('s', bytes.value)).toBe('delivered');
      expect(received).toEqual([sent]);
    });

    it.each([
      ['garbage', new Uint8Array([0xc1, 0xff, 0x00]), 'ERR_MALFORMED_MESSAGE'],
      ['empty input', new Uint8Array(0), 'ERR_MALFORMED_MESSAGE'],
      ['a non-envelope', new Uint8Array([0x2a]), 'ERR_INVALID_MESSAGE'],
      ['oversized input', new Uint8Array(65).fill(0xc0), 'ERR_MESSAGE_TOO_LARGE'],
    ])('reports %s through onRejected and delivers nothing', (_label, bytes, code) => {
      const { transport } = makeTransport({ maxMessageBytes: 64 });
      const received: Envelope[] = [];
      transport.subscribe('s', (e) => received.push(e));
      const rejected: { subject: string; code: string; bytes: Uint8Array }[] = [];
      transport.onRejected((r) =>
        rejected.push({ subject: r.subject, code: r.error.code, bytes: r.bytes }),
      );
      expect(transport.publishBytes('s', bytes)).toBe('no-subscribers');
      expect(received).toEqual([]);
      expect(rejected).toHaveLength(1);
      expect(rejected[0]?.subject).toBe('s');
      expect(rejected[0]?.code).toBe(code);
      expect(rejected[0]?.bytes).toBe(bytes);
    });

    it.prop([fc.string({ minLength: 1 }), fc.string({ minLength: 1 })])(
      'refuses bytes addressed in another namespace with ERR_FOREIGN_NAMESPACE',
      (here, there) => {
        const { transport } = makeTransport();
        const subject = createSubjects(here).actor('c');
        const received: Envelope[] = [];
        transport.subscribe(subject, (e) => received.push(e));
        const rejected: string[] = [];
        transport.onRejected((r) => rejected.push(r.error.code));
        const bytes = encodeEnvelope(envelope({ ns: encodeToken(there) }));
        if (!bytes.ok) throw bytes.error;
        const outcome = transport.publishBytes(subject, bytes.value);
        if (encodeToken(here) === encodeToken(there)) {
          expect(outcome).toBe('delivered');
          expect(received).toHaveLength(1);
        } else {
          expect(outcome).toBe('no-subscribers');
          expect(received).toEqual([]);
          expect(rejected).toEqual(['ERR_FOREIGN_NAMESPACE']);
        }
      },
    );

    it('stops reporting to a disposed onRejected listener', () => {
      const { transport } = makeTransport();
      let calls = 0;
      const listener = transport.onRejected(() => calls++);
      transport.publishBytes('s', new Uint8Array([0xc1]));
      listener.dispose();
      transport.publishBytes('s', new Uint8Array([0xc1]));
      expect(calls).toBe(1);
    });

    it.prop([fc.uint8Array({ maxLength: 256 })])(
      'never delivers bytes that fail to decode, and reports each exactly once',
      (bytes) => {
        const { transport } = makeTransport();
        const received: Envelope[] = [];
        transport.subscribe('s', (e) => received.push(e));
        const rejected: string[] = [];
        transport.onRejected((r) => rejected.push(r.error.code));
        const outcome = transport.publishBytes('s', bytes);
        expect(received.length + rejected.length).toBe(1);
        expect(outcome).toBe(received.length === 1 ? 'delivered' : 'no-subscribers');
      },
    );
  });

  describe('close and drain', () => {
    it('close rejects pending requests with ERR_CLOSED and refuses new work', async () => {
      const { transport, clock } = makeTransport();
      transport.subscribe('silent', () => undefined);
      const deadline = clock.now() + 1_000;
      const pending = [1, 2].map(() =>
        track(transport.request('silent', envelope(), { deadline })),
      );
      await transport.close();
      await Promise.all(pending.map((p) => p.done));
      expect(pending.map((p) => codeOf(p.error))).toEqual(['ERR_CLOSED', 'ERR_CLOSED']);
      expect(clock.pendingTimers).toBe(0);
      await expect(transport.closed).resolves.toBeUndefined();
      expect(transport.publish('silent', envelope())).toBe('no-subscribers');
      const late = track(transport.request('silent', envelope(), { deadline }));
      await late.done;
      expect(codeOf(late.error)).toBe('ERR_CLOSED');
      let subscribeError: unknown;
      try {
        transport.subscribe('s', () => undefined);
      } catch (err) {
        subscribeError = err;
      }
      expect(codeOf(subscribeError)).toBe('ERR_CLOSED');
      await transport.close(); // closing twice is harmless
    });

    it('drain waits for pending replies, refusing new requests meanwhile', async () => {
      const { transport, clock } = makeTransport();
      const held: Envelope[] = [];
      transport.subscribe('slow', (r) => held.push(r));
      const deadline = clock.now() + 1_000;
      const first = track(transport.request('slow', envelope({ payload: 1 }), { deadline }));
      const second = track(transport.request('slow', envelope({ payload: 2 }), { deadline }));
      const drained = track(transport.drain());
      await clock.advance(0); // everything runnable has run: still pending
      expect(drained.settled).toBe(false);
      const refused = track(transport.request('slow', envelope(), { deadline }));
      await refused.done;
      expect(codeOf(refused.error)).toBe('ERR_CLOSED');

      const answer = (r: Envelope) =>
        transport.publish(
          r.replyTo!,
          envelope({ to: r.replyTo!, correlationId: r.id, payload: 'ok' }),
        );
      answer(held[0]!);
      await first.done;
      expect(first.value?.payload).toBe('ok');
      expect(drained.settled).toBe(false);
      answer(held[1]!);
      await Promise.all([second.done, drained.done]);
      expect(second.value?.payload).toBe('ok');
      expect(drained.settled).toBe(true);
      expect(drained.error).toBeUndefined();
      expect(transport.publish('slow', envelope())).toBe('no-subscribers');
    });

    it('drain also ends when the last pending request times out', async () => {
      const { transport, clock } = makeTransport();
      transport.subscribe('silent', () => undefined);
      const pending = track(
        transport.request('silent', envelope(), { deadline: clock.now() + 50 }),
      );
      const drained = track(transport.drain());
      await clock.advance(49);
      expect(drained.settled).toBe(false);
      await clock.advance(1);
      expect(codeOf(pending.error)).toBe('ERR_TIMEOUT');
      expect(drained.settled).toBe(true);
    });

    it('drain with nothing pending closes at once', async () => {
      const { transport } = makeTransport();
      await transport.drain();
      await expect(transport.closed).resolves.toBeUndefined();
      await transport.drain(); // again: resolves once closed
    });

    it('closes through Symbol.asyncDispose', async () => {
      const { transport } = makeTransport();
      {
        await using disposable = transport;
        disposable.subscribe('s', () => undefined);
      }
      await expect(transport.closed).resolves.toBeUndefined();
      expect(transport.hasSubscribers('s')).toBe(false);
    });
  });
});
