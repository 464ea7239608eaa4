import { createServer } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from 'agentvisor/testing';
import {
  createOpenAIClient,
  type ModelDelta,
  type ModelRequest,
  type OpenAIClientOptions,
} from 'agentvisor/actors';
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

/** A promise and the function that resolves it. */
function signal() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

// Two kinds of timeout test. Where the outcome is the same however slow the machine is (a server
// that never answers ends in a timeout in every phase), the real clock fires after 150 ms. Where
// the phase matters (headers in, body stalled), a TestClock fires the timer only once the test has
// seen the server reach that state: real sockets, deterministic time, no flaky margins.

describe('createOpenAIClient against a failing protocol server', () => {
  let server: ProtocolServer;
  let lane: Lane;
  const client = (options: Partial<OpenAIClientOptions> = {}) =>
    createOpenAIClient({
      baseUrl: server.baseUrl,
      model: 'test-model',
      headers: lane.headers,
      ...options,
    });

  /** A client on a TestClock whose fetch reports when the response headers are in. */
  const clientOnTestClock = (options: Partial<OpenAIClientOptions>) => {
    const clock = new TestClock();
    const headers = signal();
    const model = createOpenAIClient(
      { baseUrl: server.baseUrl, model: 'test-model', headers: lane.headers, ...options },
      {
        clock,
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          headers.resolve();
          return response;
        },
      },
    );
    return { clock, model, headersIn: headers.promise };
  };

  beforeAll(async () => {
    server = await startProtocolServer();
  });

  beforeEach(() => {
    // A lane per test: a late request of an earlier test cannot take this test's handlers.
    lane = server.lane();
  });

  afterAll(async () => {
    // Destroys every socket, including those of requests the server never answered.
    await server.close();
  });

  describe('broken connections and timeouts', () => {
    it('times out when the server accepts but never sends headers', async () => {
      void lane.next(() => undefined);
      const err = await failure(
        client({ timeoutMs: 150 }).complete(hello),
        'ERR_TIMEOUT',
        'transient',
      );
      expect(err.details).toMatchObject({ phase: 'headers', timeoutMs: 150 });
      expect(err.details).not.toHaveProperty('status');
    });

    it('times out when the body never finishes', async () => {
      void lane.next((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"choices": [');
      });
      const { clock, model, headersIn } = clientOnTestClock({ timeoutMs: 5_000 });
      const call = model.complete(hello);
      await headersIn;
      await clock.advance(0);
      await clock.advance(5_000);
      const err = await failure(call, 'ERR_TIMEOUT', 'transient');
      expect(err.details).toMatchObject({ phase: 'body', status: 200, timeoutMs: 5_000 });
    });

    it('reports a connection reset before the answer as transient', async () => {
      void lane.next((_req, _res, socket) => socket.destroy());
      await failure(client().complete(hello), 'ERR_MODEL_CONNECTION', 'transient');
    });

    it('reports a connection reset in the middle of the body as transient', async () => {
      void lane.next((_req, res, socket) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        res.write('{"choices": [', () => socket.destroy());
      });
      const err = await failure(client().complete(hello), 'ERR_MODEL_CONNECTION', 'transient');
      expect(err.details?.['status']).toBe(200);
    });

    it('reports a refused connection as transient', async () => {
      // A port that was just free: nothing listens on it.
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const { port } = probe.address() as { port: number };
      await new Promise<void>((resolve) => {
        probe.close(() => {
          resolve();
        });
      });
      const refused = createOpenAIClient({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'm' });
      const err = await failure(refused.complete(hello), 'ERR_MODEL_CONNECTION', 'transient');
      expect(err.details?.['networkCode']).toBe('ECONNREFUSED');
    });

    it('rejects with the signal reason when the caller aborts', async () => {
      const arrived = lane.next(() => undefined);
      const controller = new AbortController();
      const call = client().complete(hello, { signal: controller.signal });
      await arrived;
      const reason = new Error('caller gave up');
      controller.abort(reason);
      await expect(call).rejects.toBe(reason);
    });

    it('rejects at once, without a request, when the signal is already aborted', async () => {
      const before = server.received.length;
      const reason = new Error('already aborted');
      await expect(client().complete(hello, { signal: AbortSignal.abort(reason) })).rejects.toBe(
        reason,
      );
      expect(server.received.length).toBe(before);
    });
  });

  describe('streaming', () => {
    const streaming = { stream: true } as const;

    it('puts a streamed answer back together, with deltas, tool calls and usage', async () => {
      const arrived = lane.next((_req, res) => {
        startEventStream(res);
        res.write(sse(chunk({ role: 'assistant', content: '' })));
        res.write(sse(chunk({ content: 'Hel' })));
        res.write(': keep-alive\n\n');
        res.write(sse(chunk({ content: 'lo' })));
        res.write(
          sse(
            chunk({
              tool_calls: [
                {
                  index: 0,
                  id: 'call_1',
                  type: 'function',
                  function: { name: 'f', arguments: '{"x"' },
                },
              ],
            }),
          ),
        );
        res.write(sse(chunk({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] })));
        res.write(sse(chunk({}, 'tool_calls')));
        res.write(
          sse({ id: 'chatcmpl-1', choices: [], usage: { prompt_tokens: 5, completion_tokens: 3 } }),
        );
        res.end(sse('[DONE]'));
      });
      const deltas: ModelDelta[] = [];
      const res = await client(streaming).complete(hello, { onDelta: (d) => deltas.push(d) });
      const req = await arrived;
      expect(req.headers.accept).toBe('text/event-stream');
      expect(req.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
      expect(res).toEqual({
        text: 'Hello',
        model: 'test-model-0601',
        usage: { inputTokens: 5, outputTokens: 3 },
        toolCalls: [{ id: 'call_1', name: 'f', arguments: { x: 1 } }],
        finishReason: 'tool-calls',
      });
      expect(deltas).toEqual([
        { type: 'text', text: 'Hel' },
        { type: 'text', text: 'lo' },
        { type: 'tool-call', index: 0, name: 'f', argumentsDelta: '{"x"' },
        { type: 'tool-call', index: 0, argumentsDelta: ':1}' },
      ]);
    });

    it('times out when a stream stalls midway', async () => {
      void lane.next((_req, res) => {
        startEventStream(res);
        res.write(sse(chunk({ role: 'assistant', content: 'Once upon' })));
        res.write(sse(chunk({ content: ' a time' })));
        // …and nothing more: the connection stays open.
      });
      const { clock, model } = clientOnTestClock({ stream: true, idleTimeoutMs: 2_000 });
      const deltas: ModelDelta[] = [];
      const bothIn = signal();
      const call = model.complete(hello, {
        onDelta: (d) => {
          if (deltas.push(d) === 2) bothIn.resolve();
        },
      });
      await bothIn.promise;
      await clock.advance(2_000);
      const err = await failure(call, 'ERR_TIMEOUT', 'transient');
      expect(err.details).toMatchObject({ phase: 'idle', timeoutMs: 2_000, status: 200 });
      expect(deltas.map((d) => d.type === 'text' && d.text)).toEqual(['Once upon', ' a time']);
    });

    it('times out on a stream whose headers never come', async () => {
      void lane.next(() => undefined);
      const err = await failure(
        client({ stream: true, idleTimeoutMs: 150 }).complete(hello),
        'ERR_TIMEOUT',
        'transient',
      );
      expect(err.details).toMatchObject({ phase: 'idle', timeoutMs: 150 });
    });

    it('reports a stream cut by a connection reset as transient', async () => {
      void lane.next((_req, res, socket) => {
        startEventStream(res);
        res.write(sse(chunk({ content: 'partial' })), () => socket.destroy());
      });
      await failure(client(streaming).complete(hello), 'ERR_MODEL_CONNECTION', 'transient');
    });

    it('fails with invalid-output on a malformed chunk', async () => {
      void lane.next((_req, res) => {
        startEventStream(res);
        res.write(sse(chunk({ content: 'ok' })));
        res.end('data: {"choices": [\n\n');
      });
      await failure(client(streaming).complete(hello), 'ERR_MODEL_OUTPUT', 'invalid-output');
    });

    it('reads a JSON answer from a server that ignores stream: true', async () => {
      void lane.next(json(200, completion({ content: 'not streamed' })));
      const res = await client(streaming).complete(hello);
      expect(res.text).toBe('not streamed');
    });
  });
});
