import { z } from 'zod';
import {
  type Clock,
  type Logger,
  isRuntimeError,
  parseOptions,
  silentLogger,
  systemClock,
} from 'agentvisor/internal';
import type { CompleteOptions, ModelClient, ModelRequest, ModelResponse } from './ModelClient.js';
import { createCallScope, type CallScope } from './internal/createCallScope.js';
import { connectionError, statusError, tooLargeError } from './internal/modelErrors.js';
import { parseChatCompletion } from './internal/parseChatCompletion.js';
import { parseRetryAfter } from './internal/parseRetryAfter.js';
import { readEventStream } from './internal/readEventStream.js';
import { readLimitedText } from './internal/readLimitedText.js';
import { createSecretScrubber, type SecretScrubber } from './internal/scrubSecrets.js';
import { toChatCompletionBody } from './internal/toChatCompletionBody.js';
import { toModelResponse, type RawAnswer } from './internal/toModelResponse.js';

/** The longest delay a platform timer takes (2^31 - 1 ms); longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Of an error body only the provider's message is kept (300 characters), so reading more than
 * this of it is waste; the status decides the class whatever the rest says.
 */
const MAX_ERROR_BODY_BYTES = 65_536;

/** Options of {@link createOpenAIClient}, validated at creation. */
export const OpenAIClientOptionsSchema = z.strictObject({
  /** Base URL of the API, up to and excluding `/chat/completions` (`https://api.openai.com/v1`). */
  baseUrl: z.url({ protocol: /^https?$/ }),
  /** Bearer token. @default process.env.OPENAI_API_KEY; none is sent when neither is set. */
  apiKey: z.string().min(1).optional(),
  /** Model id sent with each request (`gpt-4o-mini`, `llama3.1:8b`). */
  model: z.string().min(1),
  /** Name of the client for logs, breakers and usage accounting. @default `model` */
  name: z.string().min(1).optional(),
  /** Extra request headers (an organisation or project id, a gateway key); they win over ours. */
  headers: z.record(z.string(), z.string()).optional(),
  /** Bound on one call, from sending the request to the end of the answer. @default 60_000 */
  timeoutMs: z.number().positive().max(MAX_TIMER_MS).default(60_000),
  /** Stream the answer (server-sent events) under an idle timeout. @default false */
  stream: z.boolean().default(false),
  /** Streaming: the longest gap between two chunks (and before the first). @default 30_000 */
  idleTimeoutMs: z.number().positive().max(MAX_TIMER_MS).default(30_000),
  /** Streaming: ask for a final usage chunk (`stream_options.include_usage`). @default true */
  includeUsage: z.boolean().default(true),
  /**
   * The most bytes of one answer, plain or streamed; past it the read stops at once (the
   * connection is closed) and the call fails with `ERR_MESSAGE_TOO_LARGE`. 8 MiB is some 16 times
   * the longest completion a 128k-token context allows (about 4 bytes a token) plus JSON and
   * stream overhead, while one runaway server costs at most that much memory per call.
   * @default 8_388_608 (8 MiB)
   */
  maxResponseBytes: z
    .number()
    .int()
    .positive()
    .default(8 * 1024 * 1024),
  /** Prices in USD per million tokens; responses then carry `cost`. */
  pricing: z
    .strictObject({
      inputPerMillionTokens: z.number().nonnegative(),
      outputPerMillionTokens: z.number().nonnegative(),
    })
    .optional(),
  /**
   * Always 0: one attempt per call. Retries belong to the resilience layer, which knows the step's
   * deadline; two retry layers multiply (LiteLLM sets its SDKs' `max_retries` to 0 likewise).
   * @default 0
   */
  maxRetries: z.literal(0).default(0),
});

/** What callers pass to {@link createOpenAIClient}. */
export type OpenAIClientOptions = z.input<typeof OpenAIClientOptionsSchema>;
type OpenAIClientConfig = z.output<typeof OpenAIClientOptionsSchema>;

/** Capabilities of {@link createOpenAIClient}. */
export interface OpenAIClientDeps {
  /**
   * Timers of the call and idle timeouts, and the wall time `Retry-After` dates are measured on.
   * @default systemClock
   */
  clock?: Clock;
  /** Receives one debug line per call (never the key or the prompt). @default silentLogger() */
  logger?: Logger;
  /** The fetch to use (a test double, a proxying fetch). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * A {@link ModelClient} for any server that speaks OpenAI's chat completions API: OpenAI, Ollama,
 * vLLM, llama.cpp server, LM Studio, LiteLLM. One call is one `POST {baseUrl}/chat/completions`,
 * never retried here. Failures are RuntimeErrors whose `details.failureClass` is what
 * `classifyFailure` reports, with `details.status` and, when the server asked, `retryAfterMs`.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when options fail validation. Calls reject with:
 *   ERR_MODEL_HTTP for an error status (429 `rate-limit`, 401/403 `auth`, 402 `budget`, other 4xx
 *   `invalid-request`, 408/5xx `transient`); ERR_TIMEOUT (`transient`) when `timeoutMs` or, when
 *   streaming, `idleTimeoutMs` passes; ERR_MODEL_CONNECTION (`transient`) when the connection
 *   fails or breaks; ERR_MODEL_OUTPUT (`invalid-output`) for a malformed body, tool arguments
 *   or structured output, or more than 128 tool calls; ERR_MESSAGE_TOO_LARGE (`invalid-output`)
 *   past `maxResponseBytes`; the signal's reason when the caller aborts. A llama.cpp 500 saying
 *   the output does not match the expected format is `invalid-output`, not `transient`. No
 *   error quotes the API key or a header value the client sent: each becomes `[redacted]`.
 * @example
 * const model = createOpenAIClient({ baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1:8b' });
 * const { text, usage } = await model.complete({ messages: [{ role: 'user', content: 'Hi' }] });
 */
export function createOpenAIClient(
  options: OpenAIClientOptions,
  deps: OpenAIClientDeps = {},
): ModelClient {
  const config = parseOptions(OpenAIClientOptionsSchema, options, 'OpenAI client');
  return new OpenAIClient(config, deps);
}

// --- internals ---

class OpenAIClient implements ModelClient {
  readonly name: string;
  readonly #config: OpenAIClientConfig;
  readonly #url: string;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #fetch: typeof fetch;
  readonly #scrub: SecretScrubber;

