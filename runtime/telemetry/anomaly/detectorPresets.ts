import type { DetectorOptions } from './DetectorOptionsSchema.js';

/**
 * The built-in detectors, one per agent signal. Each is a direction and a floor in the signal's
 * own units (Prometheus base units: seconds, ratios 0–1); the rest takes the detector defaults
 * (k 3, 30 samples of learning, window 1,000 samples or a day, no hysteresis). Override any of
 * it in a rule (`{ detector: { preset, ...options } }`).
 */
export const DETECTOR_PRESETS = {
  /** p95 latency in seconds: only slower is bad; under 50 ms of change is noise. */
  latency_p95: { direction: 'up', floor: 0.05 },
  /** Error rate (0–1) of one failure class (`error_rate:<class>`): up, at least 1 point. */
  error_rate: { direction: 'up', floor: 0.01 },
  /** Cost per task in the cost unit (USD): up, at least 0.01. */
  cost_per_task: { direction: 'up', floor: 0.01 },
  /** Reasoning steps per task: up (loops), at least 2 steps. */
  steps_per_task: { direction: 'up', floor: 2 },
  /** Tokens per model call: both ways (runaway prompts, truncated answers), at least 200. */
  tokens_per_call: { direction: 'both', floor: 200 },
  /** Quality score (0–1, an evaluation's score): only lower is bad, at least 0.05. */
  quality_score: { direction: 'down', floor: 0.05 },
  /** Escalations per task (0–1): up, at least 2 points. */
  escalation_rate: { direction: 'up', floor: 0.02 },
} as const satisfies Record<string, DetectorOptions>;

/** The name of a built-in detector. */
export type DetectorPreset = keyof typeof DETECTOR_PRESETS;

/** True when `name` is a built-in detector. */
export function isDetectorPreset(name: string): name is DetectorPreset {
  return Object.hasOwn(DETECTOR_PRESETS, name);
}

/**
 * The preset a signal belongs to: the signal name up to its first `:` (`error_rate:timeout` →
 * `error_rate`); `undefined` for a signal no preset covers.
 */
export function presetOfSignal(signal: string): DetectorPreset | undefined {
  const colon = signal.indexOf(':');
  const name = colon === -1 ? signal : signal.slice(0, colon);
  return isDetectorPreset(name) ? name : undefined;
}
