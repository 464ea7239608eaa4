import { describe, expect, it } from 'vitest';
import { createWebhookSink, type AlertNotification } from 'agentvisor/internal';
import { TestClock, expectRuntimeError } from 'agentvisor/testing';

function page(agent: string): AlertNotification {
  const labels = { alertname: 'AgentDown', agent, severity: 'critical' };
  return {
    kind: 'immediate',
    group: {
      groupKey: `{}:{agent="${agent}",alertname="AgentDown"}`,
      groupLabels: { agent, alertname: 'AgentDown' },
      alerts: [
        {
          fingerprint: agent.padStart(16, '0'),
          name: 'AgentDown',
          severity: 'critical',
          status: 'firing',
          labels,
          annotations: {},
          startsAt: 0,
          value: 1,
          inhibited: false,
        },
      ],
    },
  };
}

/** A fetch whose answers are scripted: a status, or 'hang' (settles only on abort). */
function scriptedFetch(clock: TestClock, script: (number | 'hang')[]) {
  const calls: number[] = [];
  const fn = (_url: unknown, init?: RequestInit): Promise<Response> => {
    calls.push(clock.monotonic());
    const next = script.shift() ?? 200;
    if (next === 'hang') {
      return new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => {
          reject(new Error('aborted'));
        });
      });
    }
    return Promise.resolve(new Response('', { status: next }));
  };
  return { calls, fetch: fn as typeof fetch };
}

describe('WebhookSink on a TestClock', () => {
  it('retries 5xx and timeouts on the backoff schedule, per-attempt timeout included', async () => {
    const clock = new TestClock();
    const { calls, fetch } = scriptedFetch(clock, [500, 'hang', 503, 200]);
    const sink = createWebhookSink(
      {
        url: 'http://127.0.0.1:1/hook',
        timeoutMs: 1_000,
        backoff: { initialDelayMs: 500, factor: 2, jitter: 'none' },
      },
      { clock, fetch },
    );
    sink.send(page('a'));
    expect(sink.stats.queued).toBe(1); // queued, not sent: the caller did not wait
    await clock.advance(10_000);
    // 0: 500 → wait 500; 500: hangs, timeout at 1500 → wait 1000; 2500: 503 → wait 2000; 4500: ok.
    expect(calls).toEqual([0, 500, 2_500, 4_500]);
    expect(sink.stats).toMatchObject({ delivered: 1, retries: 3, failed: 0, queued: 0 });
    expect(clock.pendingTimers).toBe(0);
  });

  it('gives a body up after maxAttempts, counts it, and goes on with the next', async () => {
    const clock = new TestClock();
    const { calls, fetch } = scriptedFetch(clock, [500, 500, 500, 200]);
    const sink = createWebhookSink(
      {
        url: 'http://127.0.0.1:1/hook',
        maxAttempts: 3,
        backoff: { initialDelayMs: 10, jitter: 'none' },
      },
      { clock, fetch },
    );
    sink.send(page('a'));
    sink.send(page('b'));
    await clock.advance(1_000);
    expect(calls).toHaveLength(4);
    expect(sink.stats).toMatchObject({ delivered: 1, failed: 1, retries: 2 });
  });

  it('the queue is bounded: the oldest waiting bodies are dropped and counted', async () => {
    const clock = new TestClock();
    const { fetch } = scriptedFetch(clock, ['hang']);
    const sink = createWebhookSink(
      {
        url: 'http://127.0.0.1:1/hook',
        maxQueue: 2,
        timeoutMs: 100,
        backoff: { initialDelayMs: 1 },
      },
      { clock, fetch, random: () => 0.5 },
    );
    for (const agent of ['a', 'b', 'c', 'd', 'e']) sink.send(page(agent));
    expect(sink.stats).toMatchObject({ queued: 2, dropped: 3 });
    await clock.advance(1_000);
    await sink.flush();
    expect(sink.stats).toMatchObject({ delivered: 2, dropped: 3, queued: 0 });
  });

  it('invalid options name their path', () => {
    const err = expectRuntimeError(
      () => createWebhookSink({ url: 'ftp://x', timeoutMs: 0 }),
      'ERR_INVALID_OPTIONS',
    );
    const paths = (err.details as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(paths).toEqual(['url', 'timeoutMs']);
  });
});
