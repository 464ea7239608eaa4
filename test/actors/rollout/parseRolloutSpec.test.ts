import { describe, expect, it } from 'vitest';
import { isRuntimeError } from 'agentvisor/internal';
import { parseRolloutSpec, type RolloutSpec } from '../../../actors/rollout/index.js';

const migrate = (): unknown => ({});
const versions = [
  { name: 'analyst', version: 1 },
  { name: 'analyst', version: 2, migrate },
  { name: 'analyst', version: 3 },
  { name: 'other', version: 9, migrate },
];
const spec: RolloutSpec = {
  agent: 'analyst',
  stable: 1,
  candidate: 2,
  steps: [{ shadow: { sample: 0.2 } }, { canary: 0.1 }, { full: true }],
};

function refusal(run: () => unknown): { code: string; details: Record<string, unknown> } {
  try {
    run();
  } catch (err) {
    if (isRuntimeError(err))
      return { code: err.code, details: err.details as Record<string, unknown> };
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('parseRolloutSpec', () => {
  it('resolves the defaults and an id', () => {
    const config = parseRolloutSpec(spec, { versions });
    expect(config.id).toBe('analyst@1->2');
    expect(config.analysis.passScore).toBe(95);
    expect(config.analysis.marginalScore).toBe(75);
    expect(config.intervalMs).toBe(60_000);
    expect(config.shadowModels).toBe('recorded');
    expect(config.inFlightOnRollback).toBe('finish');
    expect(config.analysis.metrics.map((m) => m.name)).toEqual([
      'error',
      'escalation',
      'success',
      'latencyMs',
      'costUsd',
      'mismatch',
    ]);
  });

  it('refuses an unknown version with ERR_UNKNOWN_VERSION and the field path', () => {
    expect(refusal(() => parseRolloutSpec({ ...spec, candidate: 7 }, { versions }))).toMatchObject({
      code: 'ERR_UNKNOWN_VERSION',
      details: { path: 'candidate', version: 7, deployed: [1, 2, 3] },
    });
    expect(refusal(() => parseRolloutSpec({ ...spec, stable: 9 }, { versions }))).toMatchObject({
      code: 'ERR_UNKNOWN_VERSION',
      details: { path: 'stable' },
    });
  });

  it('refuses a weight outside [0, 1] with ERR_INVALID_OPTIONS naming the step', () => {
    const bad = { ...spec, steps: [{ canary: 0.1 }, { canary: 1.5 }] };
    const out = refusal(() => parseRolloutSpec(bad, { versions }));
    expect(out.code).toBe('ERR_INVALID_OPTIONS');
    expect(JSON.stringify(out.details['issues'])).toContain('steps[1]');
    const shadow = { ...spec, steps: [{ shadow: { sample: -0.1 } }] };
    expect(JSON.stringify(refusal(() => parseRolloutSpec(shadow, { versions })).details)).toContain(
      'steps[0]',
    );
  });

  it('refuses an overlapping rollout of the same agent with ERR_ROLLOUT_CONFLICT', () => {
    const active = [{ id: 'analyst@1->3', agent: 'analyst' }];
    expect(refusal(() => parseRolloutSpec(spec, { versions, active }))).toMatchObject({
      code: 'ERR_ROLLOUT_CONFLICT',
      details: { path: 'agent', active: 'analyst@1->3' },
    });
    // The same rollout (a node taking it over) and another agent's are no conflict.
    expect(() =>
      parseRolloutSpec(spec, { versions, active: [{ id: 'analyst@1->2', agent: 'analyst' }] }),
    ).not.toThrow();
  });

  it('refuses a candidate that cannot migrate the stable checkpoints with ERR_MIGRATION_MISSING', () => {
    expect(refusal(() => parseRolloutSpec({ ...spec, candidate: 3 }, { versions }))).toMatchObject({
      code: 'ERR_MIGRATION_MISSING',
      details: { path: 'candidate', from: 1, to: 3 },
    });
  });

  it('refuses the same version on both sides and a marginal score above the pass score', () => {
    expect(refusal(() => parseRolloutSpec({ ...spec, candidate: 1 }, { versions })).code).toBe(
      'ERR_INVALID_OPTIONS',
    );
    const out = refusal(() =>
      parseRolloutSpec({ ...spec, analysis: { passScore: 70, marginalScore: 80 } }, { versions }),
    );
    expect(JSON.stringify(out.details)).toContain('analysis.marginalScore');
  });
});
