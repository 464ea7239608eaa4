/**
 * The OpenAI client against what a real llama.cpp `llama-server` answered: the exchanges recorded
 * by `LLAMA_RECORD=1 npm run test:llama` (fixtures/llama), served back byte for byte by a local
 * HTTP server on a real socket. Each test checks that the client still sends the request the real
 * server was sent, and reads the real server's answer (its JSON, its SSE framing with llama.cpp's
 * `timings` and the usage-only last chunk, its 404 body) as it did when it was recorded.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenAIClient, type ModelDelta, type ModelRequest } from 'agentvisor/actors';
import { expectFailure } from './expectFailure.js';
import { startProtocolServer, type Handler, type ProtocolServer } from './openaiProtocolServer.js';

interface Exchange {
  readonly request: Record<string, unknown>;
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

function fixture(name: string): Exchange {
  const url = new URL(`./fixtures/llama/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Exchange;
}

/** Answers with the recorded status, content type and body; `end: false` leaves the stream open. */
function replay(exchange: Exchange, { end = true } = {}): Handler {
  return (_req, res) => {
    res.writeHead(exchange.status, { 'content-type': exchange.contentType });
    if (end) res.end(exchange.body);
    else res.write(exchange.body);
  };
}

/** The assistant text of a recorded non-streaming answer. */
function recordedText(exchange: Exchange): string {
  const body = JSON.parse(exchange.body) as { choices: { message: { content: string } }[] };
  const text = body.choices[0]?.message.content;
  if (text === undefined) throw new Error('fixture has no choice');
  return text;
}

const hello: ModelRequest = { messages: [{ role: 'user', content: 'Hello' }], maxTokens: 16 };

describe('createOpenAIClient on recorded llama-server answers', () => {
  let server: ProtocolServer;

  beforeAll(async () => {
    server = await startProtocolServer();
  });

  afterAll(async () => {
    await server.close();
  });

  function client(options: { stream?: boolean } = {}) {
    const lane = server.lane();
    const model = createOpenAIClient({
      baseUrl: server.baseUrl,
      model: 'tiny-random',
      headers: lane.headers,
      ...options,
    });
    return { model, lane };
  }

  it('a plain chat: the recorded text, usage and finish reason', async () => {
    const exchange = fixture('01-chat');
    const { model, lane } = client();
    const arrived = lane.next(replay(exchange));
    const res = await model.complete({ ...hello, temperature: 0 });
    expect((await arrived).body).toEqual(exchange.request);
    expect(res.text).toBe(recordedText(exchange));
    expect(res.usage).toMatchObject({ inputTokens: 57, outputTokens: 16 });
    expect(res.finishReason).toBe('length');
  });

  it("a streamed chat: deltas add up to the text, usage from llama.cpp's usage-only last chunk", async () => {
    const exchange = fixture('02-chat-stream');
    const { model, lane } = client({ stream: true });
    const arrived = lane.next(replay(exchange));
    const deltas: ModelDelta[] = [];
    const res = await model.complete(hello, { onDelta: (d) => deltas.push(d) });
    expect((await arrived).body).toEqual(exchange.request);
    const streamed = deltas.map((d) => (d.type === 'text' ? d.text : '')).join('');
    expect(streamed).toBe(res.text);
    expect(res.text.length).toBeGreaterThan(0);
    expect(res.usage).toMatchObject({ inputTokens: 57, outputTokens: 16 });
  });

  it('json_schema output: parsed and held to the schema', async () => {
    const exchange = fixture('03-json-schema');
    const { model, lane } = client();
    const arrived = lane.next(replay(exchange));
    const res = await model.complete({
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
    });
    expect((await arrived).body).toEqual(exchange.request);
    expect(res.output).toEqual({ ok: true });
  });

  it('a stream the caller aborts at its first delta rejects with the signal reason', async () => {
    const exchange = fixture('04-chat-stream');
    const { model, lane } = client({ stream: true });
    // What had arrived when the caller gave up; the connection stays open, as the server's did.
    const arrived = lane.next(replay(exchange, { end: false }));
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    const call = model.complete(
      { ...hello, maxTokens: 512 },
      {
        signal: controller.signal,
        onDelta: () => {
          controller.abort(reason);
        },
      },
    );
    await expect(call).rejects.toBe(reason);
    expect((await arrived).body).toEqual(exchange.request);
  });

  it("llama-server's 404 body is an invalid-request", async () => {
    const exchange = fixture('05-not-found');
    const { model, lane } = client();
    const arrived = lane.next(replay(exchange));
    await expectFailure(model.complete(hello), 'ERR_MODEL_HTTP', 'invalid-request');
    expect((await arrived).body).toEqual(exchange.request);
  });
});
