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

/** Options of a counter or gauge at registration. */
export interface MetricOptions {
  /**
   * The metric's label names, declared up front (what Prometheus wants). Every use must then give
   * exactly these labels. Without them, the first use fixes the label names (Prometheus
   * registry) or any set is accepted (in-memory registry).
   */
  readonly labelNames?: readonly string[];
}

/** Options of a histogram at registration. */
export interface HistogramOptions extends MetricOptions {
  /**
   * Upper bounds of the buckets, increasing (`+Inf` is implied).
   * @default {@link DURATION_BUCKETS_SECONDS} (OTel GenAI duration buckets)
   */
  readonly buckets?: readonly number[];
}

/**
 * OTel GenAI's buckets for durations in seconds (`gen_ai.client.operation.duration`):
 * 0.01 doubling up to 81.92.
 */
export const DURATION_BUCKETS_SECONDS: readonly number[] = Object.freeze(
  Array.from({ length: 14 }, (_, i) => 0.01 * 2 ** i).map((b) => Math.round(b * 100) / 100),
);

/**
 * Where components register their metrics. The interface is what the runtime depends on: the
 * in-memory registry ({@link createMetricsRegistry}) is the default, the Prometheus registry
 * ({@link createPrometheusRegistry}) is the one a `/metrics` endpoint serves.
 *
 * Registering a name twice returns the same metric; another type, or other declared label names,
 * throws.
 */
export interface MetricsRegistry {
  counter(name: string, help: string, options?: MetricOptions): Counter;
  gauge(name: string, help: string, options?: MetricOptions): Gauge;
  histogram(name: string, help: string, options?: HistogramOptions): Histogram;
  /** Reads every metric registered through this interface. */
  snapshot(): MetricsSnapshot;
}
