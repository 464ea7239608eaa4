import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  LocalTransport,
  MemoryCheckpointStore,
  MemoryJournal,
  createActorSystem,
  isRuntimeError,
  type Envelope,
} from 'agentvisor';
import { chaosTransport, createChaos, type TransportFault } from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';
import { harnessAgent, settle } from '../resilientAgentHarness.js';

function envelope(id: string, deadline?: number): Envelope {
  return {
    v: 1,
    id,
    type: 'job',
    to: 'w',
    payload: { id },
    ...(deadline === undefined ? {} : { deadline }),
  };
}

function setup(fault: TransportFault, extra: { firstCalls?: number } = {}) {
  const clock = new TestClock();
  const chaos = createChaos({ enabled: true, clock });
  const inner = new LocalTransport();
  const transport = chaosTransport(chaos, inner, {
    injectionRate: 1,
    ...(extra.firstCalls === undefined ? {} : { when: { firstCalls: extra.firstCalls } }),
    faults: [{ fault }],
  });
  const seen: { id: string; at: number }[] = [];
  inner.subscribe('s', (e) => seen.push({ id: e.id, at: clock.now() }));
  return { clock, chaos, inner, transport, seen };
}

describe('transport faults (chaosTransport)', () => {
  it('drop: the sender is told `sent`, nobody receives it', () => {
    const { transport, seen, chaos } = setup({ type: 'drop' });
    expect(transport.publish('s', envelope('1'))).toBe('sent');
    expect(seen).toEqual([]);
    expect(chaos.injected).toBe(1);
  });

  it('duplicate: the subscriber sees the message twice', () => {
    const { transport, seen } = setup({ type: 'duplicate' });
    transport.publish('s', envelope('1'));
    expect(seen.map((s) => s.id)).toEqual(['1', '1']);
  });

  it('latency ± jitter: delivered between ms − jitter and ms + jitter later on the clock', async () => {
    const { transport, seen, clock } = setup({ type: 'latency', ms: 1_000, jitterMs: 200 });
    for (let i = 0; i < 20; i++) transport.publish('s', envelope(String(i)));
    expect(seen).toEqual([]);
    await clock.advance(1_200);
    expect(seen).toHaveLength(20);
    for (const s of seen) expect(s.at).toBeGreaterThanOrEqual(800);
    expect(new Set(seen.map((s) => s.at)).size).toBeGreaterThan(1);
  });

  it('reorder: a held message is delivered right after the next one on its subject', () => {
    const { transport, seen } = setup({ type: 'reorder' }, { firstCalls: 1 });
    transport.publish('s', envelope('a'));
    transport.publish('s', envelope('b'));
    expect(seen.map((s) => s.id)).toEqual(['b', 'a']);
  });

  it('reorder with nothing after: released after maxHoldMs', async () => {
    const { transport, seen, clock } = setup({ type: 'reorder', maxHoldMs: 500 });
    transport.publish('s', envelope('a'));
    await clock.advance(499);
    expect(seen).toEqual([]);
    await clock.advance(1);
    expect(seen.map((s) => s.id)).toEqual(['a']);
  });

  it('stop() delivers whatever a fault holds and verifies nothing is left', () => {
    const { transport, seen, chaos } = setup({ type: 'latency', ms: 60_000 });
    transport.publish('s', envelope('a'));
    expect(chaos.stop()).toEqual({ removed: 0, released: 1, remaining: 0 });
    expect(seen.map((s) => s.id)).toEqual(['a']);
  });

  it('drop on a request: ERR_TIMEOUT at its deadline, the handler never ran', async () => {
    const { transport, inner, clock } = setup({ type: 'drop' });
    let handled = 0;
    inner.subscribe('r', () => (handled += 1));
    const result = await settle(
      transport.request('r', envelope('q'), { deadline: clock.now() + 5_000 }),
      clock,
    );
    expect(!result.ok && isRuntimeError(result.error, 'ERR_TIMEOUT')).toBe(true);
    expect(handled).toBe(0);
  });

  it('late-reply: the handler ran and answered, the caller still sees ERR_TIMEOUT', async () => {
    const { transport, inner, clock } = setup({ type: 'late-reply' });
    let handled = 0;
    inner.subscribe('r', (e) => {
      handled += 1;
      if (e.replyTo !== undefined)
        inner.publish(e.replyTo, { ...envelope('re'), correlationId: e.id, to: e.replyTo });
    });
    const started = clock.now();
    const result = await settle(
      transport.request('r', envelope('q'), { deadline: started + 5_000 }),
      clock,
    );
    expect(handled).toBe(1);
    expect(!result.ok && isRuntimeError(result.error, 'ERR_TIMEOUT')).toBe(true);
    expect(clock.now() - started).toBeGreaterThanOrEqual(5_000);
  });

  it('duplicate to a durable agent: the actor sees it twice, the ledger holds one completed effect', async () => {
    const clock = new TestClock();
    const chaos = createChaos({ enabled: true, clock });
    const inner = new LocalTransport();
    const transport = chaosTransport(chaos, inner, {
      injectionRate: 1,
      target: { actor: 'a' },
      faults: [{ fault: { type: 'duplicate' } }],
    });
    let delivered = 0;
    const runs: string[] = [];
    const system = createActorSystem({}, { clock, transport });
    const journal = new MemoryJournal();
    const charge = {
      input: z.strictObject({}),
      idempotent: false,
      run: () => Promise.resolve((runs.push('charge'), 'charged')),
    };
    await system.spawnDurable('a', harnessAgent({ tools: { charge } }), {
      persistence: {
        store: new MemoryCheckpointStore(),
        journal,
        machineId: 'a',
        machineVersion: 1,
      },
    });
    const spy = inner.subscribe(system.subjects.actor('a'), () => (delivered += 1));
    const answer = await settle(
      system.ask('a', 'q.tool', { tool: 'charge', input: {} }, { timeoutMs: 60_000 }),
      clock,
    );
    expect(answer.ok ? 'ok' : answer.error).toBe('ok');
    expect(chaos.injected).toBe(1);
    expect(runs).toEqual(['charge']);
    const outcomes = (await journal.read('a', 0)).filter((e) => e.event.kind === 'effect-outcome');
    expect(outcomes).toHaveLength(1);
    expect(delivered).toBe(2);
    spy.dispose();
    await system.shutdown();
  });
});
