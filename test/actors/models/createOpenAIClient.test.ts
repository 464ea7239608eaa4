import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectRuntimeError } from 'agentvisor/testing';
import { createLogger } from 'agentvisor';
import { createOpenAIClient, type ModelRequest, type OpenAIClientOptions } from 'agentvisor/actors';
import { classifyFailure } from 'agentvisor/supervisors';
import { completionBody, fakeFetch, jsonResponse, type Answer } from './fakeFetch.js';

const hello: ModelRequest = { messages: [{ role: 'user', content: 'Hello' }] };
const base = { baseUrl: 'http://models.test/v1', model: 'm-1' } as const;

/** A client whose fetch answers with `answers`, and the calls it made. */
function clientWith(options: Partial<OpenAIClientOptions>, ...answers: Answer[]) {
  const fake = fakeFetch(...answers);
  return { client: createOpenAIClient({ ...base, ...options }, { fetch: fake.fetch }), ...fake };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('createOpenAIClient options', () => {
  it.each([
    ['a retry count', { maxRetries: 2 }, 'maxRetries'],
    ['a non-HTTP base URL', { baseUrl: 'ftp://models.test' }, 'baseUrl'],
    ['a zero timeout', { timeoutMs: 0 }, 'timeoutMs'],
    ['an empty model', { model: '' }, 'model'],
    ['an unknown option', { retries: 1 }, ''],
  ])('refuses %s with ERR_INVALID_OPTIONS', (_what, patch, path) => {
    const err = expectRuntimeError(
      () => createOpenAIClient({ ...base, apiKey: 'sk-secret', ...patch } as OpenAIClientOptions),
      'ERR_INVALID_OPTIONS',
    );
    const issues = err.details?.['issues'] as { path: string }[];
    expect(issues.map((i) => i.path)).toContain(path);
    expect(JSON.stringify(err.toWire())).not.toContain('sk-secret');
  });

  it('is named after its model unless given a name', () => {
    expect(createOpenAIClient(base).name).toBe('m-1');
    expect(createOpenAIClient({ ...base, name: 'primary' }).name).toBe('primary');
  });
});

describe('createOpenAIClient requests', () => {
  it('posts to {baseUrl}/chat/completions, trailing slash or not', async () => {
    const { client, calls } = clientWith({ baseUrl: 'http://models.test/v1/' }, () =>
      jsonResponse(200, completionBody({ content: 'ok' })),
    );
    await client.complete(hello);
    expect(calls[0]?.url).toBe('http://models.test/v1/chat/completions');
  });

  it('takes the key from OPENAI_API_KEY when none is given; headers override', async () => {
    vi.stubEnv('OPENAI_API_KEY', 'sk-from-env');
    const { client, calls } = clientWith({ headers: { 'x-project': 'p1', accept: '*/*' } }, () =>
      jsonResponse(200, completionBody({ content: 'ok' })),
    );
    await client.complete(hello);
    expect(calls[0]?.headers).toEqual({
      authorization: 'Bearer sk-from-env',
      'content-type': 'application/json',
      accept: '*/*',
      'x-project': 'p1',
    });
  });

  it('sends no authorization without a key (Ollama, llama.cpp)', async () => {
    vi.stubEnv('OPENAI_API_KEY', '');
    const { client, calls } = clientWith({}, () =>
      jsonResponse(200, completionBody({ content: 'ok' })),
    );
    await client.complete(hello);
    expect(calls[0]?.headers).not.toHaveProperty('authorization');
  });

  it('maps tool turns, a named tool choice and json_object to the wire format', async () => {
    const { client, calls } = clientWith({}, () =>
      jsonResponse(200, completionBody({ content: '{}' })),
    );
    await client.complete({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: '',
          toolCalls: [{ id: 'c1', name: 'weather', arguments: { city: 'Oslo' } }],
        },
        { role: 'tool', content: '{"c":3}', toolCallId: 'c1' },
      ],
      tools: [{ name: 'weather', parameters: { type: 'object' } }],
      toolChoice: { name: 'weather' },
      responseFormat: { type: 'json_object' },
    });
    expect(calls[0]?.body).toEqual({
      model: 'm-1',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'c1',
              type: 'function',
              function: { name: 'weather', arguments: '{"city":"Oslo"}' },
            },
          ],
        },
        { role: 'tool', content: '{"c":3}', tool_call_id: 'c1' },
      ],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }],
      tool_choice: { type: 'function', function: { name: 'weather' } },
      response_format: { type: 'json_object' },
    });
  });
});

