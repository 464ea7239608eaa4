import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { z } from 'zod';
import {
  classifyFailure,
  createFallbackChain,
  createResiliencePipeline,
  ErrorCode,
  isRuntimeError,
  retryAfterMsOf,
  type RetryEvent,
} from 'agentvisor';
import {
  createSimulatedModel,
  type Fault,
  type FaultPlan,
  type ModelRequest,
  type ModelResponse,
} from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';
import { drive, type Outcome } from '../../runtime/resilience/drive.js';

const Answer = z.strictObject({ city: z.string(), population: z.number().int() });
const jsonRequest: ModelRequest = {
  messages: [{ role: 'user', content: 'Largest city of France, as JSON' }],
  responseFormat: { type: 'json_schema', name: 'answer', schema: z.toJSONSchema(Answer) },
};
const toolRequest: ModelRequest = {
  messages: [{ role: 'user', content: 'Find the weather' }],
  tools: [{ name: 'weather', parameters: { type: 'object', properties: {} } }],
};
const textRequest: ModelRequest = { messages: [{ role: 'user', content: 'hello' }] };

/** One call of a model whose first call has `fault`. */
async function once(
  fault: Fault,
  request: ModelRequest = textRequest,
  script?: (r: ModelRequest) => string,
): Promise<Outcome<ModelResponse>> {
  const clock = new TestClock();
  const model = createSimulatedModel(
    { faults: [{ on: 1, fault }], ...(script === undefined ? {} : { script }) },
    { clock },
  );
  return drive(clock, model.complete(request));
}

const errorOf = (outcome: Outcome<unknown>): unknown => {
  expect(outcome.ok).toBe(false);
  return (outcome as { error: unknown }).error;
};

