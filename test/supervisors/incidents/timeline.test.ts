import { fc, it as fcIt } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { readTrace, type Alert } from 'agentvisor';
import {
  assembleTimeline,
  computeImpact,
  resolveTimelineSource,
  type TimelineSources,
} from 'agentvisor/supervisors';
import { writeFaultScenario } from './faultJournal.js';

const T0 = 1_700_000_000_000;

async function sources(seed: number): Promise<TimelineSources> {
  const scenario = await writeFaultScenario(seed, T0);
  const alert: Alert = {
    fingerprint: 'fp-rate',
    name: 'ModelErrorRate',
    severity: 'critical',
    status: 'firing',
    labels: { agent: 'desk' },
    annotations: {},
    startsAt: T0 + 400,
    value: 0.5,
  };
  return {
    ...scenario,
    alerts: [alert],
    supervisorEvents: [
      {
        type: 'child-failed',
        supervisor: 'root',
        child: 'desk',
        incarnation: 1,
        failureClass: 'rate-limit',
        directive: 'restart',
        error: '429',
        at: T0 + 450,
      },
      { type: 'child-started', supervisor: 'root', child: 'desk', incarnation: 2, at: T0 + 460 },
    ],
    resilienceEvents: [
      {
        at: T0 + 420,
        event: {
          type: 'breaker',
          breaker: 'model:gpt',
          from: 'closed',
          to: 'open',
          reason: 'failures',
        },
      },
    ],
    rolloutEvents: [
      { at: T0 + 500, type: 'rollout.rolledBack', agent: 'desk', summary: 'v2 → v1' },
    ],
    notes: [{ id: 'n1', at: T0 + 470, by: 'ana', text: 'looking at the provider status page' }],
  };
}

describe('assembleTimeline', () => {
  fcIt.prop([fc.integer({ min: 1, max: 1_000_000 })], { numRuns: 20 })(
    'orders items by time, each with a source that resolves to its record',
    async (seed) => {
      const all = await sources(seed);
      const items = await assembleTimeline(all);
      for (let i = 1; i < items.length; i++)
        expect(items[i]?.at).toBeGreaterThanOrEqual(items[i - 1]?.at ?? 0);
      for (const item of items) expect(await resolveTimelineSource(item.source, all)).toBeDefined();
      const kinds = new Set(items.map((i) => i.kind));
      for (const kind of [
        'message',
        'effect-started',
        'effect-failed',
        'retry',
        'failure',
        'breaker',
        'alert',
        'recovery',
        'rollout',
        'note',
      ])
        expect(kinds).toContain(kind);
      // Each actor's journal items keep their sequence order.
      for (const actor of all.actors) {
        const seqs = items.flatMap((i) =>
          i.source.type === 'journal' && i.source.actor === actor ? [i.source.seq] : [],
        );
        expect(seqs).toStrictEqual([...seqs].sort((a, b) => a - b));
        expect(seqs).toHaveLength((await all.journal.read(actor, 0)).length);
      }
    },
  );

  it('carries each message’s causation and correlation ids to its effects', async () => {
    const items = await assembleTimeline(await sources(7));
    const effects = items.filter((i) => i.kind === 'effect-started' && i.subject === 'desk');
    expect(effects.length).toBeGreaterThan(0);
    for (const effect of effects) expect(effect.correlationId).toMatch(/^corr-\d$/);
  });

  it('resolves no source that is not there', async () => {
    const all = await sources(3);
    expect(
      await resolveTimelineSource({ type: 'journal', actor: 'desk', seq: 10_000 }, all),
    ).toBeUndefined();
    expect(await resolveTimelineSource({ type: 'alert', id: 'nope' }, all)).toBeUndefined();
  });
});

describe('computeImpact', () => {
  fcIt.prop([fc.integer({ min: 1, max: 1_000_000 })], { numRuns: 20 })(
    'equals the journal queries',
    async (seed) => {
      const all = await sources(seed);
      const impact = await computeImpact(all);
      // The same figures counted straight off the journal lines.
      let tasks = 0;
      let failed = 0;
      let blocked = 0;
      let spend = 0;
      for (const actor of all.actors) {
        const entries = await all.journal.read(actor, 0);
        tasks += entries.filter((e) => e.event.kind === 'message').length;
        failed += entries.filter((e) => e.event.kind === 'note').length;
        for (const line of await readTrace(all.journal, actor))
          if (line.kind === 'effect-outcome' && line.summary.includes('ERR_CIRCUIT_OPEN'))
            blocked++;
        for (const e of entries) {
          const out = (e.event.data as { outcome?: { ok: boolean; output?: { cost?: number } } })
            .outcome;
          if (out?.ok === true) spend += out.output?.cost ?? 0;
        }
      }
      expect(impact).toMatchObject({
        tasksAffected: tasks,
        tasksFailed: failed,
        effectsBlocked: blocked,
        effectsDuplicated: 0,
      });
      expect(impact.spend).toBeCloseTo(spend, 10);
    },
  );
});
