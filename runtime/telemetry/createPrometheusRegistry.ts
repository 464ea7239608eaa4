import * as prom from 'prom-client';
import { ErrorCode, RuntimeError } from '../errors/index.js';
import {
  DURATION_BUCKETS_SECONDS,
  type BoundCounter,
  type Counter,
  type Gauge,
  type Histogram,
  type HistogramOptions,
  type Labels,
  type MetricOptions,
  type MetricSeries,
  type MetricsRegistry,
  type MetricsSnapshot,
} from './Metrics.js';

/** Options of {@link createPrometheusRegistry}. */
export interface PrometheusRegistryOptions {
  /**
   * Also collect prom-client's default process metrics (CPU, memory, event loop lag, GC) into
   * this registry; they are in the exposition, not in `snapshot()`. @default false
   */
  readonly defaultMetrics?: boolean;
  /** Prefix of the default process metrics' names. @default 'agentvisor_' */
  readonly defaultMetricsPrefix?: string;
}

/** A {@link MetricsRegistry} that renders the Prometheus text exposition format. */
export interface PrometheusRegistry extends MetricsRegistry {
  /** The exposition's HTTP content type (`text/plain; version=0.0.4; charset=utf-8`). */
  readonly contentType: string;
  /** Every metric (and the default process metrics when on) in the Prometheus text format. */
  exposition(): Promise<string>;
}

/** True when `registry` can render the Prometheus text format (a {@link PrometheusRegistry}). */
export function isPrometheusRegistry(registry: MetricsRegistry): registry is PrometheusRegistry {
  return typeof (registry as Partial<PrometheusRegistry>).exposition === 'function';
}

type Kind = 'counter' | 'gauge' | 'histogram';
type PromMetric = prom.Counter | prom.Gauge | prom.Histogram;

/** One series: the value mirrored for `snapshot()` beside prom-client's child that exports it. */
interface Series {
  readonly labels: Labels;
  value: number;
  count: number;
  readonly child: PromChild;
}

interface PromChild {
  inc?(value: number): void;
  dec?(value: number): void;
  set?(value: number): void;
  observe?(value: number): void;
}

interface Family {
  readonly name: string;
  readonly kind: Kind;
  readonly help: string;
  readonly buckets: readonly number[];
  /** Sorted label names; `undefined` until declared or fixed by the first use. */
  labelNames: readonly string[] | undefined;
  metric: PromMetric | undefined;
  readonly series: Map<string, Series>;
}

const NO_LABELS: Labels = Object.freeze({});

/**
 * Creates a {@link MetricsRegistry} backed by prom-client, on its own prom-client `Registry`
 * (never the global one, so two systems in one process do not share series). Pass it as the
 * `metrics` of an ActorSystem (or a ClusterNode) and serve it with `serveMetrics`.
 *
 * Prometheus fixes a metric's label names up front. Give them at registration
 * (`counter(name, help, { labelNames })`); a metric registered without them takes the label
 * names of its first use. Either way, a later use with another set of label names throws, as
 * does registering a name again with another type or other label names. Histograms take
 * `buckets` (default: OTel GenAI's duration buckets in seconds, 0.01 doubling to 81.92).
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS for an invalid metric or label name, a second
 *   registration that disagrees with the first, or a use whose label names differ from the
 *   metric's.
 * @example
 * const metrics = createPrometheusRegistry({ defaultMetrics: true });
 * const system = createActorSystem({}, { metrics });
 * await using server = await serveMetrics(system, { port: 9464 });
 */
