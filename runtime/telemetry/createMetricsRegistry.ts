import type {
  BoundCounter,
  Counter,
  Gauge,
  Histogram,
  Labels,
  MetricSeries,
  MetricsRegistry,
  MetricsSnapshot,
} from './Metrics.js';

interface Series {
  labels: Labels;
  value: number;
  count: number;
}

interface Family {
  readonly type: 'counter' | 'gauge' | 'histogram';
  readonly help: string;
  readonly series: Map<string, Series>;
}

const NO_LABELS: Labels = Object.freeze({});

function keyOf(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  keys.sort();
  return keys.map((k) => `${k}=${labels[k] ?? ''}`).join(',');
}

/**
 * An in-memory {@link MetricsRegistry}. Registering a name twice returns the same metric;
 * registering it with another type throws, since one name means one thing.
 */
export function createMetricsRegistry(): MetricsRegistry {
  const families = new Map<string, Family>();

  const family = (name: string, type: Family['type'], help: string): Family => {
    const existing = families.get(name);
    if (existing !== undefined) {
      if (existing.type !== type) {
        throw new TypeError(`Metric ${name} is already registered as a ${existing.type}`);
      }
      return existing;
    }
    const created: Family = { type, help, series: new Map() };
    families.set(name, created);
    return created;
  };

  const seriesOf = (f: Family, labels: Labels = NO_LABELS): Series => {
    const key = keyOf(labels);
    let s = f.series.get(key);
    if (s === undefined) {
      s = { labels: { ...labels }, value: 0, count: 0 };
      f.series.set(key, s);
    }
    return s;
  };

  return {
    counter(name, help): Counter {
      const f = family(name, 'counter', help);
      return {
        inc(labels, value = 1) {
          seriesOf(f, labels).value += value;
        },
        bind(labels): BoundCounter {
          const s = seriesOf(f, labels);
          return {
            inc(value = 1) {
              s.value += value;
            },
            get value() {
              return s.value;
            },
          };
        },
      };
    },
    gauge(name, help): Gauge {
      const f = family(name, 'gauge', help);
      return {
        set(value, labels) {
          seriesOf(f, labels).value = value;
        },
        inc(labels, value = 1) {
          seriesOf(f, labels).value += value;
        },
        dec(labels, value = 1) {
          seriesOf(f, labels).value -= value;
        },
      };
    },
    histogram(name, help): Histogram {
      const f = family(name, 'histogram', help);
      return {
        observe(value, labels) {
          const s = seriesOf(f, labels);
          s.value += value;
          s.count += 1;
        },
      };
    },
    snapshot(): MetricsSnapshot {
      const out: Record<string, { type: Family['type']; help: string; series: MetricSeries[] }> =
        {};
      for (const [name, f] of families) {
        out[name] = {
          type: f.type,
          help: f.help,
          series: [...f.series.values()].map((s) =>
            f.type === 'histogram'
              ? { labels: s.labels, value: s.value, count: s.count }
              : { labels: s.labels, value: s.value },
          ),
        };
      }
      return out;
    },
  };
}

/** The value of one counter or gauge series in a snapshot (0 when absent): for tests and reports. */
export function metricValue(
  snapshot: MetricsSnapshot,
  name: string,
  labels: Labels = NO_LABELS,
): number {
  const key = keyOf(labels);
  return snapshot[name]?.series.find((s) => keyOf(s.labels) === key)?.value ?? 0;
}
