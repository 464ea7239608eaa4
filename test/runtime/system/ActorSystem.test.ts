import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  createActorSystem,
  encodeEnvelope,
  isRuntimeError,
  type ActorTemplate,
  type DeadLetter,
  type LifecycleEvent,
} from 'agentvisor/internal';
import { TestClock } from 'agentvisor/testing';
import { counterMachine, slowMachine } from './fixtures.js';

function makeSystem(options: Parameters<typeof createActorSystem>[0] = {}) {
  const clock = new TestClock();
  const system = createActorSystem(options, { clock });
  const deadLetters: DeadLetter[] = [];
  system.deadLetters.subscribe((l) => deadLetters.push(l));
  const lifecycle: LifecycleEvent[] = [];
  system.onLifecycle((e) => lifecycle.push(e));
  return { clock, system, deadLetters, lifecycle };
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (err) {
    return isRuntimeError(err) ? err.code : `non-runtime: ${String(err)}`;
  }
}

describe('ActorSystem', () => {
  it('delivers tells in order and answers an ask', async () => {
    const { system } = makeSystem();
    system.spawn('c', counterMachine);
    system.tell('c', 'inc');
    system.tell('c', 'inc', { by: 4 });
    await expect(system.ask('c', 'get')).resolves.toBe(5);
    expect(system.describe('c')).toMatchObject({ status: 'running', processed: 3, incarnation: 1 });
    await system.shutdown();
  });

  it('fails an ask with ERR_TIMEOUT when the deadline passes', async () => {
    const { system, clock } = makeSystem();
    system.spawn('slow', slowMachine);
    const pending = codeOf(system.ask('slow', 'slow', undefined, { timeoutMs: 1_000 }));
    await clock.advance(999);
    await clock.advance(1);
    await expect(pending).resolves.toBe('ERR_TIMEOUT');
    await system.shutdown();
  });

  it('takes the earlier of the timeout and the deadline carried by the caller', async () => {
    const { system, clock } = makeSystem();
    system.spawn('slow', slowMachine);
    const pending = codeOf(
      system.ask('slow', 'slow', undefined, { timeoutMs: 10_000, deadline: clock.now() + 200 }),
    );
    await clock.advance(200);
    await expect(pending).resolves.toBe('ERR_TIMEOUT');
    await system.shutdown();
  });

  it('fails an ask to an unknown actor at once with ERR_ACTOR_NOT_FOUND', async () => {
    const { system, deadLetters } = makeSystem();
    await expect(codeOf(system.ask('nobody', 'get'))).resolves.toBe('ERR_ACTOR_NOT_FOUND');
    system.tell('nobody', 'inc');
    expect(deadLetters.map((d) => d.reason)).toEqual(['unknown-actor']);
    expect(system.deadLetters.count('unknown-actor')).toBe(1);
    await system.shutdown();
  });

  it('answers an ask with ERR_ACTOR_STOPPED when the actor stops mid-ask', async () => {
    const { system } = makeSystem();
    system.spawn('slow', slowMachine);
    const pending = codeOf(system.ask('slow', 'slow'));
    await system.settled();
    system.stop('slow');
    await expect(pending).resolves.toBe('ERR_ACTOR_STOPPED');
    await system.shutdown();
  });

  it.each([
    ['boom', 'an action throws'],
    ['guarded', 'a guard throws'],
    ['async-boom', 'an async action rejects'],
  ])('captures the failure when %s (%s); others keep working', async (type) => {
    const { system, lifecycle } = makeSystem();
    system.spawn('victim', counterMachine);
    system.spawn('bystander', counterMachine);
    const asked = codeOf(system.ask('victim', type));
    await system.settled();
    const failed = lifecycle.find((e) => e.type === 'failed');
    expect(failed).toMatchObject({ type: 'failed', name: 'victim', incarnation: 1 });
    expect(system.describe('victim')?.status).toBe('failed');
    expect(system.describe('victim')?.error).toBeInstanceOf(Error);
    await expect(asked).resolves.toBe('ERR_ACTOR_FAILED');
    system.tell('bystander', 'inc');
    await expect(system.ask('bystander', 'get')).resolves.toBe(1);
    // A failed actor's name can be respawned as its next incarnation.
    system.spawn('victim', counterMachine);
    expect(system.describe('victim')).toMatchObject({ status: 'running', incarnation: 2 });
    await system.shutdown();
  });

  it('dead-letters messages to a failed actor with their reason', async () => {
    const { system, deadLetters } = makeSystem();
    system.spawn('victim', counterMachine);
    system.tell('victim', 'boom');
    await system.settled();
    system.tell('victim', 'inc');
    expect(deadLetters.map((d) => d.reason)).toEqual(['failed-actor']);
    await system.shutdown();
  });

  it('reports a message the current state does not handle as unhandled', async () => {
    const { system, deadLetters } = makeSystem();
    system.spawn('slow', slowMachine);
    void system.ask('slow', 'slow').catch(() => undefined);
    await system.settled();
    await expect(codeOf(system.ask('slow', 'slow'))).resolves.toBe('ERR_UNHANDLED');
    expect(deadLetters.map((d) => d.reason)).toEqual(['unhandled']);
    await system.shutdown();
  });

  it('emits done with the output when the machine reaches a final state', async () => {
    const { system, lifecycle } = makeSystem();
    system.spawn('c', counterMachine);
    system.tell('c', 'inc');
    system.tell('c', 'finish');
    await system.settled();
    expect(lifecycle.at(-1)).toMatchObject({ type: 'done', name: 'c', output: { count: 1 } });
    expect(system.describe('c')?.status).toBe('done');
    await system.shutdown();
  });

  it('detach stops taking messages for a name while the actor keeps what it has queued', async () => {
    const { system, deadLetters } = makeSystem();
    system.spawn('c', counterMachine);
    system.tell('c', 'inc');
    system.detach('c'); // a node draining: the queued inc is still processed
    system.tell('c', 'inc');
    await system.settled();
    expect(system.describe('c')).toMatchObject({ status: 'running', processed: 1 });
    expect(deadLetters.map((l) => l.reason)).toEqual(['unknown-actor']);
    expect(system.getSnapshot('c')).toMatchObject({ context: { count: 1 } });
  });

  it('refuses a second spawn under a running name with ERR_ACTOR_EXISTS', async () => {
    const { system } = makeSystem();
    system.spawn('c', counterMachine);
    expect(() => system.spawn('c', counterMachine)).toThrow(
      expect.objectContaining({ code: 'ERR_ACTOR_EXISTS' }) as Error,
    );
    await system.shutdown();
  });

  it('refuses invalid options with ERR_INVALID_OPTIONS and the path', () => {
    try {
      createActorSystem({ mailbox: { capacity: -1 } });
      expect.unreachable();
    } catch (err) {
      expect(isRuntimeError(err, 'ERR_INVALID_OPTIONS')).toBe(true);
      expect((err as { details: { issues: { path: string }[] } }).details.issues[0]?.path).toBe(
        'mailbox.capacity',
      );
    }
  });

  describe('mailbox overflow', () => {
    it('drop-newest: refuses what arrives past the bound, reported and counted', async () => {
      const { system, deadLetters } = makeSystem();
      system.spawn('c', counterMachine, { mailbox: { capacity: 3 } });
      for (let i = 0; i < 5; i++) system.tell('c', 'inc', { by: 10 ** i });
      const refused = codeOf(system.ask('c', 'get'));
      expect(deadLetters.map((d) => d.reason)).toEqual([
        'mailbox-full',
        'mailbox-full',
        'mailbox-full',
      ]);
      await expect(refused).resolves.toBe('ERR_MAILBOX_FULL');
      await expect(system.ask('c', 'get')).resolves.toBe(111);
      expect(
        deadLetters.filter((d) => d.reason === 'mailbox-full').map((d) => d.envelope?.payload),
      ).toEqual([{ by: 1000 }, { by: 10000 }, undefined]);
      const metric = system.metrics.snapshot()['agentvisor_dead_letters_total'];
      expect(metric?.series).toEqual([{ labels: { reason: 'mailbox-full' }, value: 3 }]);
      await system.shutdown();
    });

    it('drop-oldest: evicts the head to make room, reported and counted', async () => {
      const { system, deadLetters } = makeSystem();
      system.spawn('c', counterMachine, { mailbox: { capacity: 3, overflow: 'drop-oldest' } });
      for (let i = 0; i < 5; i++) system.tell('c', 'inc', { by: 10 ** i });
      await system.settled();
      await expect(system.ask('c', 'get')).resolves.toBe(10100 + 1000);
      expect(deadLetters.map((d) => d.envelope?.payload)).toEqual([{ by: 1 }, { by: 10 }]);
      await system.shutdown();
    });
  });

  describe('with an actor template (declared message schemas)', () => {
    const template: ActorTemplate = {
      version: 1,
      accepts: { inc: z.object({ by: z.number().int() }).optional(), get: z.undefined() },
      createLogic: () => counterMachine,
    };

    it('never lets an invalid payload or an unknown type reach the machine', async () => {
      const { system, deadLetters } = makeSystem();
      system.spawn('c', template);
      system.tell('c', 'inc', { by: 'lots' });
      await expect(codeOf(system.ask('c', 'inc', { by: 1.5 }))).resolves.toBe(
        'ERR_INVALID_MESSAGE',
      );
      await expect(codeOf(system.ask('c', 'boom'))).resolves.toBe('ERR_UNKNOWN_MESSAGE_TYPE');
      system.tell('c', 'inc', { by: 2 });
      await expect(system.ask('c', 'get')).resolves.toBe(2);
      expect(deadLetters.map((d) => d.reason)).toEqual([
        'invalid-message',
        'invalid-message',
        'unknown-type',
      ]);
      expect(system.describe('c')?.status).toBe('running');
      await system.shutdown();
    });
  });

  describe('bytes from outside the process', () => {
    it('decodes and validates before delivery; garbage becomes a dead letter', async () => {
      const { system, deadLetters } = makeSystem();
      system.spawn('c', counterMachine);
      const good = encodeEnvelope({ v: 1, id: 'x1', type: 'inc', to: 'c', payload: { by: 7 } });
      if (!good.ok) throw good.error;
      system.receiveBytes('c', good.value);
      system.receiveBytes('c', new Uint8Array([0xc1, 0xff, 0x00]));
      system.receiveBytes(
        'c',
        encodeOrThrow({ v: 2, id: 'x2', type: 'inc', to: 'c', payload: null }),
      );
      await expect(system.ask('c', 'get')).resolves.toBe(7);
      expect(deadLetters.map((d) => [d.reason, d.error.code])).toEqual([
        ['malformed-message', 'ERR_MALFORMED_MESSAGE'],
        ['invalid-message', 'ERR_INVALID_MESSAGE'],
      ]);
      await system.shutdown();
    });
  });

  it('watch follows every incarnation of a name', async () => {
    const { system } = makeSystem();
    const seen: string[] = [];
    system.watch('w', (e) => seen.push(`${e.type}:${e.incarnation}`));
    system.spawn('w', counterMachine);
    system.tell('w', 'boom');
    await system.settled();
    system.spawn('w', counterMachine);
    system.stop('w');
    expect(seen).toEqual(['started:1', 'failed:1', 'started:2', 'stopped:2']);
    await system.shutdown();
  });
});

function encodeOrThrow(value: unknown): Uint8Array {
  // Encode without envelope validation to simulate a foreign sender.
  return new Uint8Array(Buffer.from(packValue(value)));
}

import { packr } from '../../../runtime/codec/index.js';
function packValue(value: unknown): Uint8Array {
  return packr.pack(value);
}
