import { fc, it as fcIt } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { TestClock, expectRuntimeError } from 'agentvisor/testing';
import {
  INCIDENT_TIMESTAMPS,
  IncidentManager,
  createMemoryIncidentStore,
  signalFromAlert,
  updateIncident,
  type IncidentSignal,
} from 'agentvisor/supervisors';
import { sampleIncident } from './incidentStoreConformance.js';

const T0 = 1_700_000_000_000;

function manager(windowMs = 60_000): { incidents: IncidentManager; clock: TestClock } {
  const clock = new TestClock(T0);
  let n = 0;
  const incidents = new IncidentManager(
    { store: createMemoryIncidentStore(), clock, newId: () => `inc-${++n}` },
    { windowMs },
  );
  return { incidents, clock };
}

const signal = (over: Partial<IncidentSignal> = {}): IncidentSignal => ({
  kind: 'alert',
  agent: 'desk',
  at: T0,
  source: 'alert:fp1',
  ...over,
});

describe('IncidentManager', () => {
  it('opens one incident for a burst of related signals from several sources', async () => {
    const { incidents } = manager();
    const outcomes = await Promise.all([
      incidents.signal(signal({ severity: 2 })),
      incidents.signal(
        signal({
          kind: 'escalation',
          source: 'escalation:e1',
          at: T0 + 5_000,
          correlationId: 'c1',
        }),
      ),
      // Another agent, but on the same causation chain: joins through the correlation id.
      incidents.signal(
        signal({
          agent: 'pricer',
          kind: 'rollback',
          source: 'rollout:r1',
          at: T0 + 9_000,
          causationId: 'c1',
          severity: 1,
        }),
      ),
      incidents.signal(signal({ source: 'alert:fp2', at: T0 + 20_000 })),
    ]);
    expect(outcomes.map((o) => o.opened)).toStrictEqual([true, false, false, false]);
    const [incident] = await incidents.list();
    expect(incident).toMatchObject({
      id: 'inc-1',
      severity: 1,
      agents: ['desk', 'pricer'],
      links: ['alert:fp1', 'escalation:e1', 'rollout:r1', 'alert:fp2'],
      timestamps: { started: T0, detected: T0 },
    });
    expect(incident?.signals).toHaveLength(4);
  });

  it('opens another incident for an unrelated agent or a signal outside the window', async () => {
    const { incidents } = manager(60_000);
    await incidents.signal(signal());
    expect((await incidents.signal(signal({ agent: 'other', source: 'alert:o' }))).opened).toBe(
      true,
    );
    expect((await incidents.signal(signal({ at: T0 + 61_000, source: 'alert:late' }))).opened).toBe(
      true,
    );
    expect(await incidents.list()).toHaveLength(3);
  });

  it('does not join a resolved incident', async () => {
    const { incidents, clock } = manager();
    const { incident } = await incidents.signal(signal());
    await clock.advance(1_000);
    await incidents.update(incident.id, { status: 'resolved' });
    expect((await incidents.signal(signal({ at: T0 + 2_000 }))).opened).toBe(true);
  });

  it('moves through its statuses, stamping their timestamps on the clock', async () => {
    const { incidents, clock } = manager();
    const { incident } = await incidents.signal(signal({ at: T0 - 30_000 }));
    await clock.advance(10_000);
    const mitigated = await incidents.update(incident.id, { status: 'mitigated' });
    expect(mitigated.timestamps).toStrictEqual({
      started: T0 - 30_000,
      detected: T0,
      acknowledged: T0 + 10_000,
      mitigated: T0 + 10_000,
    });
    await clock.advance(5_000);
    const resolved = await incidents.update(incident.id, { status: 'resolved' });
    expect(resolved.timestamps.resolved).toBe(T0 + 15_000);
    await expect(incidents.update(incident.id, { status: 'open' })).rejects.toMatchObject({
      code: 'ERR_INCIDENT_TRANSITION',
    });
  });

  it('refuses an update putting mitigated before started, naming the path', async () => {
    const { incidents } = manager();
    const { incident } = await incidents.signal(signal());
    await expect(
      incidents.update(incident.id, { timestamps: { mitigated: T0 - 1 } }),
    ).rejects.toMatchObject({
      code: 'ERR_INCIDENT_TIMESTAMP',
      details: { path: 'timestamps.mitigated', before: 'detected' },
    });
    // Nothing was stored.
    expect((await incidents.get(incident.id)).timestamps.mitigated).toBeUndefined();
  });

  it('declares an incident by hand and answers ERR_INCIDENT_NOT_FOUND for an unknown id', async () => {
    const { incidents } = manager();
    const declared = await incidents.declare({
      title: 'Pricing wrong',
      severity: 1,
      agents: ['pricer'],
      by: 'ana',
    });
    expect(declared).toMatchObject({ title: 'Pricing wrong', severity: 1, links: ['manual:ana'] });
    await expect(incidents.get('nope')).rejects.toMatchObject({ code: 'ERR_INCIDENT_NOT_FOUND' });
  });

  it('refuses a malformed signal with ERR_INVALID_OPTIONS', async () => {
    const { incidents } = manager();
    await expect(incidents.signal({ ...signal(), at: -1 })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTIONS',
    });
  });

  it('turns only firing critical alerts with an agent into signals', () => {
    const alert = {
      fingerprint: 'f',
      name: 'ErrorRate',
      severity: 'critical' as const,
      status: 'firing' as const,
      labels: { agent: 'desk' },
      annotations: {},
      startsAt: T0,
      value: 1,
    };
    expect(signalFromAlert(alert)).toMatchObject({ agent: 'desk', source: 'alert:f', severity: 2 });
    expect(signalFromAlert({ ...alert, severity: 'warning' })).toBeUndefined();
    expect(signalFromAlert({ ...alert, status: 'resolved' })).toBeUndefined();
    expect(signalFromAlert({ ...alert, labels: {} })).toBeUndefined();
  });
});

describe('updateIncident', () => {
  fcIt.prop([
    fc.constantFrom(...INCIDENT_TIMESTAMPS.slice(2)),
    fc.integer({ min: 1, max: 1_000_000 }),
  ])('refuses any timestamp placed before an earlier one', (name, back) => {
    const incident = sampleIncident('p', T0);
    const at = incident.timestamps.detected - back;
    const result = expectRuntimeError(
      () => updateIncident(incident, { timestamps: { [name]: at } }, T0 + 100),
      'ERR_INCIDENT_TIMESTAMP',
    );
    expect(result.details).toMatchObject({ path: `timestamps.${name}` });
  });

  fcIt.prop([fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 4, maxLength: 4 })])(
    'accepts every monotonic set of timestamps',
    (gaps) => {
      const incident = sampleIncident('p', T0);
      const [a = 0, b = 0, c = 0, d = 0] = gaps;
      const detected = incident.timestamps.detected;
      const next = updateIncident(
        incident,
        {
          timestamps: {
            acknowledged: detected + a,
            mitigated: detected + a + b,
            resolved: detected + a + b + c,
            reviewed: detected + a + b + c + d,
          },
        },
        T0,
      );
      expect(next.timestamps.reviewed).toBe(detected + a + b + c + d);
    },
  );
});
