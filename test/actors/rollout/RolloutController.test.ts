import { describe, expect, it } from 'vitest';
import { TestClock } from 'agentvisor/testing';
import {
  RolloutController,
  createMemoryRolloutStore,
  type RolloutEscalationRequest,
  type RolloutEvent,
  type RolloutSpec,
} from '../../../actors/rollout/index.js';
import { VERSIONS, simulateRollout } from './rolloutSimulation.js';

const canarySpec: RolloutSpec = {
  agent: 'analyst',
  stable: 1,
  candidate: 2,
  steps: [{ canary: 0.5 }, { full: true }],
  analysis: { intervalsPerStep: 3 },
  intervalMs: 60_000,
};
const healthy = { error: 0, success: 1, escalation: 0, latencyMs: 50, costUsd: 0.01 };

describe('RolloutController on seeded simulations (simulated model fault plans)', () => {
  it('rolls back a candidate erring 5 % against 1 % within 3 intervals in at least 95 of 100 seeds', async () => {
    let caught = 0;
    for (let seed = 1; seed <= 100; seed += 1) {
      const r = await simulateRollout({
        seed,
        spec: canarySpec,
        stableErrorRate: 0.01,
        candidateErrorRate: 0.05,
        perInterval: 400,
        maxIntervals: 3,
      });
      if (r.status === 'rolledBack' && r.intervals <= 3) caught += 1;
    }
    expect(caught).toBeGreaterThanOrEqual(95);
  }, 120_000);

  it('rolls back identical versions in at most 5 of 100 seeds', async () => {
    let falseRollbacks = 0;
    let promoted = 0;
    for (let seed = 1; seed <= 100; seed += 1) {
      const r = await simulateRollout({
        seed: 1_000 + seed,
        spec: canarySpec,
        stableErrorRate: 0.01,
        candidateErrorRate: 0.01,
        perInterval: 400,
        maxIntervals: 3,
      });
      if (r.status === 'rolledBack') falseRollbacks += 1;
      if (r.status === 'promoted') promoted += 1;
    }
    expect(falseRollbacks).toBeLessThanOrEqual(5);
    expect(promoted).toBeGreaterThanOrEqual(80);
  }, 120_000);

  it('rolls back on a critical metric breach in the same interval', async () => {
    const spec: RolloutSpec = {
      ...canarySpec,
      analysis: {
        intervalsPerStep: 3,
        metrics: [
          { name: 'error', kind: 'rate', critical: true },
          { name: 'latencyMs', kind: 'distribution' },
        ],
      },
    };
    const r = await simulateRollout({
      seed: 7,
      spec,
      stableErrorRate: 0.01,
      candidateErrorRate: 0.3,
      perInterval: 400,
      maxIntervals: 1,
    });
    expect(r.status).toBe('rolledBack');
    expect(r.intervals).toBe(1);
    const rolled = r.controller.state.events.find((e) => e.type === 'rollout.rolledBack');
    expect(rolled).toMatchObject({ from: 2, to: 1 });
    expect(rolled?.type === 'rollout.rolledBack' && rolled.reason).toContain(
      'error (high, critical)',
    );
  });
});

