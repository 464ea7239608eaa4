/**
 * The series a sample belongs to: one baseline is kept per distinct key. `signal` names what is
 * measured (`latency_p95`, `error_rate:<class>`, `cost_per_task`, `steps_per_task`,
 * `tokens_per_call`, `quality_score`, `escalation_rate`); the rest say whose it is. Keep the values
 * bounded (no task or message ids): each key holds a window of samples.
 */
export interface SeriesKey {
  readonly signal: string;
  readonly agent: string;
  readonly version?: string | undefined;
  readonly model?: string | undefined;
  readonly tool?: string | undefined;
}

/** One measurement fed to a detector through `observe`. */
export interface Sample {
  readonly series: SeriesKey;
  readonly value: number;
  /** Wall time of the measurement in ms since the epoch. @default the detector clock's `now()` */
  readonly at?: number | undefined;
}

/** The identity of a series: the same key (in any property order) gives the same string. */
export function seriesId(series: SeriesKey): string {
  return JSON.stringify([
    series.signal,
    series.agent,
    series.version ?? null,
    series.model ?? null,
    series.tool ?? null,
  ]);
}
