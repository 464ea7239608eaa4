import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createAlerting,
  createWebhookSink,
  type AlertmanagerPayload,
  type AlertRuleInput,
} from 'agentvisor/internal';
import { waitFor } from 'agentvisor/testing';

/**
 * A local Alertmanager-style receiver that fails (500, then a request it never answers) and then
 * recovers; it counts what it accepted by fingerprint and status.
 */
function flakyReceiver(failures: readonly ('500' | '400' | 'hang')[]) {
  const accepted = new Map<string, number>();
  const bodies: AlertmanagerPayload[] = [];
  const hanging: ServerResponse[] = [];
  let requests = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const failure = failures[requests++];
      if (failure === '500' || failure === '400') {
        res.writeHead(Number(failure)).end('no');
        return;
      }
      if (failure === 'hang') {
        hanging.push(res); // never answered: the sink's per-attempt timeout must fire
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AlertmanagerPayload;
      bodies.push(body);
      for (const a of body.alerts) {
        const key = `${a.fingerprint}/${a.status}`;
        accepted.set(key, (accepted.get(key) ?? 0) + 1);
      }
      res.writeHead(200).end('ok');
    });
  });
  return {
    server,
    accepted,
    bodies,
    get requests() {
      return requests;
    },
    async listen(): Promise<string> {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    },
    async close(): Promise<void> {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

const rules: AlertRuleInput[] = [
  {
    name: 'AgentDown',
    severity: 'critical',
    when: { threshold: { signal: 'escalation_rate', op: '>', value: 0.5 } },
    annotations: { runbook_url: 'https://runbooks.example/agent-down' },
  },
  {
    name: 'ToolTimeouts',
    severity: 'warning',
    when: { threshold: { signal: 'error_rate:timeout', op: '>', value: 0.1 } },
  },
];

let receiver: ReturnType<typeof flakyReceiver> | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

describe('webhook sink against a local HTTP receiver', () => {
  it('fails with 500, then a timeout, then recovers: nothing lost, no duplicates', async () => {
    receiver = flakyReceiver(['500', 'hang', '500']);
    const url = await receiver.listen();
    const sink = createWebhookSink({
      url,
      timeoutMs: 2_000, // long enough for a loaded machine; the hung request still times out
      externalURL: 'http://node-1:9464',
      backoff: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    const alerting = createAlerting({ rules }, { sinks: [sink] });
    for (const agent of ['a', 'b', 'c'])
      alerting.observe({ series: { signal: 'escalation_rate', agent }, value: 0.9 });
    // send() only queued: nothing was delivered while the caller ran.
    expect(sink.stats.queued).toBe(3);
    alerting.observe({ series: { signal: 'escalation_rate', agent: 'a' }, value: 0 }); // resolve
    for (const agent of ['a', 'b'])
      for (const tool of ['search', 'fetch'])
        alerting.observe({ series: { signal: 'error_rate:timeout', agent, tool }, value: 0.4 });
    await alerting.router.close(); // sends the digest (2 groups) and flushes the sink

    // 3 pages + 1 resolve + the digest group of agent a = 5 bodies, 6 alert states. Agent b's
    // two warnings are inhibited by its firing critical: muted, so never sent to a receiver.
    expect(sink.stats).toMatchObject({ delivered: 5, failed: 0, dropped: 0, queued: 0 });
    expect(sink.stats.retries).toBe(3);
    expect(receiver.requests).toBe(8);
    expect(receiver.accepted.size).toBe(6);
    expect([...receiver.accepted.values()].every((n) => n === 1)).toBe(true);

    const page = receiver.bodies[0];
    expect(page).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'agentvisor',
      groupLabels: { agent: 'a', alertname: 'AgentDown' },
      commonLabels: { alertname: 'AgentDown', severity: 'critical', agent: 'a' },
      commonAnnotations: { runbook_url: 'https://runbooks.example/agent-down' },
      externalURL: 'http://node-1:9464',
      groupKey: '{}:{agent="a",alertname="AgentDown"}',
      truncatedAlerts: 0,
    });
    const alert = page?.alerts[0];
    expect(alert).toMatchObject({
      status: 'firing',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://node-1:9464',
    });
    expect(alert?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(Date.parse(alert?.startsAt ?? '')).not.toBeNaN();
    const resolved = receiver.bodies.find((b) => b.status === 'resolved');
    expect(resolved?.alerts[0]?.fingerprint).toBe(alert?.fingerprint);
    expect(Date.parse(resolved?.alerts[0]?.endsAt ?? '')).toBeGreaterThan(0);
    const digest = receiver.bodies.filter((b) => b.groupLabels['alertname'] === 'ToolTimeouts');
    expect(digest.map((b) => [b.groupLabels['agent'], b.alerts.length])).toEqual([['a', 2]]);
  });

  it('a 4xx other than 408/429 is not retried: counted as failed', async () => {
    receiver = flakyReceiver(['400']);
    const sink = createWebhookSink({
      url: await receiver.listen(),
      backoff: { initialDelayMs: 1 },
    });
    const alerting = createAlerting({ rules }, { sinks: [sink] });
    alerting.observe({ series: { signal: 'escalation_rate', agent: 'a' }, value: 0.9 });
    await waitFor('the refusal', () => sink.stats.failed === 1);
    expect(sink.stats).toMatchObject({ delivered: 0, retries: 0, failed: 1 });
    expect(receiver.requests).toBe(1);
  });
});