describe('createSimulatedModel fault plan', () => {
  it('a 429 is a rate limit with the Retry-After of the rule', async () => {
    const error = errorOf(await once({ type: 'rate-limit', retryAfterMs: 2_500 }));
    expect(isRuntimeError(error, ErrorCode.ModelHttp)).toBe(true);
    expect(classifyFailure(error)).toBe('rate-limit');
    expect(retryAfterMsOf(error)).toBe(2_500);
    expect((error as { details: unknown }).details).toMatchObject({ status: 429 });
  });

  it('a 5xx is transient and carries its status', async () => {
    const error = errorOf(await once({ type: 'server-error', status: 502 }));
    expect(classifyFailure(error)).toBe('transient');
    expect((error as { details: unknown }).details).toMatchObject({ status: 502 });
  });

  it('a timeout is ERR_TIMEOUT, transient, after afterMs', async () => {
    const clock = new TestClock();
    const model = createSimulatedModel(
      { faults: [{ on: 1, fault: { type: 'timeout', afterMs: 7_000 } }] },
      { clock },
    );
    const outcome = await drive(clock, model.complete(textRequest));
    expect(clock.monotonic()).toBe(7_000);
    expect(isRuntimeError(errorOf(outcome), ErrorCode.Timeout)).toBe(true);
    expect(classifyFailure(errorOf(outcome))).toBe('transient');
  });

  it('a connection reset is transient', async () => {
    const error = errorOf(await once({ type: 'connection-reset' }));
    expect(isRuntimeError(error, ErrorCode.ModelConnection)).toBe(true);
    expect(classifyFailure(error)).toBe('transient');
  });

  it('malformed JSON is invalid-output when JSON was asked for, plain text otherwise', async () => {
    const script = (): string => '{"city":"Paris","population":2100000}';
    const error = errorOf(await once({ type: 'malformed-json' }, jsonRequest, script));
    expect(isRuntimeError(error, ErrorCode.ModelOutput)).toBe(true);
    expect(classifyFailure(error)).toBe('invalid-output');
    const text = await once({ type: 'malformed-json' }, textRequest, script);
    expect(text.ok).toBe(true);
    expect(() => JSON.parse((text as { value: ModelResponse }).value.text) as unknown).toThrow();
  });

  it('schema-violating output parses but fails the schema: invalid-output', async () => {
    const outcome = await once({ type: 'schema-violation' }, jsonRequest);
    expect(outcome.ok).toBe(true);
    const { output } = (outcome as { value: ModelResponse }).value;
    const parsed = Answer.safeParse(output);
    expect(parsed.success).toBe(false);
    expect(classifyFailure(parsed.error)).toBe('invalid-output');
  });

  it('a hallucinated tool is a call to a tool that was not offered', async () => {
    const outcome = await once({ type: 'hallucinated-tool' }, toolRequest);
    const { toolCalls, finishReason } = (outcome as { value: ModelResponse }).value;
    expect(finishReason).toBe('tool-calls');
    expect(toolCalls).toHaveLength(1);
    expect(toolRequest.tools?.map((t) => t.name)).not.toContain(toolCalls?.[0]?.name);
    const named = await once({ type: 'hallucinated-tool', name: 'weather' }, toolRequest);
    expect((named as { value: ModelResponse }).value.toolCalls?.[0]?.name).toBe('weather_v2');
  });

  it('a hang answers never, and rejects with the reason when the caller aborts', async () => {
    const clock = new TestClock();
    const model = createSimulatedModel({ faults: [{ on: 1, fault: { type: 'hang' } }] }, { clock });
    const controller = new AbortController();
    const pending = model.complete(textRequest, { signal: controller.signal });
    pending.catch(() => undefined);
    await clock.advance(3_600_000);
    expect(clock.pendingTimers).toBe(0);
    const reason = new Error('deadline');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('latency replaces the drawn latency', async () => {
    const clock = new TestClock();
    const model = createSimulatedModel(
      { faults: [{ on: 1, fault: { type: 'latency', ms: 9_000 } }] },
      { clock },
    );
    const outcome = await drive(clock, model.complete(textRequest));
    expect(outcome.ok).toBe(true);
    expect(clock.monotonic()).toBe(9_000);
  });

  it('matches calls by number, list, range and predicate', async () => {
    const clock = new TestClock();
    const plan: FaultPlan = [
      { on: 2, fault: { type: 'server-error' } },
      { on: [4, 5], fault: { type: 'rate-limit' } },
      { on: { from: 7, to: 11, every: 2 }, fault: { type: 'connection-reset' } },
      {
        on: ({ request }) => request.messages[0]?.content === 'poison',
        fault: { type: 'timeout', afterMs: 1 },
      },
    ];
    const model = createSimulatedModel({ faults: plan }, { clock });
    const classes: string[] = [];
    for (let i = 1; i <= 12; i++) {
      const request =
        i === 12 ? { messages: [{ role: 'user' as const, content: 'poison' }] } : textRequest;
      const outcome = await drive(clock, model.complete(request));
      classes.push(outcome.ok ? 'ok' : classifyFailure(outcome.error));
    }
    expect(classes).toEqual([
      'ok',
      'transient',
      'ok',
      'rate-limit',
      'rate-limit',
      'ok',
      'transient',
      'ok',
      'transient',
      'ok',
      'transient',
      'transient',
    ]);
  });

  it.prop([fc.integer(), fc.double({ min: 0, max: 1, noNaN: true })])(
    'is deterministic from seed, script and plan',
    async (seed, rate) => {
      const run = async (): Promise<unknown[]> => {
        const clock = new TestClock();
        const model = createSimulatedModel(
          {
            seed,
            faults: [
              { on: { from: 1 }, fault: { type: 'server-error' }, rate },
              { on: { every: 3 }, fault: { type: 'latency', ms: 5 } },
            ],
          },
          { clock },
        );
        const seen: unknown[] = [];
        for (let i = 0; i < 12; i++) {
          const outcome = await drive(clock, model.complete(textRequest));
          seen.push(outcome.ok ? outcome.value : classifyFailure(outcome.error), clock.monotonic());
        }
        return seen;
      };
      expect(await run()).toEqual(await run());
    },
  );

  it('refuses a malformed plan with ERR_INVALID_OPTIONS', () => {
    for (const faults of [
      [{ on: 0, fault: { type: 'hang' } }],
      [{ on: 1, fault: { type: 'explode' } }],
      [{ on: 1, fault: { type: 'server-error', status: 404 } }],
      [{ on: 1, fault: { type: 'hang' }, rate: 2 }],
    ]) {
      expect(() => createSimulatedModel({ faults: faults as unknown as FaultPlan })).toThrow(
        expect.objectContaining({ code: ErrorCode.InvalidOptions }) as Error,
      );
    }
  });
});

describe('createSimulatedModel under the resilience pipeline', () => {
  it('retries a 429 after its Retry-After and succeeds', async () => {
    const clock = new TestClock();
    const model = createSimulatedModel(
      {
        latencyMs: [10, 10],
        faults: [{ on: 1, fault: { type: 'rate-limit', retryAfterMs: 3_000 } }],
      },
      { clock },
    );
    const pipeline = createResiliencePipeline({ retry: { initialDelayMs: 100 } }, { clock });
    const retries: RetryEvent[] = [];
    pipeline.onRetry((e) => retries.push(e));
    const outcome = await drive(
      clock,
      pipeline.execute(({ signal }) => model.complete(textRequest, { signal })),
    );
    expect(outcome.ok).toBe(true);
    expect(retries.map((e) => [e.failureClass, e.delayMs])).toEqual([['rate-limit', 3_000]]);
    expect(clock.monotonic()).toBe(3_020);
  });

  it('opens the primary breaker on 5xx, falls back to the backup, then closes on recovery', async () => {
    const clock = new TestClock();
    const primary = createSimulatedModel(
      {
        name: 'primary',
        latencyMs: [10, 10],
        faults: [{ on: { to: 3 }, fault: { type: 'server-error' } }],
      },
      { clock },
    );
    const backup = createSimulatedModel({ name: 'backup', latencyMs: [10, 10] }, { clock });
    const pipelineFor = (name: string) =>
      createResiliencePipeline(
        {
          name,
          retry: { maxAttempts: 2, initialDelayMs: 10, jitter: 'none' },
          breaker: { strategy: { type: 'consecutive', threshold: 2 }, halfOpenAfterMs: 1_000 },
        },
        { clock },
      );
    const primaryPipeline = pipelineFor('primary');
    const chain = createFallbackChain(
      [
        { name: 'primary', target: primary, pipeline: primaryPipeline },
        { name: 'backup', target: backup, pipeline: pipelineFor('backup') },
      ],
      { coolDownMs: 500 },
      { clock },
    );
    const ask = () =>
      drive(
        clock,
        chain.execute((model, { signal }) => model.complete(textRequest, { signal })),
      );
    const first = await ask();
    expect((first as { value: ModelResponse }).value.model).toBe('backup');
    expect(primaryPipeline.breaker?.state).toBe('open');
    await clock.advance(1_000);
    // Half-open: the probe is primary's third call, still failing; it opens again.
    const second = await ask();
    expect((second as { value: ModelResponse }).value.model).toBe('backup');
    expect(primaryPipeline.breaker?.state).toBe('open');
    await clock.advance(1_000);
    const third = await ask();
    expect((third as { value: ModelResponse }).value.model).toBe('primary');
    expect(primaryPipeline.breaker?.state).toBe('closed');
  });
});
