import { describe, expect, it } from 'vitest';
import {
  createAlerting,
  createLogSink,
  MemoryAlertStore,
  type AlertNotification,
  type AlertRuleInput,
  type AlertSink,
  type Alert,
} from 'agentvisor/internal';
import { TestClock } from 'agentvisor/testing';
import { pino } from 'pino';

const MINUTE = 60_000;

function recordingSink(): AlertSink & { sent: AlertNotification[] } {
  const sent: AlertNotification[] = [];
  return { name: 'recording', sent, send: (n) => void sent.push(n) };
}

const rules: AlertRuleInput[] = [
  {
    name: 'EscalationsPiling',
    severity: 'critical',
    when: { threshold: { signal: 'escalation_rate', op: '>', value: 0.5 } },
    labels: { team: 'desk' },
  },
  {
    name: 'ToolTimeouts',
    severity: 'warning',
    when: { threshold: { signal: 'error_rate:timeout', op: '>', value: 0.1 } },
  },
  {
    name: 'TokensHigh',
    severity: 'info',
    when: { threshold: { signal: 'tokens_per_call', op: '>', value: 1_000 } },
  },
];

describe('AlertRouter over one hour on a TestClock', () => {
  it('1 critical + 30 warnings (5 on its agent) + 200 info: 1 page, 1 digest (25 + 5 inhibited), 0 info notifications, 200 trend points', async () => {
    const clock = new TestClock();
    const sink = recordingSink();
    const store = new MemoryAlertStore();
    const alerting = createAlerting({ rules }, { clock, sinks: [sink], store });
    const start = clock.now();
    type Event = { atMin: number; run: () => void };
    const events: Event[] = [];
    // The critical on agent A at minute 10.
    events.push({
      atMin: 10,
      run: () => {
        alerting.observe({ series: { signal: 'escalation_rate', agent: 'A' }, value: 0.9 });
      },
    });
    // 30 warnings: 5 on A (2 before the critical, 3 after), 25 on B..F.
    for (let i = 0; i < 30; i++) {
      const agent = i < 5 ? 'A' : String.fromCharCode(66 + (i % 5));
      const atMin = i < 5 ? (i < 2 ? 1 + i : 20 + i) : 2 + i * 1.5;
      events.push({
        atMin,
        run: () => {
          alerting.observe({
            series: { signal: 'error_rate:timeout', agent, tool: `tool-${i}` },
            value: 0.3,
          });
        },
      });
    }
    // 200 info episodes: 20 agents × 10 (fire, then resolve a minute later).
    for (let i = 0; i < 200; i++) {
      const series = { signal: 'tokens_per_call', agent: i % 20 === 0 ? 'A' : `agent-${i % 20}` };
      const atMin = Math.floor(i / 20) * 5 + 0.25 + (i % 20) * 0.01;
      events.push({
        atMin,
        run: () => {
          alerting.observe({ series, value: 5_000 });
        },
      });
      events.push({
        atMin: atMin + 1,
        run: () => {
          alerting.observe({ series, value: 10 });
        },
      });
    }
    events.sort((a, b) => a.atMin - b.atMin);
    for (const e of events) {
      await clock.advance(start + e.atMin * MINUTE - clock.now());
      e.run();
    }
    await clock.advance(start + 61 * MINUTE - clock.now());

    const immediate = sink.sent.filter((n) => n.kind === 'immediate');
    const digests = sink.sent.flatMap((n) => (n.kind === 'digest' ? [n] : []));
    expect(immediate).toHaveLength(1);
    expect(immediate[0]?.kind === 'immediate' && immediate[0].group.alerts[0]?.name).toBe(
      'EscalationsPiling',
    );
    expect(digests).toHaveLength(1);
    const warnings = digests.flatMap((d) => d.groups).flatMap((g) => g.alerts);
    expect(warnings).toHaveLength(30);
    expect(warnings.filter((w) => !w.inhibited)).toHaveLength(25);
    const inhibited = warnings.filter((w) => w.inhibited);
    expect(inhibited).toHaveLength(5);
    expect(new Set(inhibited.map((w) => w.labels['agent']))).toEqual(new Set(['A']));
    expect(warnings.every((w) => w.severity === 'warning')).toBe(true);
    // No notification carries an info alert.
    const notified = sink.sent.flatMap((n) => (n.kind === 'digest' ? n.groups : [n.group]));
    expect(notified.flatMap((g) => g.alerts).filter((a) => a.severity === 'info')).toHaveLength(0);
    // 200 info points read back; those of agent A are marked inhibited after minute 10.
    const points = alerting.router.trends({ name: 'TokensHigh' });
    expect(points).toHaveLength(200);
    expect(
      alerting.router.trends({ agent: 'A' }).filter((p) => p.inhibited).length,
    ).toBeGreaterThan(0);
    expect(alerting.router.trends({ sinceAt: start, untilAt: start + 5 * MINUTE })).toHaveLength(
      20,
    );
    // Every state reached the store; the critical is still firing there.
    await alerting.router.close();
    const firing = await store.list({ status: 'firing' });
    expect(firing.map((a) => a.name).sort()).toEqual(
      ['EscalationsPiling', ...Array.from({ length: 30 }, () => 'ToolTimeouts')].sort(),
    );
  });
});

