/**
 * Anomaly detection on agent signals: rolling robust baselines (median ± k·MAD), learning,
 * floors, directions, EWMA and seasonal offsets, Prometheus-style hysteresis, and the built-in
 * detector presets. Pure; time from the samples and the injected clock.
 */
export { AnomalyDetector, createAnomalyDetector } from './AnomalyDetector.js';
export type {
  AnomalyDetectorDeps,
  BaselineView,
  Detection,
  DetectionStatus,
} from './AnomalyDetector.js';
export { DetectorOptionsSchema, DirectionSchema } from './DetectorOptionsSchema.js';
export type { DetectorConfig, DetectorOptions, Direction } from './DetectorOptionsSchema.js';
export { DETECTOR_PRESETS, isDetectorPreset, presetOfSignal } from './detectorPresets.js';
export type { DetectorPreset } from './detectorPresets.js';
export { Hysteresis } from './Hysteresis.js';
export type { HysteresisConfig, HysteresisState, HysteresisTransition } from './Hysteresis.js';
export { MAD_CONSISTENCY, median, robustStats } from './robustStats.js';
export type { RobustStats } from './robustStats.js';
export { seriesId } from './Sample.js';
export type { Sample, SeriesKey } from './Sample.js';
export type { Band } from './SeriesBaseline.js';
