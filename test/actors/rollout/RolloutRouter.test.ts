import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RolloutRouter, routingHash, routingKeyOf } from '../../../actors/rollout/index.js';
import { createMetricsRegistry } from 'agentvisor/internal';

const canary = (weight: number) => ({ weight, shadowSample: 0, parkCandidate: false });

describe('RolloutRouter', () => {
  it('keeps 100 in-flight stable conversations on stable when a 10 % canary starts; 2,000 new ones give the candidate 10 ± 1.5 %', () => {
    // A hash places each key independently: the share is Binomial(2000, 0.1)/2000, sd 0.67 %, so
    // ±1.5 % (2.2 sd) holds for ~97.5 % of seeds; all must lie within ±3 % (4.5 sd).
    const shares: number[] = [];
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12 }), (seed) => {
        const router = new RolloutRouter({
          rolloutId: `analyst@1->2#${seed}`,
          agent: 'analyst',
          stable: 1,
          candidate: 2,
        });
        const inFlight = Array.from({ length: 100 }, (_, i) => `old-${seed}-${i}`);
        const onStable = (): boolean =>
          inFlight.every((key) => router.route(key).role === 'stable');
        expect(onStable()).toBe(true);
        router.setTraffic(canary(0.1));
        expect(onStable()).toBe(true);
        expect(router.route(inFlight[0]!)).toMatchObject({ version: 1, reason: 'pinned' });
        const placed = new Map<string, string>();
        for (let i = 0; i < 2_000; i += 1) {
          const key = `new-${seed}-${i}`;
          placed.set(key, router.route(key).role);
        }
        const share = [...placed.values()].filter((r) => r === 'candidate').length / 2_000;
        shares.push(share);
        expect(Math.abs(share - 0.1)).toBeLessThanOrEqual(0.03);
        // Follow-ups stick, even when the weight moves.
        router.setTraffic(canary(0.5));
        const moved = [...placed].filter(([key, role]) => router.route(key).role !== role);
        expect(moved).toEqual([]);
      }),
      { numRuns: 100, seed: 14 },
    );
    const within = shares.filter((s) => Math.abs(s - 0.1) <= 0.015).length;
    expect(within).toBeGreaterThanOrEqual(95);
  });

  it('keeps a durable conversation on its checkpoint version', () => {
    const router = new RolloutRouter({
      rolloutId: 'r',
      agent: 'analyst',
      stable: 1,
      candidate: 2,
      versionOf: (key) => (key.startsWith('durable') ? 1 : undefined),
    });
    router.setTraffic(canary(1));
    expect(router.route('durable-1')).toMatchObject({ role: 'stable', reason: 'checkpoint' });
    expect(router.route('fresh-1')).toMatchObject({ role: 'candidate', reason: 'hash' });
  });

  it('after a rollback, new conversations go to stable at once and candidate follow-ups are parked when asked', () => {
    const router = new RolloutRouter({ rolloutId: 'r', agent: 'a', stable: 1, candidate: 2 });
    router.setTraffic(canary(1));
    expect(router.route('c').role).toBe('candidate');
    router.setTraffic({ weight: 0, shadowSample: 0, parkCandidate: true });
    expect(router.route('n').role).toBe('stable');
    expect(router.route('c')).toMatchObject({ role: 'candidate', reason: 'parked' });
    expect(router.inFlight()).toEqual({ stable: 1, candidate: 1 });
    router.release('c');
    expect(router.route('c').role).toBe('stable');
  });

  it('shadows a sample of stable conversations and counts routed messages by version', () => {
    const metrics = createMetricsRegistry();
    const router = new RolloutRouter({
      rolloutId: 'r',
      agent: 'a',
      stable: 1,
      candidate: 2,
      metrics,
    });
    router.setTraffic({ weight: 0, shadowSample: 0.2, parkCandidate: false });
    let shadowed = 0;
    for (let i = 0; i < 2_000; i += 1) if (router.route(`k${i}`).shadow) shadowed += 1;
    expect(shadowed / 2_000).toBeGreaterThan(0.17);
    expect(shadowed / 2_000).toBeLessThan(0.23);
    const series = metrics.snapshot()['agentvisor_rollout_routed_total']?.series ?? [];
    expect(series).toEqual([
      { labels: { agent: 'a', version: '1', reason: 'hash' }, value: 2_000 },
    ]);
  });

  it('reads the routing key from the conversation, the task, the correlation id, the sender', () => {
    expect(routingKeyOf({ payload: { conversationId: 'c', taskId: 't' } })).toBe('c');
    expect(routingKeyOf({ payload: { taskId: 't' }, correlationId: 'x' })).toBe('t');
    expect(routingKeyOf({ payload: 'text', correlationId: 'x', from: 'u' })).toBe('x');
    expect(routingKeyOf({ from: 'u' })).toBe('u');
    expect(routingKeyOf({})).toBeUndefined();
  });
});

describe('routingHash', () => {
  it('is deterministic, in [0, 1), and depends on the key and the rollout id', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string(), (key, id) => {
        const h = routingHash(key, id);
        expect(h).toBeGreaterThanOrEqual(0);
        expect(h).toBeLessThan(1);
        expect(routingHash(key, id)).toBe(h);
      }),
    );
    expect(routingHash('é', 'r')).not.toBe(routingHash('e', 'r'));
    expect(routingHash('a', 'r1')).not.toBe(routingHash('a', 'r2'));
  });
});
