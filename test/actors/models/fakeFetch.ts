/** One call the fake fetch received. */
export interface FetchCall {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
  readonly signal: AbortSignal;
}

/** How the fake answers a call: a Response, or nothing (it hangs until aborted). */
export type Answer = (call: FetchCall) => Response | undefined;

/**
 * A `fetch` double for unit tests: records calls and answers each with the next scripted
 * {@link Answer}. Like undici, it rejects with `signal.reason` when aborted before answering.
 */
export function fakeFetch(...answers: Answer[]) {
  const calls: FetchCall[] = [];
  const fetch = (input: string, init?: RequestInit): Promise<Response> => {
    const signal = init?.signal ?? new AbortController().signal;
    const call: FetchCall = {
      url: input,
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      // The client always sends its body as a JSON string.
      body: JSON.parse(init?.body as string) as Record<string, unknown>,
      signal,
    };
    calls.push(call);
    const answer = answers.shift();
    if (answer === undefined) throw new Error('no answer scripted');
    const response = answer(call);
    if (response !== undefined) return Promise.resolve(response);
    return new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => {
        reject(signal.reason as Error);
      });
    });
  };
  // The client calls fetch(url: string, init) only; the narrower signature is enough.
  return { fetch: fetch as typeof globalThis.fetch, calls };
}

/** A JSON response. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** A chat completion whose first choice carries `message`. */
export function completionBody(
  message: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    model: 'served-model',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 2 },
    ...extra,
  };
}

/**
 * An event-stream response whose bytes the test pushes one at a time. Aborting the call's signal
 * errors the body with the reason, as undici does.
 */
export function manualStream(call: FetchCall): {
  response: Response;
  push(text: string): void;
  end(): void;
} {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
  });
  call.signal.addEventListener('abort', () => {
    controller.error(call.signal.reason);
  });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    push(text: string) {
      controller.enqueue(encoder.encode(text));
    },
    end() {
      controller.close();
    },
  };
}
