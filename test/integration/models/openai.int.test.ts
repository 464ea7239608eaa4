import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from 'agentvisor';
import { createOpenAIClient, type ModelRequest, type OpenAIClientOptions } from 'agentvisor/actors';
import { expectFailure as failure } from './expectFailure.js';
import {
  completion,
  errorBody,
  json,
  startProtocolServer,
  type Lane,
  type ProtocolServer,
} from './openaiProtocolServer.js';

const hello: ModelRequest = { messages: [{ role: 'user', content: 'Hello' }] };

describe('createOpenAIClient against a local protocol server', () => {
  let server: ProtocolServer;
  let lane: Lane;
  const client = (options: Partial<OpenAIClientOptions> = {}, clock?: Clock) =>
    createOpenAIClient(
      {
        baseUrl: server.baseUrl,
        model: 'test-model',
        apiKey: 'sk-test-secret',
        headers: lane.headers,
        ...options,
      },
      clock === undefined ? {} : { clock },
    );

  beforeAll(async () => {
    server = await startProtocolServer();
  });

  beforeEach(() => {
    // A lane per test: a late request of an earlier test cannot take this test's handlers.
    lane = server.lane();
  });

  afterAll(async () => {
    await server.close();
  });

  describe('answers', () => {
    it('completes a chat with text, usage and finish reason', async () => {
      const arrived = lane.next(json(200, completion({ content: 'Hi there' })));
      const res = await client().complete({ ...hello, maxTokens: 50, temperature: 0 });
      const req = await arrived;
      expect(req.method).toBe('POST');
      expect(req.url).toBe('/v1/chat/completions');
      expect(req.headers.authorization).toBe('Bearer sk-test-secret');
      expect(req.body).toEqual({
        model: 'test-model',
        messages: [{ role: 'user', content: 'Hello' }],
        max_tokens: 50,
        temperature: 0,
      });
      expect(res).toEqual({
        text: 'Hi there',
        model: 'test-model-0601',
        usage: { inputTokens: 11, outputTokens: 7 },
        finishReason: 'stop',
      });
    });

    it('returns tool calls with their arguments parsed', async () => {
      const arrived = lane.next(
        json(
          200,
          completion(
            {
              content: null,
              tool_calls: [
                {
                  id: 'call_abc',
                  type: 'function',
                  function: { name: 'get_weather', arguments: '{"city":"Oslo","days":2}' },
                },
              ],
            },
            'tool_calls',
          ),
        ),
      );
      const tools = [
        {
          name: 'get_weather',
          description: 'Weather forecast',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      ];
      const res = await client().complete({ ...hello, tools, toolChoice: 'required' });
      expect((await arrived).body).toMatchObject({
        tools: [{ type: 'function', function: tools[0] }],
        tool_choice: 'required',
      });
      expect(res.text).toBe('');
      expect(res.finishReason).toBe('tool-calls');
      expect(res.toolCalls).toEqual([
        { id: 'call_abc', name: 'get_weather', arguments: { city: 'Oslo', days: 2 } },
      ]);
    });

    it('fails with invalid-output when tool arguments are not JSON', async () => {
      void lane.next(
        json(
          200,
          completion(
            {
              content: null,
              tool_calls: [
                { id: 'c1', type: 'function', function: { name: 'f', arguments: '{"a":' } },
              ],
            },
            'tool_calls',
          ),
        ),
      );
      const err = await failure(client().complete(hello), 'ERR_MODEL_OUTPUT', 'invalid-output');
      expect(err.details).toMatchObject({ tool: 'f', index: 0 });
    });

    it('asks for json_schema output and parses the content', async () => {
      const schema = {
        type: 'object',
        properties: { answer: { type: 'number' } },
        required: ['answer'],
        additionalProperties: false,
      };
      const arrived = lane.next(json(200, completion({ content: '{"answer":42}' })));
      const res = await client().complete({
        ...hello,
        responseFormat: { type: 'json_schema', name: 'Answer', schema, strict: true },
      });
      expect((await arrived).body['response_format']).toEqual({
        type: 'json_schema',
        json_schema: { name: 'Answer', schema, strict: true },
      });
      expect(res.output).toEqual({ answer: 42 });
    });

    it('fails with invalid-output when structured output is not JSON', async () => {
      void lane.next(json(200, completion({ content: 'The answer is 42.' })));
      await failure(
        client().complete({
          ...hello,
          responseFormat: { type: 'json_schema', name: 'Answer', schema: { type: 'object' } },
        }),
        'ERR_MODEL_OUTPUT',
        'invalid-output',
      );
    });

    it('fails with invalid-output on a malformed JSON body', async () => {
      void lane.next((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"choices": [{"message": {"content": "Hi"');
      });
      const err = await failure(client().complete(hello), 'ERR_MODEL_OUTPUT', 'invalid-output');
      expect(err.details?.['status']).toBe(200);
    });

    it('fails with invalid-output on JSON that is not a chat completion', async () => {
      void lane.next(json(200, { object: 'list', data: [] }));
      await failure(client().complete(hello), 'ERR_MODEL_OUTPUT', 'invalid-output');
    });
  });

  describe('error statuses', () => {
    it('reports 429 as rate-limit with Retry-After in seconds', async () => {
      void lane.next(
        json(429, errorBody('Rate limit reached', 'requests', 'rate_limit_exceeded'), {
          'retry-after': '2',
        }),
      );
      const err = await failure(client().complete(hello), 'ERR_MODEL_HTTP', 'rate-limit');
      expect(err.details).toMatchObject({ status: 429, retryAfterMs: 2000 });
    });

    it('reports 429 with Retry-After as an HTTP date, measured on the clock', async () => {
      // A clock with a fixed wall time (timers stay real): the delay is exact.
      const now = 1_800_000_000_000;
      const clock: Clock = { ...systemClock, now: () => now };
      void lane.next(
        json(429, errorBody('slow down', 'requests'), {
          'retry-after': new Date(now + 90_000).toUTCString(),
        }),
      );
      const err = await failure(client({}, clock).complete(hello), 'ERR_MODEL_HTTP', 'rate-limit');
      expect(err.details).toMatchObject({ status: 429, retryAfterMs: 90_000 });
    });

    it('prefers retry-after-ms to Retry-After', async () => {
      void lane.next(
        json(429, errorBody('slow down', 'requests'), {
          'retry-after-ms': '1500',
          'retry-after': '2',
        }),
      );
      const err = await failure(client().complete(hello), 'ERR_MODEL_HTTP', 'rate-limit');
      expect(err.details?.['retryAfterMs']).toBe(1500);
    });

    it('reports an exhausted quota (429 insufficient_quota) as budget', async () => {
      void lane.next(
        json(
          429,
          errorBody('You exceeded your current quota', 'insufficient_quota', 'insufficient_quota'),
        ),
      );
      const err = await failure(client().complete(hello), 'ERR_MODEL_HTTP', 'budget');
      expect(err.details).toMatchObject({ status: 429, providerCode: 'insufficient_quota' });
    });

    it('reports 500 as transient', async () => {
      void lane.next(json(500, errorBody('The server had an error', 'server_error')));
      const err = await failure(client().complete(hello), 'ERR_MODEL_HTTP', 'transient');
      expect(err.details?.['status']).toBe(500);
      expect(err.details).not.toHaveProperty('retryAfterMs');
    });

    it('reports a 503 from a proxy (HTML body) as transient with its Retry-After', async () => {
      void lane.next((_req, res) => {
        res.writeHead(503, { 'content-type': 'text/html', 'retry-after': '1' });
        res.end('<html><body>Service Unavailable</body></html>');
      });
      const err = await failure(client().complete(hello), 'ERR_MODEL_HTTP', 'transient');
      expect(err.details).toMatchObject({ status: 503, retryAfterMs: 1000 });
    });

    it.each([
      [401, 'auth'],
      [403, 'auth'],
      [400, 'invalid-request'],
      [404, 'invalid-request'],
      [422, 'invalid-request'],
    ] as const)('reports %i as %s', async (status, failureClass) => {
      void lane.next(json(status, errorBody('no', 'invalid_request_error')));
      const err = await failure(client().complete(hello), 'ERR_MODEL_HTTP', failureClass);
      expect(err.details?.['status']).toBe(status);
    });

    it('never puts the API key in an error', async () => {
      void lane.next(json(401, errorBody('Incorrect API key provided', 'invalid_request_error')));
      const err = await failure(client().complete(hello), 'ERR_MODEL_HTTP', 'auth');
      expect(JSON.stringify(err.toWire())).not.toContain('sk-test-secret');
    });
  });
});
