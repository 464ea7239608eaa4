import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TestClock } from 'agentvisor/testing';
import {
  createSimulatedModel,
  type ModelClient,
  type ToolDefinition,
} from '../../../actors/index.js';
import {
  compareRuns,
  createEffectRecording,
  createShadowEffects,
  judgeShadow,
  recordModel,
  recordTools,
  type RunRecord,
} from '../../../actors/rollout/index.js';

const signal = new AbortController().signal;

/** A tiny analyst run: ask the model, run the tools it asks for, answer with its text. */
async function analystRun(
  model: ModelClient,
  tools: Record<string, ToolDefinition>,
  question: string,
  clock: TestClock,
): Promise<RunRecord> {
  const pending = model.complete({ messages: [{ role: 'user', content: question }] });
  await clock.advance(100);
  const response = await pending;
  const effects: { tool: string; args: unknown }[] = [];
  for (const call of response.toolCalls ?? []) {
    const tool = tools[call.name];
    if (tool === undefined) continue;
    await tool.run(call.arguments, { idempotencyKey: call.name, signal });
    effects.push({ tool: call.name, args: call.arguments });
  }
  return {
    answer: response.text,
    effects,
    path: ['asking', ...effects.map((e) => e.tool), 'done'],
    costUsd: 0,
    latencyMs: 0,
    steps: 1 + effects.length,
  };
}

function realTools(counter: { calls: number }): Record<string, ToolDefinition> {
  return {
    'crm.update': {
      input: z.object({ account: z.string() }),
      run: (input) => {
        counter.calls += 1;
        return Promise.resolve({ updated: (input as { account: string }).account });
      },
    },
    'mail.send': {
      input: z.object({ to: z.string() }),
      run: () => {
        counter.calls += 1;
        return Promise.resolve('sent');
      },
    },
  };
}

/** A model that updates the CRM and (unless `skipTool`) mails; `wording` varies the text by seed. */
function analystModel(
  seed: number,
  clock: TestClock,
  opts: { wording?: boolean; skipTool?: boolean } = {},
) {
  let calls = 0;
  const model = createSimulatedModel(
    {
      seed,
      latencyMs: [10, 50],
      script: (request, call) => {
        const q = request.messages.at(-1)?.content ?? '';
        const word = opts.wording === true ? ['Sure', 'Done', 'OK'][(seed + call) % 3] : 'Done';
        return {
          text: `${word}: ${q}`,
          toolCalls: [
            { name: 'crm.update', arguments: { account: q } },
            ...(opts.skipTool === true ? [] : [{ name: 'mail.send', arguments: { to: q } }]),
          ],
        };
      },
    },
    { clock },
  );
  return {
    name: model.name,
    complete: (...args: Parameters<ModelClient['complete']>) => {
      calls += 1;
      return model.complete(...args);
    },
    get calls() {
      return calls;
    },
  };
}

describe('shadow runs', () => {
  it('make no extra real tool or model calls (shadow on vs off), replaying the stable run', async () => {
    const run = async (shadow: boolean) => {
      const clock = new TestClock();
      const counter = { calls: 0 };
      const stableModel = analystModel(1, clock);
      const candidateModel = analystModel(2, clock);
      for (let i = 0; i < 20; i += 1) {
        const recording = createEffectRecording();
        const tools = recordTools(realTools(counter), recording);
        const stable = await analystRun(
          recordModel(stableModel, recording),
          tools,
          `acct-${i}`,
          clock,
        );
        if (shadow) {
          const fx = createShadowEffects(realTools(counter), candidateModel, {
            recording,
            shadowModels: 'recorded',
          });
          const candidate = await analystRun(fx.model, fx.tools, `acct-${i}`, clock);
          expect(compareRuns(stable, candidate).mismatch).toBe(false);
        }
      }
      return { tools: counter.calls, models: stableModel.calls + candidateModel.calls };
    };
    expect(await run(true)).toEqual(await run(false));
    expect((await run(false)).tools).toBe(40);
  });

  it('refuses an unrecorded, unstubbed call with ERR_SHADOW_EFFECT and counts it; a shadow stub answers instead', async () => {
    const refused: string[] = [];
    const counter = { calls: 0 };
    const tools = realTools(counter);
    const stub = { ...tools['mail.send']!, shadow: () => 'stubbed' };
    const fx = createShadowEffects(
      { ...tools, 'mail.send': stub },
      analystModel(1, new TestClock()),
      {
        recording: createEffectRecording(),
        shadowModels: 'recorded',
        onRefused: (c) => refused.push(c.tool),
      },
    );
    await expect(
      fx.tools['crm.update']!.run({ account: 'a' }, { idempotencyKey: 'k', signal }),
    ).rejects.toMatchObject({
      code: 'ERR_SHADOW_EFFECT',
    });
    await expect(
      fx.tools['mail.send']!.run({ to: 'a' }, { idempotencyKey: 'k', signal }),
    ).resolves.toBe('stubbed');
    await expect(fx.model.complete({ messages: [] })).rejects.toMatchObject({
      code: 'ERR_SHADOW_EFFECT',
    });
    expect(refused).toEqual(['crm.update', 'model:sim-1']);
    expect(counter.calls).toBe(0);
  });

  it('textual mismatches of a sampling candidate stay within the noise floor; a skipped required tool is flagged on every affected run', async () => {
    const clock = new TestClock();
    const counter = { calls: 0 };
    const tools = realTools(counter);
    const stableA = analystModel(1, clock, { wording: true });
    const stableB = analystModel(5, clock, { wording: true });
    const same = analystModel(9, clock, { wording: true });
    const skipper = analystModel(13, clock, { wording: true, skipTool: true });
    const noise = [];
    const pairs = [];
    const skipped = [];
    for (let i = 0; i < 200; i += 1) {
      const q = `acct-${i}`;
      const stable = await analystRun(stableA, tools, q, clock);
      noise.push(compareRuns(stable, await analystRun(stableB, tools, q, clock)));
      pairs.push(compareRuns(stable, await analystRun(same, tools, q, clock)));
      skipped.push(compareRuns(stable, await analystRun(skipper, tools, q, clock)));
    }
    expect(pairs.filter((p) => !p.answer).length).toBeGreaterThan(50); // textual differences exist
    const verdict = judgeShadow(pairs, noise);
    expect(verdict.answer.significant).toBe(false);
    expect(verdict.significant).toBe(false);
    const flagged = skipped.filter((c) => c.missingEffects.some((e) => e.startsWith('mail.send')));
    expect(flagged.length / skipped.length).toBeGreaterThanOrEqual(0.95);
    expect(judgeShadow(skipped, noise).effects.significant).toBe(true);
    // A structural comparison ignores the wording of a schema-shaped answer.
    const s1: RunRecord = {
      answer: '{"total":3,"note":"Sure"}',
      effects: [],
      path: [],
      costUsd: 0,
      latencyMs: 0,
      steps: 1,
    };
    expect(compareRuns(s1, { ...s1, answer: '{"note":"OK","total":7}' }, 'structural').answer).toBe(
      true,
    );
    expect(compareRuns(s1, { ...s1, answer: '{"total":"7"}' }, 'structural').answer).toBe(false);
  });
});
