import type { Clock } from '../../clock/index.js';
import { systemClock } from '../../clock/index.js';
import { Listeners, type Disposable } from '../../events/index.js';
import {
  AnomalyDetector,
  Hysteresis,
  seriesId,
  type HysteresisTransition,
  type Sample,
  type SeriesKey,
} from '../anomaly/index.js';
import type { Alert } from './Alert.js';
import { alertFingerprint } from './alertFingerprint.js';
import type { Threshold } from './AlertRuleSchema.js';
import type { ResolvedAlertRule } from './parseAlertRules.js';

/** Capabilities of an {@link AlertEvaluator}. */
export interface AlertEvaluatorDeps {
  /** Stamps samples given without `at`. @default systemClock */
  readonly clock?: Clock;
  /** Most series per rule; further series are ignored. @default 10_000 */
  readonly maxSeries?: number;
}

type Judge = (sample: Sample & { at: number }) => {
  transition: HysteresisTransition | undefined;
  expected?: number | undefined;
};

/**
 * Turns samples into alerts: each rule that watches the sample's signal (and agent) judges it
 * (its detector, or its threshold with hysteresis); a `firing` transition gives a firing alert, a
 * `resolved` one the same alert resolved. Pure: no timers.
 */
export class AlertEvaluator {
  readonly #clock: Clock;
  readonly #rules: readonly { readonly rule: ResolvedAlertRule; readonly judge: Judge }[];
  readonly #alerts = new Listeners<Alert>();
  readonly #startedAt = new Map<string, number>();

  constructor(rules: readonly ResolvedAlertRule[], deps: AlertEvaluatorDeps = {}) {
    this.#clock = deps.clock ?? systemClock;
    const maxSeries = deps.maxSeries ?? 10_000;
    this.#rules = rules.map((rule) => ({ rule, judge: judgeOf(rule, maxSeries) }));
  }

  /** Judges `sample` by every rule that watches it; returns the alerts it fired or resolved. */
  observe(sample: Sample): Alert[] {
    const at = sample.at ?? this.#clock.now();
    const stamped = { ...sample, at };
    const out: Alert[] = [];
    for (const { rule, judge } of this.#rules) {
      if (!rule.matches(sample.series.signal)) continue;
      if (rule.agent !== undefined && rule.agent !== sample.series.agent) continue;
      const { transition, expected } = judge(stamped);
      if (transition !== 'firing' && transition !== 'resolved') continue;
      const alert = this.#alert(rule, stamped, transition, expected);
      if (alert !== undefined) out.push(alert);
    }
    for (const alert of out) this.#alerts.emit(alert);
    return out;
  }

  /** Calls `listener` with every alert fired or resolved. */
  onAlert(listener: (alert: Alert) => void): Disposable {
    return this.#alerts.add(listener);
  }

  #alert(
    rule: ResolvedAlertRule,
    sample: Sample & { at: number },
    transition: 'firing' | 'resolved',
    expected: number | undefined,
  ): Alert | undefined {
    const labels = alertLabels(rule, sample.series);
    const fingerprint = alertFingerprint(labels);
    const annotations = {
      summary: `${rule.name}: ${sample.series.signal} of ${sample.series.agent} at ${sample.value}`,
      ...(expected === undefined ? {} : { expected: String(expected) }),
      ...rule.annotations,
    };
    const base = { fingerprint, name: rule.name, severity: rule.severity, labels, annotations };
    if (transition === 'firing') {
      this.#startedAt.set(fingerprint, sample.at);
      return { ...base, status: 'firing', startsAt: sample.at, value: sample.value };
    }
    const startsAt = this.#startedAt.get(fingerprint) ?? sample.at;
    this.#startedAt.delete(fingerprint);
    return { ...base, status: 'resolved', startsAt, endsAt: sample.at, value: sample.value };
  }
}

/** The labels of an alert of `rule` on `series`: series, then rule labels, then name and severity. */
export function alertLabels(rule: ResolvedAlertRule, series: SeriesKey): Record<string, string> {
  const labels: Record<string, string> = { signal: series.signal, agent: series.agent };
  if (series.version !== undefined) labels['version'] = series.version;
  if (series.model !== undefined) labels['model'] = series.model;
  if (series.tool !== undefined) labels['tool'] = series.tool;
  return { ...labels, ...rule.labels, alertname: rule.name, severity: rule.severity };
}

function judgeOf(rule: ResolvedAlertRule, maxSeries: number): Judge {
  if (rule.kind === 'detector') {
    const detector = new AnomalyDetector(rule.detector, { maxSeries });
    return (sample) => {
      const d = detector.observe(sample);
      return { transition: d.transition, expected: d.band?.expected };
    };
  }
  const { threshold } = rule;
  const series = new Map<string, Hysteresis>();
  return (sample) => {
    const id = seriesId(sample.series);
    let h = series.get(id);
    if (h === undefined) {
      if (series.size >= maxSeries || !Number.isFinite(sample.value))
        return { transition: undefined };
      h = new Hysteresis(threshold);
      series.set(id, h);
    }
    if (!Number.isFinite(sample.value)) return { transition: undefined };
    return { transition: h.evaluate(holds(threshold, sample.value), sample.at) };
  };
}

function holds(t: Threshold, value: number): boolean {
  switch (t.op) {
    case '>':
      return value > t.value;
    case '>=':
      return value >= t.value;
    case '<':
      return value < t.value;
    case '<=':
      return value <= t.value;
    case '==':
      return value === t.value;
    case '!=':
      return value !== t.value;
  }
}
