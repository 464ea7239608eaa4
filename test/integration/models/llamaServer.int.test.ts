/**
 * The OpenAI client against a real llama.cpp `llama-server` serving a tiny random-weight model.
 * Runs only under `npm run test:llama` (scripts/test-llama.mjs), which builds or finds the server,
 * makes the model and sets LLAMA_SERVER_URL; skipped everywhere else. With LLAMA_FIXTURES_DIR set
 * (`LLAMA_RECORD=1 npm run test:llama`), each answer the server gave is recorded there as JSON
 * (request body, status, content type, response body): real-server fixtures for scripted tests.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRuntimeError } from 'agentvisor';
import { createOpenAIClient, type ModelDelta, type ModelRequest } from 'agentvisor/actors';
import { classifyFailure } from 'agentvisor/supervisors';
import { expectFailure as failure } from './expectFailure.js';

const baseUrl = process.env['LLAMA_SERVER_URL'] ?? '';
const fixturesDir = process.env['LLAMA_FIXTURES_DIR'] ?? '';
let recorded = 0;

/**
 * globalThis.fetch, recording each exchange into LLAMA_FIXTURES_DIR when it is set. The body is
 * recorded as it passes through to the client (the file rewritten per chunk), so a call the
 * client ends early (after `[DONE]`, an abort, a timeout) still leaves what had arrived.
 */
function recordingFetch(name: string): typeof fetch {
  if (fixturesDir === '') return globalThis.fetch;
  return async (input, init) => {
    const response = await globalThis.fetch(input, init);
    const file = join(fixturesDir, `${String(++recorded).padStart(2, '0')}-${name}.json`);
    const request: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : null;
    const decoder = new TextDecoder();
    let body = '';
    const save = () => {
      mkdirSync(fixturesDir, { recursive: true });
      const exchange = {
        request,
        status: response.status,
        contentType: response.headers.get('content-type'),
        body,
      };
      writeFileSync(file, `${JSON.stringify(exchange, null, 2)}\n`);
    };
    save();
    if (response.body === null) return response;
    const recorder = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        body += decoder.decode(chunk, { stream: true });
        save();
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(recorder), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

const hello: ModelRequest = { messages: [{ role: 'user', content: 'Hello' }], maxTokens: 16 };

describe.skipIf(baseUrl === '')('createOpenAIClient against llama.cpp llama-server', () => {
  const client = (options: { stream?: boolean; timeoutMs?: number } = {}, name = 'chat') =>
    createOpenAIClient(
      { baseUrl, model: 'tiny-random', ...options },
      { fetch: recordingFetch(`${name}${options.stream === true ? '-stream' : ''}`) },
    );

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
    const outcome = await client({}, 'json-schema')
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
    const unknown = createOpenAIClient(
      { baseUrl: `${baseUrl}/no-such-prefix`, model: 'tiny-random' },
      { fetch: recordingFetch('not-found') },
    );
    await failure(unknown.complete(hello), 'ERR_MODEL_HTTP', 'invalid-request');
  });
});
