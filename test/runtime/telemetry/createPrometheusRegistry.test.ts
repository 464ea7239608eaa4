import { describe, expect, it } from 'vitest';
import {
  DURATION_BUCKETS_SECONDS,
  ErrorCode,
  createMetricsRegistry,
  createPrometheusRegistry,
  isPrometheusRegistry,
  isRuntimeError,
  metricValue,
  type MetricsRegistry,
} from 'agentvisor';
import { parseExposition } from 'agentvisor/testing';

function expectInvalid(run: () => unknown): void {
  try {
    run();
  } catch (err) {
    expect(isRuntimeError(err, ErrorCode.InvalidOptions)).toBe(true);
    return;
  }
  expect.fail('expected ERR_INVALID_OPTIONS');
}

/** The same calls on any registry, with consistent label sets (what Prometheus requires). */
function exercise(metrics: MetricsRegistry): void {
  const sent = metrics.counter('sent_total', 'Messages sent');
  sent.inc({ to: 'a' });
  sent.inc({ to: 'b' }, 2);
  sent.bind({ to: 'a' }).inc(3);
  const depth = metrics.gauge('depth', 'Depth', { labelNames: ['kind'] });
  depth.set(5, { kind: 'x' });
  depth.inc({ kind: 'x' });
  depth.dec({ kind: 'y' }, 2);
  const seconds = metrics.histogram('work_seconds', 'Work');
  seconds.observe(0.5, { kind: 'x' });
  seconds.observe(1.5, { kind: 'x' });
  metrics.counter('plain_total', 'No labels').inc();
}

describe('createPrometheusRegistry', () => {
  it('snapshots the same as the in-memory registry for the same calls', () => {
    const memory = createMetricsRegistry();
    const prom = createPrometheusRegistry();
    exercise(memory);
    exercise(prom);
    expect(prom.snapshot()).toEqual(memory.snapshot());
    expect(metricValue(prom.snapshot(), 'sent_total', { to: 'a' })).toBe(4);
    expect(isPrometheusRegistry(prom)).toBe(true);
    expect(isPrometheusRegistry(memory)).toBe(false);
  });

  it('renders the calls in the Prometheus text format', async () => {
    const prom = createPrometheusRegistry();
    exercise(prom);
    expect(prom.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parseExposition(await prom.exposition());
    expect(families.get('sent_total')?.type).toBe('counter');
    expect(families.get('sent_total')?.samples).toContainEqual({
      name: 'sent_total',
      labels: { to: 'a' },
      value: 4,
    });
    expect(families.get('depth')?.samples).toContainEqual({
      name: 'depth',
      labels: { kind: 'y' },
      value: -2,
    });
    const hist = families.get('work_seconds');
    expect(hist?.type).toBe('histogram');
    const count = hist?.samples.find((s) => s.name === 'work_seconds_count');
    expect(count?.value).toBe(2);
  });

  it('fixes undeclared label names at the first use; another set later throws', () => {
    const prom = createPrometheusRegistry();
    const c = prom.counter('c_total', 'help');
    c.inc({ a: '1', b: '2' });
    c.inc({ b: '3', a: '4' }); // key order does not matter
    expectInvalid(() => {
      c.inc({ a: '1' });
    });
    expectInvalid(() => {
      c.inc();
    });
    expect(prom.snapshot()['c_total']?.series).toHaveLength(2);
  });

  it('checks uses against declared label names', () => {
    const prom = createPrometheusRegistry();
    const g = prom.gauge('g', 'help', { labelNames: ['kind'] });
    expectInvalid(() => {
      g.set(1, { other: 'x' });
    });
    expectInvalid(() => {
      g.set(1);
    });
    g.set(1, { kind: 'x' });
    expect(metricValue(prom.snapshot(), 'g', { kind: 'x' })).toBe(1);
  });

  it('returns the same metric for a second registration, refuses another type or labels', () => {
    const prom = createPrometheusRegistry();
    const first = prom.counter('x_total', 'help', { labelNames: ['a'] });
    first.inc({ a: '1' });
    prom.counter('x_total', 'help').inc({ a: '1' });
    prom.counter('x_total', 'help', { labelNames: ['a'] }).inc({ a: '1' });
    expect(metricValue(prom.snapshot(), 'x_total', { a: '1' })).toBe(3);
    expectInvalid(() => prom.gauge('x_total', 'help'));
    expectInvalid(() => prom.counter('x_total', 'help', { labelNames: ['b'] }));
  });

  it('refuses invalid metric and label names', () => {
    const prom = createPrometheusRegistry();
    expectInvalid(() => prom.counter('bad-name', 'help'));
    expectInvalid(() => prom.counter('ok_total', 'help', { labelNames: ['bad-label'] }));
  });

  it('uses the OTel GenAI duration buckets by default, or the given ones', async () => {
    expect(DURATION_BUCKETS_SECONDS[0]).toBe(0.01);
    expect(DURATION_BUCKETS_SECONDS.at(-1)).toBe(81.92);
    expect(DURATION_BUCKETS_SECONDS).toHaveLength(14);
    const prom = createPrometheusRegistry();
    prom.histogram('d_seconds', 'help').observe(0.03);
    prom.histogram('steps', 'help', { buckets: [1, 2, 5] }).observe(3);
    const families = parseExposition(await prom.exposition());
    const les = (name: string) =>
      families
        .get(name)
        ?.samples.filter((s) => s.name === `${name}_bucket`)
        .map((s) => s.labels['le']);
    expect(les('d_seconds')).toEqual([...DURATION_BUCKETS_SECONDS.map(String), '+Inf']);
    expect(les('steps')).toEqual(['1', '2', '5', '+Inf']);
    const steps = families.get('steps')?.samples.filter((s) => s.name === 'steps_bucket');
    expect(steps?.map((s) => s.value)).toEqual([0, 0, 1, 1]);
  });

  it('adds the default process metrics with a prefix when asked, outside the snapshot', async () => {
    const prom = createPrometheusRegistry({ defaultMetrics: true, defaultMetricsPrefix: 'test_' });
    const families = parseExposition(await prom.exposition());
    expect(families.has('test_process_cpu_seconds_total')).toBe(true);
    expect(prom.snapshot()).toEqual({});
  });

  it('keeps two registries apart', () => {
    const a = createPrometheusRegistry();
    const b = createPrometheusRegistry();
    a.counter('same_total', 'help').inc();
    b.counter('same_total', 'help').inc(undefined, 5);
    expect(metricValue(a.snapshot(), 'same_total')).toBe(1);
    expect(metricValue(b.snapshot(), 'same_total')).toBe(5);
  });
});
