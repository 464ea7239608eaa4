import { TestClock } from 'agentvisor/testing';
import { createSimulatedModel, type ModelClient } from '../../../actors/index.js';
import {
  RolloutController,
  createMemoryRolloutStore,
  type RolloutSpec,
  type RunOutcome,
} from '../../../actors/rollout/index.js';

/** Two versions of one agent as the catalog sees them (the candidate migrates v1 checkpoints). */
export const VERSIONS = [
  { name: 'analyst', version: 1 },
  { name: 'analyst', version: 2, migrate: (): unknown => ({}) },
];

/** A simulated model failing `errorRate` of its calls with HTTP 503 (a seeded fault plan). */
export function faultyModel(seed: number, errorRate: number, clock: TestClock): ModelClient {
  return createSimulatedModel(
    {
      seed,
      latencyMs: [20, 80],
      faults:
        errorRate > 0
          ? [{ on: { from: 1 }, fault: { type: 'server-error' }, rate: errorRate }]
          : [],
    },
    { clock },
  );
}

/** One run: a model call; its outcome becomes the run's metrics. */
async function runOnce(model: ModelClient, clock: TestClock, text: string): Promise<RunOutcome> {
  const started = clock.now();
  try {
    const response = await model.complete({ messages: [{ role: 'user', content: text }] });
    const latencyMs = clock.now() - started;
    const tokens = response.usage.inputTokens + response.usage.outputTokens;
    return { metrics: { error: 0, success: 1, escalation: 0, latencyMs, costUsd: tokens * 1e-6 } };
  } catch {
    return {
      metrics: {
        error: 1,
        success: 0,
        escalation: 0,
        latencyMs: clock.now() - started,
        costUsd: 0,
      },
    };
  }
}

/** How a seeded simulation of a rollout ended. */
export interface SimulationResult {
  readonly status: string;
  /** Intervals judged when the rollout stopped stepping (rolled back, promoted, paused). */
  readonly intervals: number;
  readonly controller: RolloutController;
}

/**
 * Runs a rollout on a TestClock: each interval, `perInterval` new conversations are routed and
 * run on the model of their version; then the clock moves to the analysis.
 */
export async function simulateRollout(options: {
  seed: number;
  spec: RolloutSpec;
  stableErrorRate: number;
  candidateErrorRate: number;
  perInterval: number;
  maxIntervals: number;
}): Promise<SimulationResult> {
  const clock = new TestClock();
  const store = createMemoryRolloutStore();
  const controller = await RolloutController.start(
    options.spec,
    { versions: VERSIONS },
    { clock, store },
  );
  const models = {
    stable: faultyModel(options.seed * 2 + 1, options.stableErrorRate, clock),
    candidate: faultyModel(options.seed * 2 + 2, options.candidateErrorRate, clock),
  };
  const intervalMs = controller.state.config.intervalMs;
  for (let i = 0; i < options.maxIntervals && controller.state.status === 'running'; i += 1) {
    const runs: Promise<void>[] = [];
    for (let c = 0; c < options.perInterval; c += 1) {
      const key = `s${options.seed}-i${i}-c${c}`;
      const decision = controller.route(key);
      runs.push(
        runOnce(models[decision.role], clock, key).then((outcome) => {
          controller.record(decision.role, outcome);
          controller.router.release(key);
        }),
      );
    }
    await clock.advance(100);
    await Promise.all(runs);
    await clock.advance(intervalMs - 100);
  }
  return { status: controller.state.status, intervals: controller.state.intervals, controller };
}
