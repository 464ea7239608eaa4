import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alertSubject,
  createAlerting,
  createNatsAlertSink,
  JetStreamAlertStore,
  type Alert,
  type AlertRuleInput,
} from 'agentvisor/internal';
import { startNatsServer, waitFor, type NatsServerHandle } from 'agentvisor/testing';

let server: NatsServerHandle;

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  await server.stop();
});

const rules: AlertRuleInput[] = [
  {
    name: 'AgentDown',
    severity: 'critical',
    when: { threshold: { signal: 'escalation_rate', op: '>', value: 0.5 } },
  },
];

const base: Alert = {
  fingerprint: '00000000000000aa',
  name: 'AgentDown',
  severity: 'critical',
  status: 'firing',
  labels: { alertname: 'AgentDown', agent: 'a' },
  annotations: {},
  startsAt: 1_000,
  value: 1,
};

describe('JetStreamAlertStore', () => {
  it('an alert written by one connection is read by another after the first closes', async () => {
    const writer = await connect({ servers: server.url });
    const store = await JetStreamAlertStore.open(writer, { namespace: 'desk' });
    const alerting = createAlerting({ rules }, { store });
    alerting.observe({ series: { signal: 'escalation_rate', agent: 'planner' }, value: 0.9 });
    alerting.observe({ series: { signal: 'escalation_rate', agent: 'critic' }, value: 0.9 });
    alerting.observe({ series: { signal: 'escalation_rate', agent: 'critic' }, value: 0.1 });
    await alerting.router.close(); // waits for the store writes
    await writer.close(); // the node "dies"

    const reader: NatsConnection = await connect({ servers: server.url });
    try {
      const other = await JetStreamAlertStore.open(reader, { namespace: 'desk' });
      const firing = await other.list({ status: 'firing' });
      expect(firing.map((a) => a.labels['agent'])).toEqual(['planner']);
      const all = await other.list();
      expect(all.map((a) => [a.labels['agent'], a.status]).sort()).toEqual([
        ['critic', 'resolved'],
        ['planner', 'firing'],
      ]);
      const first = firing[0];
      expect(first && (await other.get(first.fingerprint))).toEqual(first);
      // Another namespace sees none of them.
      const foreign = await JetStreamAlertStore.open(reader, { namespace: 'other' });
      expect(await foreign.list()).toEqual([]);
    } finally {
      await reader.close();
    }
  });

  it('the newer state of a fingerprint wins, whatever order the writes arrive in', async () => {
    const nc = await connect({ servers: server.url });
    try {
      const store = await JetStreamAlertStore.open(nc, { namespace: 'order' });
      const resolved: Alert = { ...base, status: 'resolved', endsAt: 2_000, value: 0 };
      await store.put(resolved);
      await store.put(base); // the stale firing arrives late
      expect(await store.get(base.fingerprint)).toEqual(resolved);
      const refired: Alert = { ...base, startsAt: 3_000 };
      await Promise.all([store.put(refired), store.put(resolved)]);
      expect(await store.get(base.fingerprint)).toEqual(refired);
    } finally {
      await nc.close();
    }
  });
});

describe('NATS alert sink', () => {
  it('publishes each page as Alertmanager JSON on av.<ns>.alerts.immediate.<severity>.<agent>', async () => {
    const nc = await connect({ servers: server.url });
    try {
      const received: { subject: string; body: Record<string, unknown> }[] = [];
      const sub = nc.subscribe('av.desk.alerts.>', {
        callback: (_err, msg) => {
          received.push({ subject: msg.subject, body: msg.json() });
        },
      });
      await nc.flush();
      const alerting = createAlerting(
        { rules },
        { sinks: [createNatsAlertSink(nc, { namespace: 'desk' })] },
      );
      alerting.observe({ series: { signal: 'escalation_rate', agent: 'planner' }, value: 0.9 });
      await alerting.router.close();
      await waitFor('the page', () => received.length === 1);
      expect(received[0]?.subject).toBe(alertSubject('desk', 'immediate', 'critical', 'planner'));
      expect(received[0]?.subject).toBe('av.desk.alerts.immediate.critical.planner');
      expect(received[0]?.body).toMatchObject({
        kind: 'immediate',
        version: '4',
        status: 'firing',
      });
      sub.unsubscribe();
    } finally {
      await nc.close();
    }
  });
});
