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
export {
  AnomalyDetector,
  createAnomalyDetector,
  DetectorOptionsSchema,
  DirectionSchema,
  DETECTOR_PRESETS,
  isDetectorPreset,
  presetOfSignal,
  Hysteresis,
  MAD_CONSISTENCY,
  median,
  robustStats,
  seriesId,
} from './anomaly/index.js';
export type {
  AnomalyDetectorDeps,
  BaselineView,
  Detection,
  DetectionStatus,
  DetectorConfig,
  DetectorOptions,
  Direction,
  DetectorPreset,
  HysteresisConfig,
  HysteresisState,
  HysteresisTransition,
  RobustStats,
  Sample,
  SeriesKey,
  Band,
} from './anomaly/index.js';