describe('AlertRouter dedup, resolve, digest windows', () => {
  it('an alert already firing is not notified again; its resolve is', () => {
    const clock = new TestClock();
    const sink = recordingSink();
    const alerting = createAlerting({ rules }, { clock, sinks: [sink] });
    const series = { signal: 'escalation_rate', agent: 'A' };
    const alert: Alert = {
      fingerprint: 'f',
      name: 'X',
      severity: 'critical',
      status: 'firing',
      labels: { agent: 'A' },
      annotations: {},
      startsAt: clock.now(),
      value: 1,
    };
    alerting.router.receive(alert);
    alerting.router.receive(alert);
    expect(alerting.router.stats.deduplicated).toBe(1);
    alerting.observe({ series, value: 0.9 });
    alerting.observe({ series, value: 0.95 }); // still over: the threshold stays firing, no event
    alerting.observe({ series, value: 0.1 });
    const statuses = sink.sent.map((n) =>
      n.kind === 'immediate' ? n.group.alerts[0]?.status : 'digest',
    );
    expect(statuses).toEqual(['firing', 'firing', 'resolved']);
    const resolved = sink.sent[2];
    expect(resolved?.kind === 'immediate' && resolved.group.alerts[0]?.endsAt).toBe(clock.now());
  });

  it('a warning that fires and resolves inside the window is one digest entry, resolved', async () => {
    const clock = new TestClock();
    const sink = recordingSink();
    const alerting = createAlerting(
      { rules, digestWindowMs: 10 * MINUTE },
      { clock, sinks: [sink] },
    );
    const series = { signal: 'error_rate:timeout', agent: 'B' };
    alerting.observe({ series, value: 0.5 });
    await clock.advance(MINUTE);
    alerting.observe({ series, value: 0 });
    await clock.advance(9 * MINUTE);
    expect(sink.sent).toHaveLength(1);
    const digest = sink.sent[0];
    expect(digest?.kind).toBe('digest');
    if (digest?.kind !== 'digest') return;
    expect(digest.groups).toHaveLength(1);
    expect(digest.groups[0]?.groupLabels).toEqual({ agent: 'B', alertname: 'ToolTimeouts' });
    expect(digest.groups[0]?.alerts.map((a) => a.status)).toEqual(['resolved']);
    expect(digest.windowEndAt - digest.windowStartAt).toBe(10 * MINUTE);
    // An empty window sends nothing and leaves no timer.
    await clock.advance(60 * MINUTE);
    expect(sink.sent).toHaveLength(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a sink that throws is counted and does not reach the caller', () => {
    const clock = new TestClock();
    const bad: AlertSink = {
      name: 'bad',
      send: () => {
        throw new Error('boom');
      },
    };
    const alerting = createAlerting({ rules }, { clock, sinks: [bad] });
    expect(() => {
      alerting.observe({ series: { signal: 'escalation_rate', agent: 'A' }, value: 1 });
    }).not.toThrow();
    expect(alerting.router.stats.sinkErrors).toBe(1);
  });

  it('detector rules fire through a preset after learning', () => {
    const clock = new TestClock();
    const sink = recordingSink();
    const alerting = createAlerting(
      { rules: [{ name: 'SlowPlanner', severity: 'critical', when: { detector: 'latency_p95' } }] },
      { clock, sinks: [sink] },
    );
    const series = { signal: 'latency_p95', agent: 'A', model: 'm1' };
    for (let i = 0; i < 40; i++) alerting.observe({ series, value: 0.5 + (i % 3) * 0.01, at: i });
    expect(sink.sent).toHaveLength(0);
    alerting.observe({ series, value: 5, at: 41 });
    expect(sink.sent).toHaveLength(1);
    const n = sink.sent[0];
    expect(n?.kind === 'immediate' && n.group.alerts[0]?.labels).toMatchObject({
      alertname: 'SlowPlanner',
      severity: 'critical',
      agent: 'A',
      model: 'm1',
      signal: 'latency_p95',
    });
  });

  it('the log sink writes a page at error and a digest at warn, inhibited marked', () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) },
    );
    const sink = createLogSink(logger);
    const alert = {
      fingerprint: 'f',
      name: 'X',
      severity: 'warning' as const,
      status: 'firing' as const,
      labels: { agent: 'A' },
      annotations: {},
      startsAt: 1,
      value: 1,
      inhibited: true,
    };
    sink.send({ kind: 'immediate', group: { groupKey: 'k', groupLabels: {}, alerts: [alert] } });
    sink.send({
      kind: 'digest',
      windowStartAt: 0,
      windowEndAt: 1,
      groups: [{ groupKey: 'k', groupLabels: {}, alerts: [alert] }],
    });
    expect(lines.map((l) => l['level'])).toEqual([50, 40]);
    expect(lines[1]).toMatchObject({ inhibited: 1 });
  });
});
