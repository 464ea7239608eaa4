import { describe, expect, it } from 'vitest';
import {
  createAnomalyDetector,
  robustStats,
  type DetectorOptions,
  type Detection,
} from 'agentvisor/internal';
import { TestClock, expectRuntimeError } from 'agentvisor/testing';
import { DAY, MINUTE, diurnalWeek, samples, series, stationary } from './fixtures.js';

const T0 = 1_700_000_000_000;

function run(values: readonly number[], options: DetectorOptions, startAt = T0, interval = MINUTE) {
  const clock = new TestClock(startAt);
  const detector = createAnomalyDetector(options, { clock });
  const fired: Detection[] = [];
  detector.onTransition((d) => {
    if (d.transition === 'firing') fired.push(d);
  });
  const detections = samples(values, startAt, interval).map((s) => detector.observe(s));
  return { detector, detections, fired };
}

describe('AnomalyDetector on a stationary series', () => {
  it('a 6σ spike on N(100, 5) is exactly one anomaly, at the spike (defaults, k = 3)', () => {
    const values = stationary(120, 100, 5, 7);
    values[90] = 100 + 6 * 5;
    const { detections, fired } = run(values, {});
    expect(fired).toHaveLength(1);
    expect(fired[0]?.at).toBe(T0 + 90 * MINUTE);
    expect(detections.filter((d) => d.anomalous)).toHaveLength(1);
    // With keepFiringForMs 0 the next normal sample resolves it.
    expect(detections[91]?.transition).toBe('resolved');
  });

  it('the 6σ spike is found on 20 seeds; false alarms on N(100, 5) at k = 3 are measured', () => {
    let evaluated = 0;
    let anomalous = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const values = stationary(600, 100, 5, seed);
      values[500] = 100 + 6 * 5;
      const { detections } = run(values, {});
      expect(detections[500]?.anomalous).toBe(true); // the spike, found on every seed
      evaluated += detections.filter((d, i) => d.status !== 'learning' && i !== 500).length;
      anomalous += detections.filter((d, i) => d.anomalous && i !== 500).length;
    }
    const rate = anomalous / evaluated;
    // Gaussian 3σ two-sided is 0.27 %; a window estimate is a little wider in the tails.
    expect(rate).toBeLessThan(0.006);
    console.info(
      `stationary false-alarm rate per sample (k=3, no for): ${(rate * 100).toFixed(3)} %`,
    );
  }, 30_000);

  it('10 % outliers move the robust band by at most 5 %', () => {
    const clean = stationary(1_000, 100, 5, 11);
    const dirty = clean.map((v, i) => (i % 10 === 0 ? 1_000 : v));
    const options = { maxSamples: 1_000, maxAgeMs: 0 };
    const end = T0 + 1_000 * MINUTE;
    const a = run(clean, options).detector.baseline(series, end)?.band;
    const b = run(dirty, options).detector.baseline(series, end)?.band;
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    if (a === undefined || b === undefined) return;
    const moved = (x: number, y: number): number => Math.abs(y - x) / Math.abs(x);
    expect(moved(a.upper, b.upper)).toBeLessThanOrEqual(0.05);
    expect(moved(a.lower, b.lower)).toBeLessThanOrEqual(0.05);
    expect(moved(a.expected, b.expected)).toBeLessThanOrEqual(0.05);
    // A mean ± 3·sd band on the same data moves far more (the reason for median ± k·MAD).
    const mean = dirty.reduce((s, v) => s + v, 0) / dirty.length;
    const sd = Math.sqrt(dirty.reduce((s, v) => s + (v - mean) ** 2, 0) / dirty.length);
    expect(moved(a.upper, mean + 3 * sd)).toBeGreaterThan(1);
    console.info(
      `10 % outliers: robust upper moved ${(moved(a.upper, b.upper) * 100).toFixed(2)} %, ` +
        `lower ${(moved(a.lower, b.lower) * 100).toFixed(2)} %; mean ± 3σ upper moved ` +
        `${(moved(a.upper, mean + 3 * sd) * 100).toFixed(0)} %`,
    );
  }, 30_000);
});

describe('AnomalyDetector learning, floor, direction', () => {
  it('fewer than minSamples samples: learning and no alert, however wild', () => {
    const values = Array.from({ length: 29 }, (_, i) => (i % 2 === 0 ? 1 : 1_000_000));
    const { detections, fired } = run(values, { minSamples: 30 });
    expect(detections.every((d) => d.status === 'learning')).toBe(true);
    expect(fired).toHaveLength(0);
  });

  it('the 31st sample of a 30-sample minimum is judged', () => {
    const values = [...stationary(30, 100, 5, 3), 1_000];
    const { detections, fired } = run(values, {});
    expect(detections[30]).toMatchObject({ status: 'firing', anomalous: true });
    expect(fired).toHaveLength(1);
  });

  it('the floor keeps a zero-MAD series quiet for small changes', () => {
    const values = [...Array.from({ length: 40 }, () => 0), 0.004, 0.02];
    const { detections } = run(values, { floor: 0.01, direction: 'up' });
    expect(detections[40]?.anomalous).toBe(false);
    expect(detections[41]?.anomalous).toBe(true);
  });

  it('direction up ignores drops; down ignores rises', () => {
    const base = stationary(40, 100, 1, 5);
    const up = run([...base, 50, 150], { direction: 'up' }).detections;
    expect([up[40]?.anomalous, up[41]?.anomalous]).toEqual([false, true]);
    const down = run([...base, 50, 150], { direction: 'down' }).detections;
    expect([down[40]?.anomalous, down[41]?.anomalous]).toEqual([true, false]);
  });

  it('non-finite values are ignored and do not enter the window', () => {
    const { detections, detector } = run([Number.NaN, Infinity, 1], {});
    expect(detections.map((d) => d.status)).toEqual(['ignored', 'ignored', 'learning']);
    expect(detector.baseline(series)?.count).toBe(1);
  });
});

