export { createLogger, silentLogger, REDACT_PATHS, isSecretKey } from './logger.js';
export type { Logger, CreateLoggerOptions } from './logger.js';
export { createMetricsRegistry, metricValue } from './createMetricsRegistry.js';
export { createPrometheusRegistry, isPrometheusRegistry } from './createPrometheusRegistry.js';
export type { PrometheusRegistry, PrometheusRegistryOptions } from './createPrometheusRegistry.js';
export { DURATION_BUCKETS_SECONDS } from './Metrics.js';
export type {
  MetricsRegistry,
  MetricsSnapshot,
  MetricSeries,
  Counter,
  BoundCounter,
  Gauge,
  Histogram,
  Labels,
  MetricOptions,
  HistogramOptions,
} from './Metrics.js';
