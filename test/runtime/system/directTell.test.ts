import { describe, expect, it } from 'vitest';
import { fromCallback } from 'xstate';
import { z } from 'zod';
import {
  LocalTransport,
  createActorSystem,
  type DeadLetter,
  type Envelope,
  type PublishOutcome,
} from 'agentvisor/internal';
import { TestClock } from 'agentvisor/testing';
import { counterMachine } from './fixtures.js';

/** A LocalTransport that counts what is published on each subject (replies included). */
class CountingTransport extends LocalTransport {
  readonly published = new Map<string, number>();

  override publish(subject: string, envelope: Envelope): PublishOutcome {
    this.published.set(subject, (this.published.get(subject) ?? 0) + 1);
    return super.publish(subject, envelope);
  }

  /** Publishes on actor subjects (`av.<ns>.a.<actor>`), not on reply inboxes. */
  actorPublishes(): number {
    let n = 0;
    for (const [subject, count] of this.published) if (subject.includes('.a.')) n += count;
    return n;
  }
}

const counterAccepts = z.object({ by: z.number().optional() }).optional();

function makeSystem() {
  const clock = new TestClock();
  const transport = new CountingTransport({ namespace: 'test' }, { clock });
  const system = createActorSystem({ namespace: 'test' }, { clock, transport });
  const deadLetters: DeadLetter[] = [];
  system.deadLetters.subscribe((l) => deadLetters.push(l));
  return { clock, transport, system, deadLetters };
}

describe('ActorSystem direct local tell', () => {
  it('delivers a tell to a local actor without publishing on the transport', async () => {
    const { transport, system } = makeSystem();
    system.spawn('c', counterMachine);
    system.tell('c', 'inc');
    system.tell('c', 'inc', { by: 4 });
    system.ref('c').tell('inc');
    await expect(system.ask('c', 'get')).resolves.toBe(6);
    expect(transport.actorPublishes()).toBe(0);
    await system.shutdown();
  });

  it('keeps the order of tells and asks from one sender', async () => {
    const { transport, system } = makeSystem();
    system.spawn('c', counterMachine);
    system.tell('c', 'inc');
    const first = system.ask('c', 'get');
    system.tell('c', 'inc', { by: 10 });
    const second = system.ask('c', 'get');
    await expect(Promise.all([first, second])).resolves.toEqual([1, 11]);
    expect(transport.actorPublishes()).toBe(0);
    await system.shutdown();
  });

  it('delivers an actor’s own tell to a local actor directly', async () => {
    const { transport, system } = makeSystem();
    system.spawn('c', counterMachine);
    system.spawn(
      'sender',
      fromCallback(({ receive }) => {
        receive(() => {
          // Plain logic has no context: it tells through the system as the sender would.
          system.tell('c', 'inc', { by: 2 }, { from: 'sender' });
        });
      }),
    );
    system.tell('sender', 'go');
    await system.settled();
    await expect(system.ask('c', 'get')).resolves.toBe(2);
    expect(transport.actorPublishes()).toBe(0);
    await system.shutdown();
  });

  it('dead-letters a tell to an unknown actor (unknown-actor) through the transport', async () => {
    const { transport, system, deadLetters } = makeSystem();
    system.tell('nobody', 'inc');
    expect(deadLetters.map((l) => [l.reason, l.error.code])).toEqual([
      ['unknown-actor', 'ERR_ACTOR_NOT_FOUND'],
    ]);
    expect(transport.actorPublishes()).toBe(1);
    await system.shutdown();
  });

  it('holds a direct tell while the actor restarts and hands it to the next incarnation', async () => {
    const { transport, system } = makeSystem();
    system.spawn('c', counterMachine);
    system.tell('c', 'inc');
    await system.settled();
    system.stop('c', 'normal', { hold: { capacity: 10 } });
    system.tell('c', 'inc', { by: 5 });
    expect(system.heldCount('c')).toBe(1);
    system.spawn('c', counterMachine);
    await expect(system.ask('c', 'get')).resolves.toBe(5);
    expect(transport.actorPublishes()).toBe(0);
    await system.shutdown();
  });

  it('refuses a payload the actor does not accept, as before', async () => {
    const { system, deadLetters } = makeSystem();
    system.spawn('c', {
      accepts: { inc: counterAccepts },
      createLogic: () => counterMachine,
    });
    system.tell('c', 'inc', { by: 'x' });
    system.tell('c', 'other');
    await system.settled();
    expect(deadLetters.map((l) => l.error.code)).toEqual([
      'ERR_INVALID_MESSAGE',
      'ERR_UNKNOWN_MESSAGE_TYPE',
    ]);
    await system.shutdown();
  });

  it('publishes on the transport when someone else subscribes to the actor subject', async () => {
    const { transport, system } = makeSystem();
    system.spawn('c', counterMachine);
    const seen: string[] = [];
    const tap = transport.subscribe(system.subjects.actor('c'), (e) => seen.push(e.type));
    system.tell('c', 'inc');
    expect(seen).toEqual(['inc']);
    expect(transport.actorPublishes()).toBe(1);
    tap.dispose();
    system.tell('c', 'inc');
    await expect(system.ask('c', 'get')).resolves.toBe(2);
    expect(seen).toEqual(['inc']);
    expect(transport.actorPublishes()).toBe(1);
    await system.shutdown();
  });

  it('sends a detached name over the transport, which dead-letters it', async () => {
    const { transport, system, deadLetters } = makeSystem();
    system.spawn('c', counterMachine);
    system.detach('c');
    system.tell('c', 'inc');
    expect(transport.actorPublishes()).toBe(1);
    expect(deadLetters.map((l) => l.reason)).toEqual(['unknown-actor']);
    await system.shutdown();
  });

  it('leaves a tell between two systems on one transport to the transport', async () => {
    const clock = new TestClock();
    const transport = new CountingTransport({ namespace: 'test' }, { clock });
    const a = createActorSystem({ namespace: 'test' }, { clock, transport });
    const b = createActorSystem({ namespace: 'test' }, { clock, transport });
    b.spawn('c', counterMachine);
    a.tell('c', 'inc');
    await expect(b.ask('c', 'get')).resolves.toBe(1);
    expect(transport.actorPublishes()).toBe(1);
    await a.shutdown();
    await b.shutdown();
  });
});