describe('AnomalyDetector hysteresis', () => {
  const base = stationary(40, 100, 1, 9);

  it('forMs: pending until anomalous for the whole duration, cleared by one normal sample', () => {
    const { detections, fired } = run([...base, 200, 200, 100, 200, 200, 200], {
      forMs: 2 * MINUTE,
    });
    expect(detections.slice(40).map((d) => d.transition)).toEqual([
      'pending',
      undefined,
      'cleared',
      'pending',
      undefined,
      'firing',
    ]);
    expect(fired).toHaveLength(1);
  });

  it('keepFiringForMs holds a firing series through normal samples', () => {
    const { detections } = run([...base, 200, 100, 100, 100], { keepFiringForMs: 2 * MINUTE });
    expect(detections.slice(40).map((d) => d.status)).toEqual([
      'firing',
      'firing',
      'normal',
      'normal',
    ]);
    expect(detections[42]?.transition).toBe('resolved');
  });
});

describe('AnomalyDetector seasonality and start offset', () => {
  const fiveMin = 5 * MINUTE;

  it('a diurnal week with seasonality on raises 0 alerts (and with it off, some)', () => {
    const week = diurnalWeek(21);
    const common = { forMs: 10 * MINUTE, maxAgeMs: DAY };
    const off = run(week, common, T0, fiveMin);
    const on = run(week, { ...common, seasonal: { periodMs: DAY } }, T0, fiveMin);
    expect(off.fired.length).toBeGreaterThan(0);
    expect(on.fired).toHaveLength(0);
    // The first day is learning: it has no season of history.
    expect(on.detections[DAY / fiveMin - 1]?.status).toBe('learning');
    expect(on.detections[DAY / fiveMin + 40]?.status).toBe('normal');
    console.info(`diurnal week: ${off.fired.length} alerts without seasonality, 0 with it`);
  }, 30_000);

  it('a spike on a seasonal series is still found', () => {
    const week = diurnalWeek(22);
    const i = 5 * (DAY / fiveMin) + 3 * 12; // 03:00 on day 6: the night level
    week[i] = 60;
    const on = run(week, { seasonal: { periodMs: DAY } }, T0, fiveMin);
    expect(on.detections[i]?.anomalous).toBe(true);
  }, 30_000);

  it('the start offset does not change the verdicts', () => {
    const values = stationary(300, 100, 5, 7);
    values[200] = 130;
    const week = diurnalWeek(21);
    const offsets = [0, 3.7 * DAY + 12_345, -123_456_789];
    for (const [fixture, options, interval] of [
      [values, { ewma: { alpha: 0.2 } }, MINUTE],
      [week, { seasonal: { periodMs: DAY }, forMs: 10 * MINUTE }, fiveMin],
    ] as const) {
      const verdicts = offsets.map((offset) =>
        run(fixture, options, T0 + offset, interval).detections.map((d) => [
          d.status,
          d.anomalous,
          d.transition,
        ]),
      );
      expect(verdicts[1]).toEqual(verdicts[0]);
      expect(verdicts[2]).toEqual(verdicts[0]);
    }
  }, 30_000);

  it('EWMA follows a drifting level that a plain median lags behind', () => {
    const drift = Array.from({ length: 400 }, (_, i) => 100 + i * 0.5 + (i % 2 === 0 ? 1 : -1));
    const end = T0 + 400 * MINUTE;
    const last = 100 + 400 * 0.5;
    const plain = run(drift, { maxSamples: 300 }).detector.baseline(series, end)?.band;
    const ewma = run(drift, { maxSamples: 300, ewma: { alpha: 0.3 } }).detector.baseline(
      series,
      end,
    )?.band;
    expect(last - (plain?.expected ?? 0)).toBeGreaterThan(40);
    expect(Math.abs(last - (ewma?.expected ?? 0))).toBeLessThan(5);
  });
});

describe('createAnomalyDetector options', () => {
  it('invalid options: ERR_INVALID_OPTIONS naming each path', () => {
    const err = expectRuntimeError(
      () =>
        createAnomalyDetector({ k: -1, minSamples: 50, maxSamples: 10, seasonal: { periodMs: 0 } }),
      'ERR_INVALID_OPTIONS',
    );
    const paths = (err.details as { issues: { path: string }[] }).issues.map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['k', 'seasonal.periodMs']));
  });

  it('robustStats uses the 1.4826 consistency constant', () => {
    const stats = robustStats([1, 2, 3, 4, 100]);
    expect(stats).toEqual({ median: 3, mad: 1, sigma: 1.4826 });
  });
});
