/** Label values of one metric series. */
export type Labels = Readonly<Record<string, string>>;

/** A monotonically increasing count. */
export interface Counter {
  inc(labels?: Labels, value?: number): void;
  /** A child bound to fixed labels: the cheap form for hot paths. */
  bind(labels: Labels): BoundCounter;
}

/** A counter bound to one label set. */
export interface BoundCounter {
  inc(value?: number): void;
  readonly value: number;
}

/** A value that goes up and down. */
export interface Gauge {
  set(value: number, labels?: Labels): void;
  inc(labels?: Labels, value?: number): void;
  dec(labels?: Labels, value?: number): void;
}

/** A distribution of observed values (latencies, sizes). */
export interface Histogram {
  observe(value: number, labels?: Labels): void;
}

/** One series in a {@link MetricsSnapshot}. */
export interface MetricSeries {
  readonly labels: Labels;
  /** Counter or gauge value; for histograms the sum of observations. */
  readonly value: number;
  /** Histograms only: the number of observations. */
  readonly count?: number;
}

/** A point-in-time read of every metric, by name. */
export type MetricsSnapshot = Readonly<
  Record<
    string,
    {
      readonly type: 'counter' | 'gauge' | 'histogram';
      readonly help: string;
      readonly series: readonly MetricSeries[];
    }
  >
>;

/**
 * Where components register their metrics. The interface is what the runtime depends on; the
 * in-memory registry below is the default, and a Prometheus exporter plugs in behind it later.
 */
export interface MetricsRegistry {
  counter(name: string, help: string): Counter;
  gauge(name: string, help: string): Gauge;
  histogram(name: string, help: string): Histogram;
  /** Reads every metric. */
  snapshot(): MetricsSnapshot;
}