describe('createOpenAIClient answers', () => {
  const answer = (message: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    clientWith({}, () => jsonResponse(200, completionBody(message, extra))).client.complete(hello);

  it('accepts object arguments (Ollama), missing ids and empty arguments', async () => {
    const res = await answer({
      content: null,
      tool_calls: [
        { function: { name: 'a', arguments: { x: 1 } } },
        { function: { name: 'b', arguments: '' } },
      ],
    });
    expect(res.toolCalls).toEqual([
      { id: 'call_0', name: 'a', arguments: { x: 1 } },
      { id: 'call_1', name: 'b', arguments: {} },
    ]);
  });

  it('fails with invalid-output on a tool call without a name', async () => {
    const err = await expectRuntimeError(
      answer({ tool_calls: [{ function: { arguments: '{}' } }] }),
      'ERR_MODEL_OUTPUT',
    );
    expect(err.code).toBe('ERR_MODEL_OUTPUT');
    expect(classifyFailure(err)).toBe('invalid-output');
  });

  it('reports a refusal as a safety failure', async () => {
    const err = await expectRuntimeError(
      answer({ content: null, refusal: "I can't help with that." }),
      'ERR_MODEL_OUTPUT',
    );
    expect(err.code).toBe('ERR_MODEL_OUTPUT');
    expect(err.details?.['failureClass']).toBe('safety');
    expect(classifyFailure(err)).toBe('safety');
  });

  it('reports zero usage when the server sends none, and maps unknown finish reasons', async () => {
    const res = await answer(
      { content: 'hi' },
      { usage: undefined, choices: [{ message: { content: 'hi' }, finish_reason: 'eos' }] },
    );
    expect(res.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
    expect(res.finishReason).toBe('other');
  });

  it('prices the call when given prices', async () => {
    const fake = fakeFetch(() =>
      jsonResponse(
        200,
        completionBody(
          { content: 'hi' },
          { usage: { prompt_tokens: 1000, completion_tokens: 500 } },
        ),
      ),
    );
    const client = createOpenAIClient(
      { ...base, pricing: { inputPerMillionTokens: 0.15, outputPerMillionTokens: 0.6 } },
      { fetch: fake.fetch },
    );
    const res = await client.complete(hello);
    expect(res.cost).toBeCloseTo(0.00045, 10);
  });

  it('does not parse JSON output when the model answered with tool calls only', async () => {
    const fake = fakeFetch(() =>
      jsonResponse(
        200,
        completionBody({
          content: null,
          tool_calls: [{ id: 'c', function: { name: 'f', arguments: '{}' } }],
        }),
      ),
    );
    const client = createOpenAIClient(base, { fetch: fake.fetch });
    const res = await client.complete({ ...hello, responseFormat: { type: 'json_object' } });
    expect(res).not.toHaveProperty('output');
    expect(res.toolCalls).toHaveLength(1);
  });

  it('logs each call without the key or the prompt', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'debug',
      destination: { write: (l: string) => lines.push(l) },
    });
    const fake = fakeFetch(
      () => jsonResponse(200, completionBody({ content: 'ok' })),
      () => jsonResponse(401, { error: { message: 'bad key' } }),
    );
    const client = createOpenAIClient(
      { ...base, apiKey: 'sk-never-logged' },
      { fetch: fake.fetch, logger },
    );
    await client.complete(hello);
    await client.complete(hello).catch(() => undefined);
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ model: 'm-1', status: 200, inputTokens: 3 });
    expect(JSON.parse(lines[1]!)).toMatchObject({
      status: 401,
      code: 'ERR_MODEL_HTTP',
      failureClass: 'auth',
    });
    for (const line of lines) {
      expect(line).not.toContain('sk-never-logged');
      expect(line).not.toContain('Hello');
    }
  });
});
