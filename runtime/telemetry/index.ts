export { createLogger, silentLogger, REDACT_PATHS, isSecretKey } from './logger.js';
export type { Logger, CreateLoggerOptions } from './logger.js';
export { createMetricsRegistry, metricValue } from './createMetricsRegistry.js';
export type {
  MetricsRegistry,
  MetricsSnapshot,
  MetricSeries,
  Counter,
  BoundCounter,
  Gauge,
  Histogram,
  Labels,
} from './Metrics.js';
