import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isRuntimeError, type RuntimeError } from 'agentvisor';
import { createOpenAIClient, type ModelRequest, type OpenAIClientOptions } from 'agentvisor/actors';
import { expectFailure as failure } from './expectFailure.js';
import {
  chunk,
  completion,
  json,
  sse,
  startEventStream,
  startProtocolServer,
  type Lane,
  type ProtocolServer,
} from './openaiProtocolServer.js';

const hello: ModelRequest = { messages: [{ role: 'user', content: 'Hello' }] };
const API_KEY = 'sk-live-0123456789abcdefSECRET';
const GATEWAY_KEY = 'gw-9f8e7d6c5b4a-GATEWAY';

/** Every string reachable from an error: message, stack, details and causes, deeply. */
function everythingSaid(error: unknown): string {
  const seen = new Set<unknown>();
  const out: string[] = [];
  const walk = (value: unknown, depth: number): void => {
    if (depth > 20 || seen.has(value)) return;
    if (typeof value === 'string') {
      out.push(value);
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    seen.add(value);
    if (value instanceof Error) {
      out.push(value.message, value.stack ?? '');
      walk(value.cause, depth + 1);
    }
    for (const key of Object.getOwnPropertyNames(value)) {
      walk((value as Record<string, unknown>)[key], depth + 1);
    }
  };
  walk(error, 0);
  // The wire form is what an asker receives in its reply.
  out.push(JSON.stringify(error, Object.getOwnPropertyNames(error)));
  return out.join('\n');
}

/** Resolves when the socket of a request closes. */
function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else
      socket.once('close', () => {
        resolve();
      });
  });
}

/** Writes `piece` until the peer goes away; resolves with the socket once it closed. */
function endless(res: ServerResponse, socket: Socket, piece: string): Promise<void> {
  const gone = closed(socket);
  let open = true;
  void gone.then(() => {
    open = false;
  });
  const pump = () => {
    while (open && res.write(piece));
    if (open) res.once('drain', pump);
  };
  pump();
  return gone;
}

