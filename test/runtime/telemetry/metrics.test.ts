import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { createLogger, createMetricsRegistry, metricValue } from 'agentvisor';

describe('metrics', () => {
  it('counts with a counter, per label set, 1 by default', () => {
    const metrics = createMetricsRegistry();
    const sent = metrics.counter('sent_total', 'Messages sent');
    sent.inc();
    sent.inc(undefined, 4);
    sent.inc({ to: 'a' });
    sent.inc({ to: 'b' }, 2);
    const snapshot = metrics.snapshot();
    expect(snapshot['sent_total']).toEqual({
      type: 'counter',
      help: 'Messages sent',
      series: [
        { labels: {}, value: 5 },
        { labels: { to: 'a' }, value: 1 },
        { labels: { to: 'b' }, value: 2 },
      ],
    });
    expect(metricValue(snapshot, 'sent_total')).toBe(5);
    expect(metricValue(snapshot, 'sent_total', { to: 'b' })).toBe(2);
  });

  it('treats label sets as equal whatever the order of their keys', () => {
    const metrics = createMetricsRegistry();
    const c = metrics.counter('c', 'help');
    c.inc({ a: '1', b: '2' });
    c.inc({ b: '2', a: '1' });
    expect(metrics.snapshot()['c']?.series).toHaveLength(1);
    expect(metricValue(metrics.snapshot(), 'c', { b: '2', a: '1' })).toBe(2);
  });

  it('binds a counter to fixed labels: the bound child shares the series', () => {
    const metrics = createMetricsRegistry();
    const c = metrics.counter('processed_total', 'help');
    const bound = c.bind({ actor: 'x' });
    bound.inc();
    bound.inc(9);
    c.inc({ actor: 'x' });
    expect(bound.value).toBe(11);
    expect(metricValue(metrics.snapshot(), 'processed_total', { actor: 'x' })).toBe(11);
    expect(c.bind({ actor: 'x' }).value).toBe(11);
  });

  it('sets, raises and lowers a gauge', () => {
    const metrics = createMetricsRegistry();
    const g = metrics.gauge('mailbox_size', 'Queued messages');
    g.set(10);
    g.inc();
    g.dec(undefined, 4);
    g.set(3, { actor: 'a' });
    g.dec({ actor: 'a' });
    const snapshot = metrics.snapshot();
    expect(snapshot['mailbox_size']?.type).toBe('gauge');
    expect(metricValue(snapshot, 'mailbox_size')).toBe(7);
    expect(metricValue(snapshot, 'mailbox_size', { actor: 'a' })).toBe(2);
  });

  it('sums and counts histogram observations', () => {
    const metrics = createMetricsRegistry();
    const h = metrics.histogram('latency_ms', 'Latency');
    h.observe(5);
    h.observe(15);
    h.observe(7, { route: 'r' });
    expect(metrics.snapshot()['latency_ms']).toEqual({
      type: 'histogram',
      help: 'Latency',
      series: [
        { labels: {}, value: 20, count: 2 },
        { labels: { route: 'r' }, value: 7, count: 1 },
      ],
    });
  });

  it('returns the same metric when a name is registered again with its type', () => {
    const metrics = createMetricsRegistry();
    metrics.counter('c', 'first help').inc();
    metrics.counter('c', 'second help').inc();
    const snapshot = metrics.snapshot();
    expect(metricValue(snapshot, 'c')).toBe(2);
    expect(snapshot['c']?.help).toBe('first help');
  });

  it('throws when a name is registered again with another type', () => {
    const metrics = createMetricsRegistry();
    metrics.counter('m', 'help');
    expect(() => metrics.gauge('m', 'help')).toThrow(TypeError);
    expect(() => metrics.histogram('m', 'help')).toThrow(TypeError);
    metrics.histogram('h', 'help');
    expect(() => metrics.counter('h', 'help')).toThrow(TypeError);
  });

  it('takes a point-in-time snapshot that later updates do not change', () => {
    const metrics = createMetricsRegistry();
    const c = metrics.counter('c', 'help');
    c.inc();
    const before = metrics.snapshot();
    c.inc();
    expect(metricValue(before, 'c')).toBe(1);
    expect(metricValue(metrics.snapshot(), 'c')).toBe(2);
  });

  it('reads 0 for an absent metric or series', () => {
    const metrics = createMetricsRegistry();
    metrics.counter('c', 'help').inc({ a: '1' });
    const snapshot = metrics.snapshot();
    expect(metricValue(snapshot, 'missing')).toBe(0);
    expect(metricValue(snapshot, 'c')).toBe(0);
    expect(metricValue(snapshot, 'c', { a: '2' })).toBe(0);
  });

  it.prop([
    fc.array(
      fc.record({
        labels: fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.constantFrom('x', 'y')),
        by: fc.integer({ min: 0, max: 100 }),
      }),
      { maxLength: 50 },
    ),
  ])('adds up to the sum of increments, per label set and in total', (incs) => {
    const metrics = createMetricsRegistry();
    const c = metrics.counter('c', 'help');
    for (const { labels, by } of incs) c.inc(labels, by);
    const snapshot = metrics.snapshot();
    const total = snapshot['c']?.series.reduce((sum, s) => sum + s.value, 0) ?? 0;
    expect(total).toBe(incs.reduce((sum, i) => sum + i.by, 0));
    for (const { labels } of incs) {
      const expected = incs
        .filter((i) => sameLabels(i.labels, labels))
        .reduce((sum, i) => sum + i.by, 0);
      expect(metricValue(snapshot, 'c', labels)).toBe(expected);
    }
  });
});

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

describe('createLogger', () => {
  function capture() {
    const lines: Record<string, unknown>[] = [];
    const destination = {
      write(line: string) {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      },
    };
    return { lines, destination };
  }

  it('redacts secrets at the top level and one level down', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', destination });
    logger.info(
      {
        token: 't0p-secret',
        password: 'hunter2',
        user: 'alice',
        llm: { apiKey: 'sk-123', token: 'nested', model: 'm' },
        headers: { authorization: 'Bearer abc', accept: 'json' },
      },
      'calling out',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: 'calling out',
      token: '[redacted]',
      password: '[redacted]',
      user: 'alice',
      llm: { apiKey: '[redacted]', token: '[redacted]', model: 'm' },
      headers: { authorization: '[redacted]', accept: 'json' },
    });
    const raw = JSON.stringify(lines);
    for (const secret of ['t0p-secret', 'hunter2', 'sk-123', 'nested', 'Bearer abc']) {
      expect(raw).not.toContain(secret);
    }
  });

  it('redacts in child loggers too, which keep their bindings and the base fields', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'debug', base: { node: 'n1' }, destination });
    logger.child({ actor: 'a' }).debug({ password: 'p' }, 'child');
    expect(lines[0]).toMatchObject({
      node: 'n1',
      actor: 'a',
      password: '[redacted]',
      msg: 'child',
    });
  });

  it('writes nothing below its level', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'warn', destination });
    logger.info('quiet');
    logger.warn('loud');
    expect(lines.map((l) => l['msg'])).toEqual(['loud']);
  });
});