describe('RolloutController', () => {
  async function started(
    spec: Partial<RolloutSpec> = {},
    escalations?: RolloutEscalationRequest[],
  ) {
    const clock = new TestClock();
    const store = createMemoryRolloutStore();
    const events: RolloutEvent[] = [];
    const controller = await RolloutController.start(
      { ...canarySpec, analysis: { minSamples: 5 }, ...spec },
      { versions: VERSIONS },
      {
        clock,
        store,
        ...(escalations === undefined ? {} : { escalations: { open: (r) => escalations.push(r) } }),
      },
    );
    controller.onEvent((e) => events.push(e));
    return { clock, store, controller, events };
  }
  const feed = (c: RolloutController, candidate = healthy, n = 20): void => {
    for (let i = 0; i < n; i += 1) {
      c.record('stable', { metrics: healthy });
      c.record('candidate', { metrics: candidate });
    }
  };

  it('advances a step per passing interval and promotes at full; a rollback within the window skips analysis', async () => {
    const { clock, controller, events } = await started({
      steps: [{ shadow: { sample: 0.2 } }, { canary: 0.1 }, { full: true }],
      rollbackWindowMs: 120_000,
    });
    expect(controller.router.traffic).toEqual({
      weight: 0,
      shadowSample: 0.2,
      parkCandidate: false,
    });
    feed(controller);
    await clock.advance(60_000);
    expect(controller.router.traffic.weight).toBe(0.1);
    feed(controller);
    await clock.advance(60_000);
    expect(controller.state.status).toBe('promoted');
    expect(controller.router.traffic.weight).toBe(1);
    expect(
      events
        .map((e) => (e.type === 'rollout.step' ? e.step : undefined))
        .filter((step) => step !== undefined),
    ).toEqual([1, 2]);
    await clock.advance(60_000);
    await controller.rollback('operator: bad reviews');
    expect(controller.state.status).toBe('rolledBack');
    expect(controller.router.traffic.weight).toBe(0);
  });

  it('refuses a rollback after the window has passed', async () => {
    const { clock, controller } = await started({
      steps: [{ full: true }],
      rollbackWindowMs: 1_000,
    });
    expect(controller.state.status).toBe('promoted');
    await clock.advance(2_000);
    await expect(controller.rollback('late')).rejects.toMatchObject({
      code: 'ERR_INVALID_DECISION',
    });
  });

  it('waits on nodata, pauses and escalates when inconclusive, and takes the decision', async () => {
    const escalations: RolloutEscalationRequest[] = [];
    const { clock, controller } = await started({}, escalations);
    await clock.advance(60_000);
    expect(controller.state).toMatchObject({ status: 'running', stepIndex: 0, intervals: 1 });
    for (let i = 0; i < 40; i += 1) {
      controller.record('stable', { metrics: { ...healthy, latencyMs: 50 + (i % 5) } });
      controller.record('candidate', { metrics: { ...healthy, latencyMs: 200 + (i % 5) } });
    }
    await clock.advance(60_000);
    expect(controller.state.status).toBe('paused');
    expect(escalations).toHaveLength(1);
    expect(escalations[0]).toMatchObject({ options: ['promote', 'abort', 'extend'] });
    expect(escalations[0]?.judgement.score).toBe(80);
    await controller.decide('extend');
    expect(controller.state.status).toBe('running');
    await controller.decide('promote');
    expect(controller.state.status).toBe('promoted');
  });

  it('after a rollback new conversations go to stable and in-flight candidate ones are parked when configured', async () => {
    const { controller } = await started({
      steps: [{ canary: 1 }, { full: true }],
      inFlightOnRollback: 'park',
    });
    expect(controller.route('c1').role).toBe('candidate');
    await controller.rollback('operator');
    expect(controller.route('c2').role).toBe('stable');
    expect(controller.route('c1')).toMatchObject({ role: 'candidate', reason: 'parked' });
  });

  it('refuses a second active rollout of the agent (stored) and routes nothing for it', async () => {
    const { clock, store } = await started();
    await expect(
      RolloutController.start(
        { ...canarySpec, id: 'other' },
        { versions: VERSIONS },
        { clock, store },
      ),
    ).rejects.toMatchObject({ code: 'ERR_ROLLOUT_CONFLICT' });
  });

  it('a second controller on the same store continues from the stored step at the stored time', async () => {
    const { clock, store, controller } = await started({
      steps: [{ canary: 0.1 }, { canary: 0.5 }, { full: true }],
    });
    feed(controller);
    await clock.advance(60_000);
    expect(controller.state.stepIndex).toBe(1);
    controller.dispose();
    const survivor = await RolloutController.resume(controller.state.config.id, { clock, store });
    expect(survivor.state.stepIndex).toBe(1);
    expect(survivor.router.traffic.weight).toBe(0.5);
    feed(survivor);
    await clock.advance(60_000);
    expect(survivor.state.status).toBe('promoted');
    await expect(RolloutController.resume('nope', { clock, store })).rejects.toMatchObject({
      code: 'ERR_ROLLOUT_NOT_FOUND',
    });
  });
});