describe('createOpenAIClient limits and secrets', () => {
  let server: ProtocolServer;
  let lane: Lane;
  const client = (options: Partial<OpenAIClientOptions> = {}) =>
    createOpenAIClient({
      baseUrl: server.baseUrl,
      model: 'test-model',
      apiKey: API_KEY,
      headers: { ...lane.headers, 'x-gateway-key': GATEWAY_KEY },
      ...options,
    });

  beforeAll(async () => {
    server = await startProtocolServer();
  });

  beforeEach(() => {
    lane = server.lane();
  });

  afterAll(async () => {
    await server.close();
  });

  describe('streamed tool calls (item R)', () => {
    const toolCallAt = (index: number) =>
      sse(
        chunk({
          tool_calls: [{ index, id: 'call_x', type: 'function', function: { name: 'f' } }],
        }),
      );

    it('refuses a tool call index of 4294967294 at once instead of walking 2^32 slots', async () => {
      void lane.next((_req, res) => {
        startEventStream(res);
        res.write(toolCallAt(4_294_967_294));
        res.write(sse(chunk({}, 'tool_calls')));
        res.end(sse('[DONE]'));
      });
      const err = await failure(
        client({ stream: true }).complete(hello),
        'ERR_MODEL_OUTPUT',
        'invalid-output',
      );
      expect(err.details).toMatchObject({ index: 4_294_967_294, maxToolCalls: 128 });
    });

    it('refuses a tool call index at the bound (128)', async () => {
      void lane.next((_req, res) => {
        startEventStream(res);
        res.write(toolCallAt(0));
        res.write(toolCallAt(128));
        res.write(sse(chunk({}, 'tool_calls')));
        res.end(sse('[DONE]'));
      });
      await failure(client({ stream: true }).complete(hello), 'ERR_MODEL_OUTPUT', 'invalid-output');
    });

    it('accepts 128 streamed tool calls (indexes 0 to 127)', async () => {
      void lane.next((_req, res) => {
        startEventStream(res);
        for (let i = 0; i < 128; i++) res.write(toolCallAt(i));
        res.write(sse(chunk({}, 'tool_calls')));
        res.end(sse('[DONE]'));
      });
      const res = await client({ stream: true }).complete(hello);
      expect(res.toolCalls).toHaveLength(128);
    });

    it('refuses more than 128 tool calls in a plain answer', async () => {
      const calls = Array.from({ length: 129 }, (_, i) => ({
        id: `call_${i}`,
        type: 'function',
        function: { name: 'f', arguments: '{}' },
      }));
      void lane.next(json(200, completion({ content: null, tool_calls: calls }, 'tool_calls')));
      await failure(client().complete(hello), 'ERR_MODEL_OUTPUT', 'invalid-output');
    });
  });

  describe('secrets in errors (item S)', () => {
    it('scrubs the API key a 401 echoes from the message, details, cause and wire form', async () => {
      void lane.next(
        json(401, {
          error: {
            message: `Incorrect API key provided: Bearer ${API_KEY}. Headers: x-gateway-key=${GATEWAY_KEY}`,
            type: 'invalid_request_error',
            code: 'invalid_api_key',
          },
        }),
      );
      const err = await failure(client().complete(hello), 'ERR_MODEL_HTTP', 'auth');
      const said = everythingSaid(err);
      expect(said).not.toContain(API_KEY);
      expect(said).not.toContain(GATEWAY_KEY);
      expect(said).toContain('[redacted]');
      expect(err.details).toMatchObject({ status: 401, providerCode: 'invalid_api_key' });
    });

    it('scrubs a key echoed in a non-JSON error body', async () => {
      void lane.next((_req, res) => {
        res.writeHead(403, { 'content-type': 'text/plain' });
        res.end(`forbidden for authorization: Bearer ${API_KEY}`);
      });
      const err = await failure(client().complete(hello), 'ERR_MODEL_HTTP', 'auth');
      expect(everythingSaid(err)).not.toContain(API_KEY);
    });

    it('scrubs a key echoed in a mid-stream error event', async () => {
      void lane.next((_req, res) => {
        startEventStream(res);
        res.write(sse(chunk({ content: 'a' })));
        res.end(sse({ error: { message: `key ${API_KEY} revoked`, type: 'server_error' } }));
      });
      const err = await failure(
        client({ stream: true }).complete(hello),
        'ERR_MODEL_HTTP',
        'transient',
      );
      expect(everythingSaid(err)).not.toContain(API_KEY);
    });

    it('scrubs a key the model echoes in a refusal', async () => {
      void lane.next(json(200, completion({ content: null, refusal: `no, ${API_KEY}` })));
      const err = await failure(client().complete(hello), 'ERR_MODEL_OUTPUT', 'safety');
      expect(everythingSaid(err)).not.toContain(API_KEY);
    });
  });

  describe('response size (item U)', () => {
    it('aborts an endless plain body once it passes maxResponseBytes and closes the connection', async () => {
      let socketClosed: Promise<void> | undefined;
      void lane.next((_req, res, socket) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"choices":[{"message":{"content":"');
        socketClosed = endless(res, socket, 'x'.repeat(16_384));
      });
      const err = await failure(
        client({ maxResponseBytes: 65_536 }).complete(hello),
        'ERR_MESSAGE_TOO_LARGE',
        'invalid-output',
      );
      expect(err.details).toMatchObject({ maxResponseBytes: 65_536 });
      await socketClosed;
    });

    it('refuses a plain body whose content-length is over the limit without reading it', async () => {
      void lane.next((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '300000000' });
        res.write('{');
      });
      const err = await failure(
        client({ maxResponseBytes: 65_536 }).complete(hello),
        'ERR_MESSAGE_TOO_LARGE',
        'invalid-output',
      );
      expect(err.details).toMatchObject({ contentLength: 300_000_000 });
    });

    it('refuses a finite body just over the limit that would parse', async () => {
      const body = completion({ content: 'y'.repeat(70_000) });
      void lane.next(json(200, body));
      await failure(
        client({ maxResponseBytes: 65_536 }).complete(hello),
        'ERR_MESSAGE_TOO_LARGE',
        'invalid-output',
      );
      // …and the same body is fine under a larger limit.
      void lane.next(json(200, body));
      const res = await client({ maxResponseBytes: 1_000_000 }).complete(hello);
      expect(res.text).toHaveLength(70_000);
    });

    it('aborts an endless event stream once it passes maxResponseBytes and closes it', async () => {
      let socketClosed: Promise<void> | undefined;
      void lane.next((_req, res, socket) => {
        startEventStream(res);
        socketClosed = endless(res, socket, sse(chunk({ content: 'z'.repeat(1_000) })));
      });
      const err = await failure(
        client({ stream: true, maxResponseBytes: 65_536 }).complete(hello),
        'ERR_MESSAGE_TOO_LARGE',
        'invalid-output',
      );
      expect(err.details).toMatchObject({ maxResponseBytes: 65_536 });
      await socketClosed;
    });

    it('aborts an event stream that never ends a line', async () => {
      let socketClosed: Promise<void> | undefined;
      void lane.next((_req, res, socket) => {
        startEventStream(res);
        res.write('data: ');
        socketClosed = endless(res, socket, 'w'.repeat(16_384));
      });
      await failure(
        client({ stream: true, maxResponseBytes: 65_536 }).complete(hello),
        'ERR_MESSAGE_TOO_LARGE',
        'invalid-output',
      );
      await socketClosed;
    });

    it('keeps reading an endless error body only up to the limit, and reports the status', async () => {
      let socketClosed: Promise<void> | undefined;
      void lane.next((_req, res, socket) => {
        res.writeHead(502, { 'content-type': 'text/html' });
        socketClosed = endless(res, socket, '<p>bad gateway</p>'.repeat(1_000));
      });
      const err = await failure(
        client({ maxResponseBytes: 65_536 }).complete(hello),
        'ERR_MODEL_HTTP',
        'transient',
      );
      expect(err.details).toMatchObject({ status: 502 });
      await socketClosed;
    });

    it('keeps only the start of a huge mid-stream error message', async () => {
      void lane.next((_req, res) => {
        startEventStream(res);
        res.end(sse({ error: { message: 'e'.repeat(100_000), type: 'server_error' } }));
      });
      const err = await failure(
        client({ stream: true }).complete(hello),
        'ERR_MODEL_HTTP',
        'transient',
      );
      expect(err.message.length).toBeLessThan(1_000);
    });

    it('refuses maxResponseBytes that is not a positive integer', () => {
      for (const maxResponseBytes of [0, -1, 1.5, Number.NaN]) {
        let thrown: unknown;
        try {
          client({ maxResponseBytes });
        } catch (e) {
          thrown = e;
        }
        expect(isRuntimeError(thrown, 'ERR_INVALID_OPTIONS')).toBe(true);
      }
    });
  });

  describe('llama.cpp format failures (item 10)', () => {
    // llama.cpp's server (common/chat.cpp, common_chat_parse) answers this when the model's
    // output does not fit the grammar of a json_schema / tool-call format.
    const llamaBody = {
      error: {
        code: 500,
        message: 'The model produced output that does not match the expected peg-native format',
        type: 'server_error',
      },
    };

    it('classes its 500 "does not match the expected format" as invalid-output', async () => {
      void lane.next(json(500, llamaBody));
      const err: RuntimeError = await failure(
        client().complete(hello),
        'ERR_MODEL_HTTP',
        'invalid-output',
      );
      expect(err.details).toMatchObject({ status: 500, providerType: 'server_error' });
    });

    it('classes the short wording "output doesn\'t match format" as invalid-output', async () => {
      void lane.next(
        json(500, {
          error: { code: 500, message: "output doesn't match format", type: 'server_error' },
        }),
      );
      await failure(client().complete(hello), 'ERR_MODEL_HTTP', 'invalid-output');
    });

    it('keeps other 500s transient, even when their text mentions a format', async () => {
      for (const message of [
        'Internal server error',
        'failed to format the response',
        'slot unavailable: the format is loading',
      ]) {
        void lane.next(json(500, { error: { code: 500, message, type: 'server_error' } }));
        await failure(client().complete(hello), 'ERR_MODEL_HTTP', 'transient');
      }
    });

    it('keeps a 503 with the same text transient (only a 500 names a bad output)', async () => {
      void lane.next(json(503, llamaBody));
      await failure(client().complete(hello), 'ERR_MODEL_HTTP', 'transient');
    });
  });
});
