import { describe, expect, it } from 'vitest';
import { isRuntimeError, type RuntimeError } from 'agentvisor';
import { createOpenAIClient, type ModelRequest } from 'agentvisor/actors';
import { classifyFailure } from 'agentvisor/supervisors';
import { TestClock } from 'agentvisor/testing';
import { nextMacrotask } from 'agentvisor/internal';
import { completionBody, fakeFetch, jsonResponse, manualStream } from './fakeFetch.js';

const hello: ModelRequest = { messages: [{ role: 'user', content: 'Hello' }] };
const base = { baseUrl: 'http://models.test/v1', model: 'm-1' } as const;

/** Tracks a promise's outcome without awaiting it, so time can move while it is pending. */
function track<T>(promise: Promise<T>) {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  promise.then(
    (value) => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

function expectTimeout(error: unknown, phase: string): RuntimeError {
  expect(isRuntimeError(error, 'ERR_TIMEOUT')).toBe(true);
  const err = error as RuntimeError;
  expect(err.details).toMatchObject({ phase, failureClass: 'transient' });
  expect(classifyFailure(err)).toBe('transient');
  return err;
}

const data = (chunk: unknown) => `data: ${JSON.stringify(chunk)}\n\n`;
const text = (content: string) => data({ choices: [{ index: 0, delta: { content } }] });

/** A streaming client on a TestClock whose one call answers with a manual stream. */
function streamingClient(idleTimeoutMs = 100, timeoutMs = 10_000) {
  const clock = new TestClock();
  const handle: { stream?: ReturnType<typeof manualStream> } = {};
  const fake = fakeFetch((call) => {
    handle.stream = manualStream(call);
    return handle.stream.response;
  });
  const client = createOpenAIClient(
    { ...base, stream: true, idleTimeoutMs, timeoutMs },
    { clock, fetch: fake.fetch },
  );
  const stream = () => {
    if (handle.stream === undefined) throw new Error('no call yet');
    return handle.stream;
  };
  return { clock, client, stream };
}

describe('createOpenAIClient timeouts', () => {
  it('times out exactly at timeoutMs on the injected clock', async () => {
    const clock = new TestClock();
    const fake = fakeFetch(() => undefined);
    const client = createOpenAIClient({ ...base, timeoutMs: 5_000 }, { clock, fetch: fake.fetch });
    const call = track(client.complete(hello));
    await clock.advance(4_999);
    expect(call.settled).toBe(false);
    await clock.advance(1);
    const err = expectTimeout(call.error, 'headers');
    expect(err.details?.['timeoutMs']).toBe(5_000);
    expect(fake.calls[0]?.signal.aborted).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('leaves no timer behind after a call that succeeded', async () => {
    const clock = new TestClock();
    const fake = fakeFetch(() => jsonResponse(200, completionBody({ content: 'ok' })));
    const client = createOpenAIClient({ ...base, stream: true }, { clock, fetch: fake.fetch });
    await client.complete(hello);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a caller abort wins over the timers and clears them', async () => {
    const clock = new TestClock();
    const fake = fakeFetch(() => undefined);
    const client = createOpenAIClient(base, { clock, fetch: fake.fetch });
    const controller = new AbortController();
    const call = track(client.complete(hello, { signal: controller.signal }));
    await nextMacrotask();
    const reason = new Error('user cancelled');
    controller.abort(reason);
    await nextMacrotask();
    expect(call.error).toBe(reason);
    expect(clock.pendingTimers).toBe(0);
  });

  it('restarts the idle timer on each event, not on keep-alive comments', async () => {
    const { clock, client, stream } = streamingClient(100);
    const call = track(client.complete(hello));
    await nextMacrotask();
    await clock.advance(90);
    stream().push(text('Hel'));
    await nextMacrotask();
    await clock.advance(90); // 180 ms in: alive, thanks to the event at 90
    expect(call.settled).toBe(false);
    stream().push(': keep-alive\n\n');
    await nextMacrotask();
    await clock.advance(10); // 100 ms after the last event
    expectTimeout(call.error, 'idle');
    expect(clock.pendingTimers).toBe(0);
  });

  it('bounds a stream that is alive but too long with timeoutMs', async () => {
    const { clock, client, stream } = streamingClient(100, 250);
    const call = track(client.complete(hello));
    await nextMacrotask();
    for (let i = 0; i < 5 && !call.settled; i++) {
      stream().push(text('x'));
      await nextMacrotask();
      await clock.advance(60);
    }
    expectTimeout(call.error, 'body');
  });

  it('accepts a stream that ends with a finish reason but no [DONE]', async () => {
    const { client, stream } = streamingClient();
    const call = client.complete(hello);
    await nextMacrotask();
    stream().push(text('Hi'));
    stream().push(data({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
    stream().end();
    await expect(call).resolves.toMatchObject({ text: 'Hi', finishReason: 'stop' });
  });

  it('reports a stream ending with neither [DONE] nor a finish reason as transient', async () => {
    const { client, stream } = streamingClient();
    const call = track(client.complete(hello));
    await nextMacrotask();
    stream().push(text('Hi'));
    stream().end();
    await nextMacrotask();
    expect(isRuntimeError(call.error, 'ERR_MODEL_CONNECTION')).toBe(true);
    expect(classifyFailure(call.error)).toBe('transient');
  });

  it('reports an error event mid-stream with the class its code implies', async () => {
    const { client, stream } = streamingClient();
    const call = track(client.complete(hello));
    await nextMacrotask();
    stream().push(text('Hi'));
    stream().push(data({ error: { message: 'overloaded', type: 'server_error' } }));
    await nextMacrotask();
    expect(isRuntimeError(call.error, 'ERR_MODEL_HTTP')).toBe(true);
    expect(classifyFailure(call.error)).toBe('transient');
  });

  it('joins events split across reads and CRLF line endings', async () => {
    const { client, stream } = streamingClient();
    const call = client.complete(hello);
    await nextMacrotask();
    const event = text('split').replace(/\n/g, '\r\n');
    stream().push(event.slice(0, 9));
    stream().push(event.slice(9));
    stream().push('data: [DONE]\r\n\r\n');
    await expect(call).resolves.toMatchObject({ text: 'split' });
  });
});
