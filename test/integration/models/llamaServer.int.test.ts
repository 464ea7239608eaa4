/**
 * The OpenAI client against a real llama.cpp `llama-server` serving a tiny random-weight model.
 * Runs only under `npm run test:llama` (scripts/test-llama.mjs), which builds or finds the server,
 * makes the model and sets LLAMA_SERVER_URL; skipped everywhere else.
 */
import { describe, expect, it } from 'vitest';
import { isRuntimeError } from 'agentvisor';
import { createOpenAIClient, type ModelDelta, type ModelRequest } from 'agentvisor/actors';
import { classifyFailure } from 'agentvisor/supervisors';
import { expectFailure as failure } from './expectFailure.js';

const baseUrl = process.env['LLAMA_SERVER_URL'] ?? '';
const hello: ModelRequest = { messages: [{ role: 'user', content: 'Hello' }], maxTokens: 16 };

describe.skipIf(baseUrl === '')('createOpenAIClient against llama.cpp llama-server', () => {
  const client = (options: { stream?: boolean; timeoutMs?: number } = {}) =>
    createOpenAIClient({ baseUrl, model: 'tiny-random', ...options });

  it('completes a plain chat with usage and a finish reason', async () => {
    const res = await client().complete({ ...hello, temperature: 0 });
    expect(typeof res.text).toBe('string');
    expect(res.usage.inputTokens).toBeGreaterThan(0);
    expect(res.usage.outputTokens).toBeGreaterThan(0);
    expect(['stop', 'length']).toContain(res.finishReason);
  });

  it('streams a chat whose deltas add up to the text, with the final usage', async () => {
    const deltas: ModelDelta[] = [];
    const res = await client({ stream: true }).complete(hello, {
      onDelta: (d) => deltas.push(d),
    });
    const streamed = deltas.map((d) => (d.type === 'text' ? d.text : '')).join('');
    expect(streamed).toBe(res.text);
    expect(res.usage.outputTokens).toBeGreaterThan(0);
  });

  it('holds json_schema output to the schema, or fails as invalid-output (never transient)', async () => {
    const request: ModelRequest = {
      ...hello,
      maxTokens: 64,
      responseFormat: {
        type: 'json_schema',
        name: 'flag',
        schema: {
          type: 'object',
          properties: { ok: { type: 'boolean' } },
          required: ['ok'],
          additionalProperties: false,
        },
      },
    };
    const outcome = await client()
      .complete(request)
      .then(
        (res) => ({ res }),
        (err: unknown) => ({ err }),
      );
    if ('res' in outcome) {
      expect(typeof (outcome.res.output as { ok?: unknown }).ok).toBe('boolean');
    } else {
      // A random model cut off at maxTokens (ERR_MODEL_OUTPUT), or llama.cpp's 500 "does not
      // match the expected format" (ERR_MODEL_HTTP): both are the output's fault.
      expect(isRuntimeError(outcome.err)).toBe(true);
      expect(classifyFailure(outcome.err)).toBe('invalid-output');
    }
  });

  it('times out a call that cannot finish in time as transient', async () => {
    await failure(
      client({ timeoutMs: 1 }).complete({ ...hello, maxTokens: 512 }),
      'ERR_TIMEOUT',
      'transient',
    );
  });

  it('rejects with the signal reason when the caller aborts mid-stream', async () => {
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const call = client({ stream: true }).complete(
      { ...hello, maxTokens: 512 },
      {
        signal: controller.signal,
        onDelta: () => {
          controller.abort(reason);
        },
      },
    );
    await expect(call).rejects.toBe(reason);
  });

  it('reports an unknown endpoint as invalid-request', async () => {
    await failure(
      createOpenAIClient({ baseUrl: `${baseUrl}/no-such-prefix`, model: 'tiny-random' }).complete(
        hello,
      ),
      'ERR_MODEL_HTTP',
      'invalid-request',
    );
  });
});
