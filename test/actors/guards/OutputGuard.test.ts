import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { classifyFailure, ErrorCode, isRuntimeError, type RuntimeError } from 'agentvisor';
import {
  completeWithRepair,
  createOutputGuard,
  createSimulatedModel,
  type FaultPlan,
  type ModelRequest,
  type OutputAttemptEvent,
  type SimulatedAnswer,
} from 'agentvisor/actors';
import { TestClock } from 'agentvisor/testing';
import { drive } from '../../runtime/resilience/drive.js';

const City = z.strictObject({ city: z.string(), population: z.number().int() });
const request: ModelRequest = {
  messages: [{ role: 'user', content: 'Largest city of France, as JSON' }],
  responseFormat: { type: 'json_schema', name: 'city', schema: z.toJSONSchema(City) },
};
const PARIS = '{"city":"Paris","population":2100000}';

/** A simulated model answering `answers[call - 1]` (the last one repeats), recording requests. */
function scripted(answers: readonly SimulatedAnswer[], faults: FaultPlan = []) {
  const clock = new TestClock();
  const seen: ModelRequest[] = [];
  const model = createSimulatedModel(
    {
      latencyMs: [10, 10],
      faults,
      script: (req, call) => {
        seen.push(req);
        return answers[Math.min(call, answers.length) - 1] ?? '';
      },
    },
    { clock },
  );
  return { clock, model, seen };
}

function errorOf(outcome: { ok: boolean }): RuntimeError {
  expect(outcome.ok).toBe(false);
  return (outcome as unknown as { error: RuntimeError }).error;
}