  constructor(config: OpenAIClientConfig, deps: OpenAIClientDeps) {
    this.name = config.name ?? config.model;
    this.#config = config;
    this.#url = `${config.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    // Read once, kept in this private field only: never logged, never in an error.
    const apiKey = config.apiKey ?? process.env['OPENAI_API_KEY'];
    this.#headers = {
      'content-type': 'application/json',
      accept: config.stream ? 'text/event-stream' : 'application/json',
      ...(apiKey === undefined || apiKey === '' ? {} : { authorization: `Bearer ${apiKey}` }),
      ...config.headers,
    };
    // What the client sends that an endpoint may echo back: never in an error it reports.
    this.#scrub = createSecretScrubber([apiKey, ...Object.values(config.headers ?? {})]);
    this.#clock = deps.clock ?? systemClock;
    this.#logger = deps.logger ?? silentLogger();
    this.#fetch = deps.fetch ?? globalThis.fetch;
  }

  async complete(request: ModelRequest, options: CompleteOptions = {}): Promise<ModelResponse> {
    const { signal } = options;
    // Platform convention: an aborted signal rejects at once, with its reason.
    if (signal?.aborted === true) throw signal.reason;
    const config = this.#config;
    const scope = createCallScope(this.#clock, {
      model: this.name,
      signal,
      timeoutMs: config.timeoutMs,
      idleTimeoutMs: config.stream ? config.idleTimeoutMs : undefined,
    });
    const startedAt = this.#clock.monotonic();
    let status: number | undefined;
    try {
      const response = await this.#send(request, scope);
      status = response.status;
      scope.received(status);
      const raw = await this.#read(response, scope, options);
      const result = toModelResponse(raw, request, {
        name: this.name,
        model: config.model,
        pricing: config.pricing,
      });
      this.#logger.debug(
        {
          model: this.name,
          status,
          durationMs: this.#clock.monotonic() - startedAt,
          ...result.usage,
        },
        'model call completed',
      );
      return result;
    } catch (err) {
      this.#logger.debug(
        {
          model: this.name,
          status,
          durationMs: this.#clock.monotonic() - startedAt,
          code: isRuntimeError(err) ? err.code : undefined,
          failureClass: isRuntimeError(err) ? err.details?.['failureClass'] : undefined,
        },
        'model call failed',
      );
      throw this.#scrub(err);
    } finally {
      scope.dispose();
    }
  }

  /** Sends the request; resolves when the response headers arrive. */
  async #send(request: ModelRequest, scope: CallScope): Promise<Response> {
    const body = toChatCompletionBody(request, {
      model: this.#config.model,
      stream: this.#config.stream,
      includeUsage: this.#config.includeUsage,
    });
    try {
      return await this.#fetch(this.#url, {
        method: 'POST',
        headers: this.#headers,
        body: JSON.stringify(body),
        signal: scope.signal,
      });
    } catch (err) {
      throw scope.failure(err, (e) => connectionError(this.name, e));
    }
  }

  /** Reads the answer, or turns an error status into its error. */
  async #read(response: Response, scope: CallScope, options: CompleteOptions): Promise<RawAnswer> {
    const { status } = response;
    const { maxResponseBytes } = this.#config;
    const onReadError = (err: unknown) =>
      scope.failure(err, (e) => connectionError(this.name, e, status));
    if (!response.ok) {
      // The status decides the class; a body that breaks off still leaves the status to report.
      const text = await readLimitedText(response.body, {
        model: this.name,
        status,
        maxBytes: Math.min(maxResponseBytes, MAX_ERROR_BODY_BYTES),
        failWhenOver: false,
        onReadError,
      }).catch((err: unknown) => {
        if (scope.signal.aborted) throw err;
        return '';
      });
      const retryAfterMs = parseRetryAfter(response.headers, this.#clock.now());
      throw statusError(this.name, status, text, retryAfterMs);
    }
    const type = response.headers.get('content-type') ?? '';
    // A server that ignores `stream: true` answers with one JSON body: read it as such.
    if (this.#config.stream && type.includes('text/event-stream') && response.body !== null) {
      return readEventStream(response.body, {
        model: this.name,
        status,
        maxBytes: maxResponseBytes,
        onProgress: () => {
          scope.touch();
        },
        onDelta: options.onDelta,
        onReadError,
      });
    }
    // Refused before a byte is read when the server says up front that it is too big.
    const contentLength = Number(response.headers.get('content-length') ?? Number.NaN);
    if (contentLength > maxResponseBytes) {
      throw tooLargeError(this.name, status, maxResponseBytes, { contentLength });
    }
    const text = await readLimitedText(response.body, {
      model: this.name,
      status,
      maxBytes: maxResponseBytes,
      failWhenOver: true,
      onReadError,
    });
    return parseChatCompletion(this.name, status, text);
  }
}
