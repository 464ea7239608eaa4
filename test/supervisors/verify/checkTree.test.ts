import { describe, expect, it } from 'vitest';
import { checkTree, parsePolicy } from 'agentvisor/supervisors';
import type { TreePropertyResult } from 'agentvisor/supervisors';

const failing = (report: { properties: readonly TreePropertyResult[] }) =>
  report.properties.filter((p) => !p.ok);

describe('checkTree', () => {
  it('flags a child supervisor whose intensity overruns its parent under one burst', () => {
    const planted = parsePolicy({
      root: {
        id: 'desk',
        intensity: 0,
        children: [
          { id: 'team', type: 'supervisor', intensity: 5, children: [{ id: 'w', agent: 'a' }] },
        ],
      },
    });
    expect(failing(checkTree(planted))).toEqual([
      expect.objectContaining({
        property: 'root-survives-burst',
        path: 'desk/team/w',
        detail: expect.stringContaining('takes the root down after 6') as unknown,
      }),
    ]);
    const fixed = parsePolicy({
      root: {
        id: 'desk',
        intensity: 2,
        children: [
          { id: 'team', type: 'supervisor', intensity: 5, children: [{ id: 'w', agent: 'a' }] },
        ],
      },
    });
    const report = checkTree(fixed);
    expect(failing(report)).toEqual([]);
    expect(report.workers[0]).toMatchObject({ path: 'desk/team/w', absorbedFailures: 17 });
  });

  it('a backoff that spreads restarts past the period: the crash loop never escalates', () => {
    const policy = parsePolicy({
      root: {
        id: 'root',
        intensity: 3,
        periodMs: 5_000,
        backoff: { minMs: 2_000, maxMs: 60_000, factor: 2, jitter: 0 },
        children: [{ id: 'w', agent: 'a' }],
      },
    });
    const report = checkTree(policy, { taskMs: 30_000 });
    expect(
      failing(report)
        .map((p) => p.property)
        .sort(),
    ).toEqual(['backoff-within-deadline', 'crash-loop-escalates']);
    expect(report.workers[0]?.rootDownAfterMs).toBe(Number.POSITIVE_INFINITY);
  });

  it('time to the root giving up and restarts per minute follow the backoff along the path', () => {
    const policy = parsePolicy({
      root: {
        id: 'root',
        intensity: 1,
        periodMs: 60_000,
        backoff: { minMs: 1_000, maxMs: 1_000, factor: 1, jitter: 0 },
        children: [
          {
            id: 'team',
            type: 'supervisor',
            intensity: 2,
            periodMs: 10_000,
            backoff: { minMs: 100, maxMs: 400, factor: 2, jitter: 0 },
            children: [{ id: 'w', agent: 'a' }],
          },
        ],
      },
    });
    const [w] = checkTree(policy).workers;
    // team gives up after 100 + 200 ms; root restarts team once (1000 ms) and it gives up again.
    expect(w).toMatchObject({ absorbedFailures: 5, rootDownAfterMs: 2 * 300 + 1_000 });
    expect(w?.restartsPerMinute).toBeCloseTo((5 * 60_000) / 1_600);
  });

  it('a stop directive leaves a class without a person; the default table reaches one for all but poison and invalid-request', () => {
    const stops = parsePolicy({
      root: { id: 'root', onFailure: { budget: 'stop' }, children: [{ id: 'w', agent: 'a' }] },
    });
    expect(failing(checkTree(stops))).toEqual([
      expect.objectContaining({ property: 'failures-reach-a-person', path: 'root/w' }),
    ]);
    const defaults = checkTree(
      parsePolicy({ root: { id: 'root', children: [{ id: 'w', agent: 'a' }] } }),
    );
    expect(defaults.ok).toBe(true);
    expect(defaults.workers[0]?.classes).toMatchObject({
      poison: 'resume',
      auth: 'person',
      transient: 'person',
    });
  });

  it('the example tree of npm start passes', async () => {
    const { readFile } = await import('node:fs/promises');
    const { parsePolicyText } = await import('agentvisor/supervisors');
    const text = await readFile(
      new URL('../../../examples/team/desk.yaml', import.meta.url),
      'utf8',
    );
    const report = checkTree(parsePolicyText(text, 'yaml'));
    expect(failing(report)).toEqual([]);
    expect(report.workers.map((w) => w.path)).toEqual([
      'desk/coordinator',
      'desk/publisher',
      'desk/team/researcher',
      'desk/team/critic',
    ]);
  });
});
