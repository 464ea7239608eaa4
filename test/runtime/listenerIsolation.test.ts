/**
 * Every listener set of the runtime is a `Listeners` (runtime/events): a listener that throws
 * does not stop the others, and its error is reported (to the owner's logger where it has one,
 * else rethrown on a macrotask). One test per set that moved onto it.
 */
import { describe, expect, it } from 'vitest';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection, Status } from '@nats-io/transport-node';
import pino from 'pino';
import { RuntimeError, createActorSystem, type LifecycleEvent } from 'agentvisor';
import { createApprovalBroker, type ApprovalRequest } from 'agentvisor/actors';
import {
  DeadLetterSink,
  Listeners,
  NatsStatusFeed,
  RejectedFeed,
  mailboxSubjects,
  nextMacrotask,
  type MailboxDeadLetter,
} from 'agentvisor/internal';
import { TestClock } from 'agentvisor/testing';
import { counterMachine } from './system/fixtures.js';

/** A logger that keeps the messages of its error lines. */
function errorLog() {
  const errors: string[] = [];
  const logger = pino(
    { level: 'error' },
    {
      write: (line: string) => {
        errors.push((JSON.parse(line) as { msg: string }).msg);
      },
    },
  );
  return { logger, errors };
}

/** Collects errors rethrown on a macrotask while `run` and two event-loop turns go by. */
async function uncaughtDuring(run: () => Promise<void> | void): Promise<unknown[]> {
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown): void => {
    uncaught.push(err);
  };
  process.prependListener('uncaughtException', onUncaught);
  try {
    await run();
    await nextMacrotask();
    await nextMacrotask();
  } finally {
    process.removeListener('uncaughtException', onUncaught);
  }
  return uncaught;
}

const boom = (): never => {
  throw new Error('listener bug');
};

describe('Listeners.emitAsync', () => {
  it('awaits each listener in turn; one that rejects is reported and the next still runs', async () => {
    const reported: unknown[] = [];
    const listeners = new Listeners<number>({ onListenerError: (err) => reported.push(err) });
    const order: string[] = [];
    listeners.add(async (n) => {
      await Promise.resolve();
      order.push(`first ${String(n)}`);
    });
    listeners.add(() => Promise.reject(new Error('async bug')));
    listeners.add((n) => {
      order.push(`third ${String(n)}`);
    });
    await listeners.emitAsync(7);
    expect(order).toEqual(['first 7', 'third 7']);
    expect(reported).toHaveLength(1);
  });

  it('emit reports the rejection of an async listener too', async () => {
    const reported: unknown[] = [];
    const listeners = new Listeners<number>({ onListenerError: (err) => reported.push(err) });
    listeners.add(() => Promise.reject(new Error('async bug')));
    listeners.emit(1);
    await nextMacrotask();
    expect(reported).toHaveLength(1);
  });
});

describe('ActorSystem events (SystemEvents)', () => {
  it('a throwing lifecycle, message or journal listener neither stops the others nor the actor', async () => {
    const { logger, errors } = errorLog();
    const system = createActorSystem({}, { clock: new TestClock(), logger });
    const seen: string[] = [];
    system.watch('c', boom);
    system.watch('c', (e: LifecycleEvent) => seen.push(`watch ${e.type}`));
    system.onLifecycle(boom);
    system.onLifecycle((e) => seen.push(`all ${e.type}`));
    system.onMessage(boom);
    system.onMessage((_, envelope) => seen.push(`message ${envelope.type}`));
    system.spawn('c', counterMachine);
    system.tell('c', 'inc');
    await system.settled();
    expect(seen).toEqual(['watch started', 'all started', 'message inc']);
    expect(system.getSnapshot('c')).toMatchObject({ context: { count: 1 } });
    expect(errors).toEqual([
      'lifecycle listener threw',
      'lifecycle listener threw',
      'message listener threw',
    ]);
    await system.shutdown();
  });
});