export function createPrometheusRegistry(
  options: PrometheusRegistryOptions = {},
): PrometheusRegistry {
  const registry = new prom.Registry();
  if (options.defaultMetrics === true) {
    prom.collectDefaultMetrics({
      register: registry,
      prefix: options.defaultMetricsPrefix ?? 'agentvisor_',
    });
  }
  const families = new Map<string, Family>();

  const family = (
    name: string,
    kind: Kind,
    help: string,
    opts: HistogramOptions | undefined,
  ): Family => {
    const declared = opts?.labelNames === undefined ? undefined : [...opts.labelNames].sort();
    const existing = families.get(name);
    if (existing !== undefined) {
      if (existing.kind !== kind) {
        throw invalid(`Metric ${name} is already registered as a ${existing.kind}`, { name });
      }
      if (declared !== undefined) fixLabels(existing, declared);
      return existing;
    }
    const created: Family = {
      name,
      kind,
      help,
      buckets: opts?.buckets ?? DURATION_BUCKETS_SECONDS,
      labelNames: undefined,
      metric: undefined,
      series: new Map(),
    };
    if (declared !== undefined) fixLabels(created, declared);
    else if (!prom.validateMetricName(name)) throw invalid(`Invalid metric name ${name}`, { name });
    families.set(name, created);
    return created;
  };

  /** Sets (or checks) the family's label names and creates its prom-client metric once. */
  const fixLabels = (f: Family, names: readonly string[]): void => {
    if (f.labelNames !== undefined) {
      if (!sameNames(f.labelNames, names)) {
        throw invalid(
          `Metric ${f.name} has labels [${f.labelNames.join(', ')}], got [${names.join(', ')}]`,
          { name: f.name, labelNames: f.labelNames, got: names },
        );
      }
      return;
    }
    const config = { name: f.name, help: f.help, labelNames: names, registers: [registry] };
    try {
      f.metric =
        f.kind === 'counter'
          ? new prom.Counter(config)
          : f.kind === 'gauge'
            ? new prom.Gauge(config)
            : new prom.Histogram({ ...config, buckets: [...f.buckets] });
    } catch (cause) {
      throw invalid(`Metric ${f.name}: ${(cause as Error).message}`, { name: f.name }, cause);
    }
    f.labelNames = names;
  };

  const seriesOf = (f: Family, labels: Labels = NO_LABELS): Series => {
    const key = keyOf(labels);
    const found = f.series.get(key);
    if (found !== undefined) return found;
    const names = Object.keys(labels).sort();
    fixLabels(f, names);
    const metric = f.metric as PromMetric;
    const child = (names.length === 0 ? metric : metric.labels(labels)) as PromChild;
    if (f.kind !== 'histogram' && names.length > 0) child.inc?.(0); // export the series at 0
    const s: Series = { labels: { ...labels }, value: 0, count: 0, child };
    f.series.set(key, s);
    return s;
  };

  return {
    contentType: registry.contentType,
    exposition: () => registry.metrics(),
    counter(name, help, opts?: MetricOptions): Counter {
      const f = family(name, 'counter', help, opts);
      const add = (s: Series, value: number) => {
        s.child.inc?.(value); // throws before the mirror moves on a negative value
        s.value += value;
      };
      return {
        inc(labels, value = 1) {
          add(seriesOf(f, labels), value);
        },
        bind(labels): BoundCounter {
          const s = seriesOf(f, labels);
          return {
            inc(value = 1) {
              add(s, value);
            },
            get value() {
              return s.value;
            },
          };
        },
      };
    },
    gauge(name, help, opts?: MetricOptions): Gauge {
      const f = family(name, 'gauge', help, opts);
      return {
        set(value, labels) {
          const s = seriesOf(f, labels);
          s.child.set?.(value);
          s.value = value;
        },
        inc(labels, value = 1) {
          const s = seriesOf(f, labels);
          s.child.inc?.(value);
          s.value += value;
        },
        dec(labels, value = 1) {
          const s = seriesOf(f, labels);
          s.child.dec?.(value);
          s.value -= value;
        },
      };
    },
    histogram(name, help, opts?: HistogramOptions): Histogram {
      const f = family(name, 'histogram', help, opts);
      return {
        observe(value, labels) {
          const s = seriesOf(f, labels);
          s.child.observe?.(value);
          s.value += value;
          s.count += 1;
        },
      };
    },
    snapshot(): MetricsSnapshot {
      const out: Record<string, { type: Kind; help: string; series: MetricSeries[] }> = {};
      for (const [name, f] of families) {
        out[name] = {
          type: f.kind,
          help: f.help,
          series: [...f.series.values()].map((s) =>
            f.kind === 'histogram'
              ? { labels: s.labels, value: s.value, count: s.count }
              : { labels: s.labels, value: s.value },
          ),
        };
      }
      return out;
    },
  };
}

// --- internals ---

function keyOf(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  keys.sort();
  return keys.map((k) => `${k}=${labels[k] ?? ''}`).join('\u0000');
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

function invalid(message: string, details: Record<string, unknown>, cause?: unknown): RuntimeError {
  return new RuntimeError(ErrorCode.InvalidOptions, message, {
    details,
    ...(cause === undefined ? {} : { cause }),
  });
}