describe('OutputGuard', () => {
  it('converges when the model fixes its output after the validation errors', async () => {
    const { clock, model, seen } = scripted(['{"city":"Paris","population":"many"}', PARIS]);
    const outcome = await drive(clock, completeWithRepair(model, request, { schema: City }));
    expect(outcome.ok).toBe(true);
    const result = (outcome as { value: Awaited<ReturnType<typeof completeWithRepair>> }).value;
    expect(result.value).toEqual({ city: 'Paris', population: 2_100_000 });
    expect(result.attempts).toBe(2);
    expect(result.repairs).toBe(1);
    expect(result.history.map((a) => a.outcome)).toEqual(['invalid', 'valid']);
    // Usage of the rejected answer counts too.
    const [first, second] = result.history;
    expect(result.usage.inputTokens).toBe(first!.usage.inputTokens + second!.usage.inputTokens);
    expect(result.usage.outputTokens).toBe(first!.usage.outputTokens + second!.usage.outputTokens);
    // The repair request: the original messages, the bad answer, then the issues with their path.
    const repair = seen[1]!.messages;
    expect(repair.slice(0, 1)).toEqual(request.messages);
    expect(repair[1]).toEqual({
      role: 'assistant',
      content: '{"city":"Paris","population":"many"}',
    });
    expect(repair[2]!.role).toBe('user');
    expect(repair[2]!.content).toContain('- population:');
    expect(seen[1]!.responseFormat).toEqual(request.responseFormat);
  });

  it('repairs the fault plan: schema-violating then malformed JSON, then a valid answer', async () => {
    const { clock, model, seen } = scripted(
      [PARIS],
      [
        { on: 1, fault: { type: 'schema-violation' } },
        { on: 2, fault: { type: 'malformed-json' } },
      ],
    );
    const events: OutputAttemptEvent[] = [];
    const outcome = await drive(
      clock,
      createOutputGuard({ schema: City }).complete(model, request, {
        onAttempt: (e) => events.push(e),
      }),
    );
    expect(outcome.ok).toBe(true);
    expect(events.map((e) => [e.attempt, e.outcome, e.repaired, e.final])).toEqual([
      [1, 'invalid', false, false],
      [2, 'invalid', false, false],
      [3, 'valid', true, true],
    ]);
    // Malformed JSON never reached the guard as text: only the client's message goes back.
    expect(seen[2]!.messages).toHaveLength(2);
    expect(seen[2]!.messages[1]!.content).toContain('could not be used');
  });

  it('stops at maxRepairs and fails with ERR_INVALID_OUTPUT, class invalid-output', async () => {
    const { clock, model, seen } = scripted(['{"city":1}']);
    const outcome = await drive(
      clock,
      completeWithRepair(model, request, { schema: City, maxRepairs: 2 }),
    );
    const error = errorOf(outcome);
    expect(isRuntimeError(error, ErrorCode.InvalidOutput)).toBe(true);
    expect(classifyFailure(error)).toBe('invalid-output');
    expect(seen).toHaveLength(3);
    expect(error.details).toMatchObject({ failureClass: 'invalid-output', attempts: 3 });
    const history = error.details?.['history'] as { outcome: string }[];
    expect(history.map((a) => a.outcome)).toEqual(['invalid', 'invalid', 'invalid']);
  });

  it('asks once with maxRepairs 0', async () => {
    const { clock, model, seen } = scripted(['nope']);
    const outcome = await drive(
      clock,
      completeWithRepair(model, { messages: request.messages }, { schema: City, maxRepairs: 0 }),
    );
    expect(isRuntimeError(errorOf(outcome), ErrorCode.InvalidOutput)).toBe(true);
    expect(seen).toHaveLength(1);
  });

  it('repairs what a semantic validator rejects', async () => {
    const Invoice = z.strictObject({ lines: z.array(z.number()), total: z.number() });
    const { clock, model, seen } = scripted([
      '{"lines":[1,2,3],"total":7}',
      '{"lines":[1,2,3],"total":6}',
    ]);
    const outcome = await drive(
      clock,
      completeWithRepair(
        model,
        { messages: [{ role: 'user', content: 'invoice' }] },
        {
          schema: Invoice,
          validators: [
            (v) =>
              v.lines.reduce((a, b) => a + b, 0) === v.total
                ? []
                : [{ path: 'total', message: 'must equal the sum of lines' }],
          ],
        },
      ),
    );
    expect(outcome.ok).toBe(true);
    expect((outcome as { value: { value: unknown } }).value.value).toEqual({
      lines: [1, 2, 3],
      total: 6,
    });
    expect(seen[1]!.messages.at(-1)!.content).toContain('- total: must equal the sum of lines');
  });

  it('reads JSON from plain text, fenced or not', () => {
    const guard = createOutputGuard({ schema: City });
    const base = { model: 'm', usage: { inputTokens: 1, outputTokens: 1 } };
    expect(guard.validate({ ...base, text: '```json\n' + PARIS + '\n```' }).ok).toBe(true);
    expect(guard.validate({ ...base, text: PARIS }).ok).toBe(true);
    const bad = guard.validate({ ...base, text: 'Paris!' });
    expect(bad.ok).toBe(false);
    const tools = guard.validate({
      ...base,
      text: '',
      toolCalls: [{ id: 'c', name: 'x', arguments: {} }],
    });
    expect(tools).toMatchObject({ ok: false, issues: [{ path: '' }] });
  });

  it('bounds the repair prompt: issues listed and answer quoted', async () => {
    const Many = z.strictObject(
      Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, z.string()])),
    );
    const long = JSON.stringify(
      Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`f${i}`, i])),
    );
    const padded = `${long}${' '.repeat(10_000)}`;
    const { clock, model, seen } = scripted([padded]);
    await drive(
      clock,
      completeWithRepair(
        model,
        { messages: [{ role: 'user', content: 'x' }] },
        { schema: Many, maxRepairs: 1, maxIssues: 5, maxAnswerChars: 500 },
      ),
    );
    const [, assistant, feedback] = seen[1]!.messages;
    expect(assistant!.content.length).toBeLessThan(600);
    expect(feedback!.content.match(/^- f\d+:/gm)).toHaveLength(5);
    expect(feedback!.content).toContain('and 25 more issue(s)');
  });

  it('lets other failures through unrepaired (retries are the pipeline’s job)', async () => {
    const { clock, model, seen } = scripted(
      [PARIS],
      [{ on: 1, fault: { type: 'rate-limit', retryAfterMs: 1_000 } }],
    );
    const error = errorOf(await drive(clock, completeWithRepair(model, request, { schema: City })));
    expect(isRuntimeError(error, ErrorCode.ModelHttp)).toBe(true);
    expect(seen).toHaveLength(0);
  });

  it('lets a validator that throws fail the call as the bug it is', async () => {
    const { clock, model } = scripted([PARIS]);
    const boom = new Error('validator bug');
    const outcome = await drive(
      clock,
      completeWithRepair(model, request, {
        schema: City,
        validators: [
          () => {
            throw boom;
          },
        ],
      }),
    );
    expect(errorOf(outcome)).toBe(boom);
  });

  it('honours the signal: aborted before, or during a call', async () => {
    const { model, seen } = scripted([PARIS]);
    const reason = new Error('stop');
    await expect(
      completeWithRepair(model, request, { schema: City }, { signal: AbortSignal.abort(reason) }),
    ).rejects.toBe(reason);
    expect(seen).toHaveLength(0);

    const hung = scripted([PARIS], [{ on: 1, fault: { type: 'hang' } }]);
    const controller = new AbortController();
    const pending = completeWithRepair(
      hung.model,
      request,
      { schema: City },
      {
        signal: controller.signal,
      },
    );
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('rejects malformed options with ERR_INVALID_OPTIONS', () => {
    const bad = [
      { schema: { parse: () => 1 } },
      { schema: City, maxRepairs: -1 },
      { schema: City, maxRepairs: 1.5 },
      { schema: City, validators: ['not a function'] },
      { schema: City, extra: true },
    ];
    for (const options of bad) {
      let caught: unknown;
      try {
        createOutputGuard(options as never);
      } catch (err) {
        caught = err;
      }
      expect(isRuntimeError(caught, ErrorCode.InvalidOptions)).toBe(true);
    }
  });

  it('builds the json_schema response format of its schema', () => {
    const guard = createOutputGuard({ schema: City });
    expect(guard.responseFormat('city', { strict: true })).toEqual({
      type: 'json_schema',
      name: 'city',
      schema: z.toJSONSchema(City),
      strict: true,
    });
    let caught: unknown;
    try {
      guard.responseFormat('not a name!');
    } catch (err) {
      caught = err;
    }
    expect(isRuntimeError(caught, ErrorCode.InvalidOptions)).toBe(true);
  });
});
