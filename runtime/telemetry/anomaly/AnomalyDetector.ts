import type { Clock } from '../../clock/index.js';
import { systemClock } from '../../clock/index.js';
import { parseOptions } from '../../errors/index.js';
import { Listeners, type Disposable } from '../../events/index.js';
import {
  DetectorOptionsSchema,
  type DetectorConfig,
  type DetectorOptions,
} from './DetectorOptionsSchema.js';
import { Hysteresis, type HysteresisState, type HysteresisTransition } from './Hysteresis.js';
import { seriesId, type Sample, type SeriesKey } from './Sample.js';
import { SeriesBaseline, type Band } from './SeriesBaseline.js';

/**
 * What a series is after a sample: `learning` (fewer than `minSamples`, or no season of history
 * yet), `normal`, `pending` (anomalous, `forMs` not yet over), `firing`, or `ignored` (a value
 * that is not a finite number, or a new series past `maxSeries`).
 */
export type DetectionStatus = 'learning' | 'normal' | 'pending' | 'firing' | 'ignored';

/** The verdict on one observed sample. */
export interface Detection {
  readonly series: SeriesKey;
  readonly value: number;
  readonly at: number;
  readonly status: DetectionStatus;
  /** This sample was outside the band (in the detector's direction). */
  readonly anomalous: boolean;
  /** The band the sample was judged against; absent while learning. */
  readonly band?: Band | undefined;
  /** Distance from the expected value in robust standard deviations. */
  readonly score?: number | undefined;
  /** The hysteresis change this sample caused, if any. */
  readonly transition?: HysteresisTransition | undefined;
  /** When the current pending/firing episode began. */
  readonly activeAt?: number | undefined;
}

/** What {@link AnomalyDetector.baseline} reports about one series. */
export interface BaselineView {
  readonly status: 'learning' | 'ready';
  readonly count: number;
  readonly state: HysteresisState;
  readonly band?: Band | undefined;
}

/** Capabilities of a detector. */
export interface AnomalyDetectorDeps {
  /** Stamps samples given without `at`. @default systemClock */
  readonly clock?: Clock;
  /** Most series kept; samples of further series are `ignored` and counted. @default 10_000 */
  readonly maxSeries?: number;
}

interface SeriesState {
  readonly baseline: SeriesBaseline;
  readonly hysteresis: Hysteresis;
}

/**
 * Rolling robust baselines per series (agent, version, model, tool), with a learning state,
 * direction, floor and hysteresis. Pure: no timers; time comes from each sample's `at` (stamped
 * from the injected clock when absent), so a replay of the same samples gives the same verdicts.
 */
export class AnomalyDetector {
  readonly config: DetectorConfig;
  readonly #clock: Clock;
  readonly #maxSeries: number;
  readonly #series = new Map<string, SeriesState>();
  readonly #transitions = new Listeners<Detection>();
  #ignoredSeries = 0;

  constructor(config: DetectorConfig, deps: AnomalyDetectorDeps = {}) {
    this.config = config;
    this.#clock = deps.clock ?? systemClock;
    this.#maxSeries = deps.maxSeries ?? 10_000;
  }

  /** Judges `sample` against its series' band, then adds it to the window. */
  observe(sample: Sample): Detection {
    const at = sample.at ?? this.#clock.now();
    const base = { series: sample.series, value: sample.value, at };
    if (!Number.isFinite(sample.value) || !Number.isFinite(at))
      return { ...base, status: 'ignored', anomalous: false };
    const state = this.#stateOf(sample.series);
    if (state === undefined) return { ...base, status: 'ignored', anomalous: false };
    const assessment = state.baseline.assess(sample.value, at);
    state.baseline.add(sample.value, at);
    if (assessment.status === 'learning') {
      return { ...base, status: 'learning', anomalous: false };
    }
    const { anomalous, score, status: _status, ...band } = assessment;
    const transition = state.hysteresis.evaluate(anomalous, at);
    const detection: Detection = {
      ...base,
      status: statusOf(state.hysteresis.state),
      anomalous,
      band,
      score,
      transition,
      activeAt: state.hysteresis.activeAt,
    };
    if (transition !== undefined) this.#transitions.emit(detection);
    return detection;
  }

  /** The current baseline of `series` (its band at `at`, default now); `undefined` if unseen. */
  baseline(series: SeriesKey, at: number = this.#clock.now()): BaselineView | undefined {
    const state = this.#series.get(seriesId(series));
    if (state === undefined) return undefined;
    const band = state.baseline.band(at);
    return {
      status: band === undefined ? 'learning' : 'ready',
      count: state.baseline.count,
      state: state.hysteresis.state,
      band,
    };
  }

  /** Calls `listener` on every hysteresis change (pending, firing, resolved, cleared). */
  onTransition(listener: (detection: Detection) => void): Disposable {
    return this.#transitions.add(listener);
  }

  /** Series with a baseline. */
  get seriesCount(): number {
    return this.#series.size;
  }

  /** Samples ignored because their series would have passed `maxSeries`. */
  get ignoredSeriesSamples(): number {
    return this.#ignoredSeries;
  }

  #stateOf(series: SeriesKey): SeriesState | undefined {
    const id = seriesId(series);
    let state = this.#series.get(id);
    if (state === undefined) {
      if (this.#series.size >= this.#maxSeries) {
        this.#ignoredSeries++;
        return undefined;
      }
      state = {
        baseline: new SeriesBaseline(this.config),
        hysteresis: new Hysteresis(this.config),
      };
      this.#series.set(id, state);
    }
    return state;
  }
}

function statusOf(state: HysteresisState): DetectionStatus {
  return state === 'inactive' ? 'normal' : state;
}

/**
 * Creates an {@link AnomalyDetector}: defaults k = 3 (× 1.4826 · MAD), 30 samples of learning,
 * a window of 1,000 samples or one day, floor 0, both directions, no hysteresis.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS naming each invalid path.
 */
export function createAnomalyDetector(
  options: DetectorOptions = {},
  deps: AnomalyDetectorDeps = {},
): AnomalyDetector {
  return new AnomalyDetector(
    parseOptions(DetectorOptionsSchema, options, 'anomaly detector'),
    deps,
  );
}