describe('createApprovalBroker onRequested', () => {
  it('a throwing listener neither stops the others nor the request: its error is rethrown on a macrotask', async () => {
    const broker = createApprovalBroker({ clock: new TestClock() });
    const seen: string[] = [];
    broker.onRequested(boom);
    broker.onRequested((r: ApprovalRequest) => seen.push(r.key));
    const request = {
      key: 'k',
      agent: 'a',
      question: 'Go?',
      options: ['yes', 'no'],
      deadlineMs: 1_000,
      default: 'no',
    };
    let decision: Promise<unknown> | undefined;
    const uncaught = await uncaughtDuring(() => {
      decision = broker.request(request);
    });
    expect(seen).toEqual(['k']);
    expect(uncaught).toHaveLength(1);
    broker.decide('k', 'yes', 'alice');
    await expect(decision).resolves.toMatchObject({ choice: 'yes', decidedBy: 'human' });
  });
});

describe('NatsStatusFeed', () => {
  it('a throwing status listener is logged and the others still get the event', async () => {
    const { logger, errors } = errorLog();
    const statuses: Status[] = [{ type: 'disconnect', server: 'nats://a:4222' }];
    const nc = {
      status: async function* () {
        await Promise.resolve();
        yield* statuses;
      },
    } as unknown as NatsConnection;
    const feed = new NatsStatusFeed(nc, new TestClock(), logger);
    const seen: string[] = [];
    feed.onStatus(boom);
    feed.onStatus((s) => seen.push(s.type));
    await nextMacrotask();
    expect(seen).toEqual(['disconnect']);
    expect(errors).toContain('status listener threw');
    feed.stop();
  });
});

describe('DeadLetterSink', () => {
  it('a throwing dead-letter or poison listener is logged and the others still get the letter', async () => {
    const { logger, errors } = errorLog();
    const js = { publish: () => Promise.resolve({ seq: 1 }) } as unknown as JetStreamClient;
    const sink = new DeadLetterSink(js, mailboxSubjects('test'), logger, () => 1_000_000);
    const seen: string[] = [];
    sink.onDeadLetter(boom);
    sink.onDeadLetter((l) => seen.push(`all ${l.reason}`));
    sink.onPoison(boom);
    sink.onPoison((l) => seen.push(`poison ${l.reason}`));
    const letter: MailboxDeadLetter = {
      v: 1,
      reason: 'poison',
      error: { code: 'ERR_POISON_MESSAGE', message: 'poison' },
      actor: 'c',
      shard: 0,
      deliveries: 3,
      streamSeq: 9,
      node: 'n1',
      at: 0,
    };
    await sink.store(letter);
    expect(seen).toEqual(['all poison', 'poison poison']);
    expect(errors.filter((m) => m === 'mailbox dead-letter listener threw')).toHaveLength(2);
  });
});

describe('DeadLetters', () => {
  it('a throwing dead-letter listener is logged and the others still get the letter', async () => {
    const { logger, errors } = errorLog();
    const system = createActorSystem({}, { clock: new TestClock(), logger });
    const seen: string[] = [];
    system.deadLetters.subscribe(boom);
    system.deadLetters.subscribe((l) => seen.push(l.reason));
    system.tell('nobody', 'inc');
    expect(seen).toEqual(['unknown-actor']);
    expect(errors).toContain('dead-letter listener threw');
    await system.shutdown();
  });
});

describe('RejectedFeed', () => {
  it('a throwing rejected-message listener is logged and the others still hear of it', () => {
    const { logger, errors } = errorLog();
    const feed = new RejectedFeed(logger);
    const seen: string[] = [];
    feed.add(boom);
    feed.add((r) => seen.push(r.subject));
    feed.report('a.b', new RuntimeError('ERR_MALFORMED_MESSAGE', 'bad bytes'), new Uint8Array(1));
    expect(seen).toEqual(['a.b']);
    expect(errors).toContain('rejected-message listener threw');
  });
});
