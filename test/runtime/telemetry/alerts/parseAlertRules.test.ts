import { describe, expect, it } from 'vitest';
import { alertFingerprint, parseAlertRules } from 'agentvisor/internal';
import { expectRuntimeError } from 'agentvisor/testing';

function issuePaths(input: unknown): string[] {
  const err = expectRuntimeError(() => parseAlertRules(input), 'ERR_INVALID_OPTIONS');
  return (err.details as { issues: { path: string }[] }).issues.map((i) => i.path);
}

describe('parseAlertRules', () => {
  it('resolves presets, inline detectors and thresholds with their defaults', () => {
    const rules = parseAlertRules([
      { name: 'Slow', severity: 'warning', when: { detector: 'latency_p95' } },
      { name: 'Errors', severity: 'critical', when: { detector: { preset: 'error_rate', k: 4 } } },
      { name: 'Custom', severity: 'info', when: { detector: { signal: 'queue_depth', floor: 5 } } },
      {
        name: 'Cost',
        severity: 'warning',
        when: { threshold: { signal: 'cost_per_task', op: '>', value: 2 } },
      },
    ]);
    const [slow, errors, custom, cost] = rules;
    expect(slow?.kind === 'detector' && slow.detector).toMatchObject({
      k: 3,
      direction: 'up',
      floor: 0.05,
      minSamples: 30,
    });
    expect(errors?.kind === 'detector' && errors.detector).toMatchObject({ k: 4, floor: 0.01 });
    expect(errors?.matches('error_rate:timeout')).toBe(true);
    expect(errors?.matches('latency_p95')).toBe(false);
    expect(custom?.matches('queue_depth')).toBe(true);
    expect(cost?.kind === 'threshold' && cost.threshold).toMatchObject({ forMs: 0, op: '>' });
  });

  it('invalid rules: ERR_INVALID_OPTIONS with the path of each problem', () => {
    expect(
      issuePaths([
        { name: 'bad name', severity: 'page', when: { detector: 'latency_p95' } },
        { name: 'Ok', severity: 'info', when: { threshold: { signal: 's', op: '~', value: 1 } } },
        { name: 'Ok', severity: 'info', when: { detector: 'latency_p95' }, extra: 1 },
      ]),
    ).toEqual(
      expect.arrayContaining(['rules[0].name', 'rules[0].severity', 'rules[1].when', 'rules[2]']),
    );
    expect(
      issuePaths([
        { name: 'A', severity: 'info', when: { detector: { preset: 'latency_p95', k: -2 } } },
      ]),
    ).toEqual(['rules[0].when.detector.k']);
    expect(issuePaths([{ name: 'A', severity: 'info', when: { detector: { k: 2 } } }])).toEqual([
      'rules[0].when.detector',
    ]);
    expect(
      issuePaths([
        { name: 'A', severity: 'info', when: { detector: 'latency_p95' } },
        { name: 'A', severity: 'info', when: { detector: 'latency_p95' } },
      ]),
    ).toEqual(['rules[1].name']);
    expect(issuePaths({ name: 'A' })).toEqual(['rules']);
  });

  it('an unknown detector: ERR_UNKNOWN_DETECTOR with its path and the known names', () => {
    const err = expectRuntimeError(
      () =>
        parseAlertRules([
          { name: 'A', severity: 'info', when: { detector: 'latency_p95' } },
          { name: 'B', severity: 'info', when: { detector: 'latency_p99' } },
        ]),
      'ERR_UNKNOWN_DETECTOR',
    );
    expect(err.details).toMatchObject({ path: 'rules[1].when.detector', detector: 'latency_p99' });
    expect((err.details as { known: string[] }).known).toContain('quality_score');
    const inline = expectRuntimeError(
      () =>
        parseAlertRules([{ name: 'A', severity: 'info', when: { detector: { preset: 'nope' } } }]),
      'ERR_UNKNOWN_DETECTOR',
    );
    expect(inline.details).toMatchObject({ path: 'rules[0].when.detector.preset' });
  });

  it('fingerprints ignore label order and differ by any label', () => {
    const a = alertFingerprint({ alertname: 'X', agent: 'A' });
    expect(alertFingerprint({ agent: 'A', alertname: 'X' })).toBe(a);
    expect(alertFingerprint({ agent: 'B', alertname: 'X' })).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
  });
});
