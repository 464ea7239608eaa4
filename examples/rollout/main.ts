/**
 * `npm run example:rollout`: progressive rollout of an analyst agent on simulated models and a
 * simulated clock. v2 runs on a worse model (8 % of calls fail): the shadow step compares it with
 * v1 on copies of real traffic (effects replayed, nothing reaches the world), the canary steps
 * judge it each interval, and the judge rolls it back with its reason. A good v3 is then promoted.
 */
import { setup } from 'xstate';
import { z } from 'zod';
import {
  RolloutController,
  compareRuns,
  createEffectRecording,
  createMemoryRolloutStore,
  createShadowEffects,
  createSimulatedModel,
  defineAgent,
  recordModel,
  type ModelClient,
  type RolloutSpec,
  type RunOutcome,
} from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';

const clock = new TestClock();
const analyst = (version: number) =>
  defineAgent({
    name: 'analyst',
    version,
    accepts: { 'analyst.ask': z.object({ conversationId: z.string(), question: z.string() }) },
    ...(version > 1 ? { migrate: (checkpoint: { snapshot: unknown }) => checkpoint.snapshot } : {}),
    machine: setup({}).createMachine({ id: `analyst-v${version}` }),
  });
const versions = [analyst(1), analyst(2), analyst(3)];
const model = (seed: number, errorRate: number): ModelClient =>
  createSimulatedModel(
    {
      seed,
      latencyMs: [20, 80],
      faults: [{ on: { from: 1 }, fault: { type: 'server-error' }, rate: errorRate }],
    },
    { clock },
  );
const models: Record<number, ModelClient> = {
  1: model(1, 0.01),
  2: model(2, 0.08),
  3: model(3, 0.01),
};

async function run(
  client: ModelClient,
  question: string,
): Promise<{ outcome: RunOutcome; text?: string }> {
  const started = clock.now();
  try {
    const response = await client.complete({ messages: [{ role: 'user', content: question }] });
    const tokens = response.usage.inputTokens + response.usage.outputTokens;
    const metrics = {
      error: 0,
      success: 1,
      escalation: 0,
      latencyMs: clock.now() - started,
      costUsd: tokens * 1e-6,
    };
    return { outcome: { metrics }, text: response.text };
  } catch {
    return {
      outcome: {
        metrics: {
          error: 1,
          success: 0,
          escalation: 0,
          latencyMs: clock.now() - started,
          costUsd: 0,
        },
      },
    };
  }
}

async function rollout(spec: RolloutSpec): Promise<void> {
  const store = createMemoryRolloutStore();
  const controller = await RolloutController.start(spec, { versions }, { clock, store });
  controller.onEvent((e) => {
    if (e.type === 'rollout.step')
      console.log(`  rollout.step ${e.step}: weight ${e.weight}, shadow ${e.shadowSample}`);
    if (e.type === 'rollout.rolledBack')
      console.log(`  rollout.rolledBack v${e.from} → v${e.to}: ${e.reason}`);
    if (e.type === 'rollout.promoted') console.log(`  rollout.promoted v${e.version}`);
    if (e.type === 'rollout.analysis') {
      const metrics = e.metrics.map((m) => `${m.name}=${m.classification}`).join(' ');
      console.log(
        `  interval ${e.interval}: ${e.verdict.padEnd(8)} score ${e.score.toFixed(0).padStart(3)} · ${metrics}`,
      );
    }
  });
  const { stable, candidate } = controller.state.config;
  for (let interval = 1; interval <= 12 && controller.state.status === 'running'; interval += 1) {
    const runs: Promise<void>[] = [];
    for (let c = 0; c < 400; c += 1) {
      const key = `conv-${spec.candidate}-${interval}-${c}`;
      const decision = controller.route(key);
      runs.push(
        (async () => {
          const recording = createEffectRecording();
          const client =
            decision.role === 'stable'
              ? recordModel(models[Number(stable)]!, recording)
              : models[Number(candidate)]!;
          const primary = await run(client, key);
          controller.record(decision.role, primary.outcome);
          if (decision.shadow && primary.text !== undefined) {
            // The candidate's shadow: model answers replayed from the stable run, reply dropped.
            const fx = createShadowEffects({}, models[Number(candidate)]!, {
              recording,
              shadowModels: 'recorded',
            });
            const shadow = await run(fx.model, key);
            const pair = compareRuns(
              { answer: primary.text, effects: [], path: [], costUsd: 0, latencyMs: 0, steps: 1 },
              { answer: shadow.text, effects: [], path: [], costUsd: 0, latencyMs: 0, steps: 1 },
            );
            controller.record('candidate', {
              metrics: { ...shadow.outcome.metrics, mismatch: pair.mismatch ? 1 : 0 },
            });
            controller.record('stable', { metrics: { mismatch: 0 } });
          }
          controller.router.release(key);
        })(),
      );
    }
    await clock.advance(100);
    await Promise.all(runs);
    await clock.advance(controller.state.config.intervalMs - 100);
  }
  console.log(`  → ${controller.state.status} after ${controller.state.intervals} intervals\n`);
}

const steps: RolloutSpec['steps'] = [
  { shadow: { sample: 0.2 } },
  { canary: 0.1 },
  { canary: 0.5 },
  { full: true },
];
console.log('v1 → v2 (worse model: 8 % of calls fail)');
await rollout({
  agent: 'analyst',
  stable: 1,
  candidate: 2,
  steps,
  analysis: { intervalsPerStep: 2 },
});
console.log('v1 → v3 (as good as v1)');
await rollout({
  agent: 'analyst',
  stable: 1,
  candidate: 3,
  steps,
  analysis: { intervalsPerStep: 2 },
});
