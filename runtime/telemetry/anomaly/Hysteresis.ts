/** The alert state of one series (Prometheus alerting-rule semantics). */
export type HysteresisState = 'inactive' | 'pending' | 'firing';

/**
 * What one evaluation changed: `pending` (first anomalous sample while `forMs` runs),
 * `firing`, `resolved` (a firing series back to normal once `keepFiringForMs` has passed) or
 * `cleared` (a pending series back to normal before it fired).
 */
export type HysteresisTransition = 'pending' | 'firing' | 'resolved' | 'cleared';

/** The durations of {@link Hysteresis}. */
export interface HysteresisConfig {
  readonly forMs: number;
  readonly keepFiringForMs: number;
}

/**
 * `for` and `keep_firing_for` as Prometheus evaluates them, driven by sample times: a condition
 * must hold at every evaluation for `forMs` before the series fires (`forMs` 0: at once), and a
 * firing series keeps firing until `keepFiringForMs` after the last evaluation that held.
 */
export class Hysteresis {
  #state: HysteresisState = 'inactive';
  #activeAt = 0;
  #lastTrueAt = 0;
  readonly #config: HysteresisConfig;

  constructor(config: HysteresisConfig) {
    this.#config = config;
  }

  get state(): HysteresisState {
    return this.#state;
  }

  /** When the current pending or firing episode began (its first anomalous sample). */
  get activeAt(): number | undefined {
    return this.#state === 'inactive' ? undefined : this.#activeAt;
  }

  /** Feeds one evaluation at time `at` (ms); returns the transition it caused, if any. */
  evaluate(holds: boolean, at: number): HysteresisTransition | undefined {
    if (holds) {
      this.#lastTrueAt = at;
      if (this.#state === 'inactive') {
        this.#activeAt = at;
        this.#state = 'pending';
        if (this.#config.forMs > 0) return 'pending';
      }
      if (this.#state === 'pending' && at - this.#activeAt >= this.#config.forMs) {
        this.#state = 'firing';
        return 'firing';
      }
      return undefined;
    }
    if (this.#state === 'pending') {
      this.#state = 'inactive';
      return 'cleared';
    }
    if (this.#state === 'firing' && at - this.#lastTrueAt >= this.#config.keepFiringForMs) {
      this.#state = 'inactive';
      return 'resolved';
    }
    return undefined;
  }
}
