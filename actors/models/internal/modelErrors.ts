import {
  causeChain,
  ErrorCode,
  messageOf,
  RuntimeError,
  type FailureClass,
} from 'agentvisor/internal';

/**
 * The failure classes (DESIGN.md "Failure classes") a model call can end in: the runtime's
 * `FailureClass`, narrowed. The classifier reads it back from `details.failureClass`.
 */
export type ModelFailureClass = Extract<
  FailureClass,
  'transient' | 'rate-limit' | 'auth' | 'invalid-request' | 'invalid-output' | 'budget' | 'safety'
>;

/** Where a call was when its time ran out. */
export type TimeoutPhase = 'headers' | 'body' | 'idle';

/**
 * Provider error codes that say more than the status. OpenAI answers an exhausted quota with 429,
 * but waiting does not refill it (a retry loop burns the rest of the step for nothing).
 */
const classByProviderCode: ReadonlyMap<string, ModelFailureClass> = new Map([
  ['insufficient_quota', 'budget'],
  ['content_filter', 'safety'],
  ['content_policy_violation', 'safety'],
]);

/**
 * The class of an HTTP error status, as `classifyFailure` maps statuses: 429 → `rate-limit`;
 * 401, 403 → `auth`; 402 → `budget`; 408, 5xx → `transient`; any other 4xx →
 * `invalid-request` (sending it again fails again); anything else (an unexpected 1xx or 3xx) →
 * `transient`.
 */
export function classOfStatus(status: number, providerCode?: string): ModelFailureClass {
  const byCode = providerCode === undefined ? undefined : classByProviderCode.get(providerCode);
  if (byCode !== undefined) return byCode;
  if (status === 429) return 'rate-limit';
  if (status === 401 || status === 403) return 'auth';
  if (status === 402) return 'budget';
  if (status === 408 || status >= 500) return 'transient';
  if (status >= 400) return 'invalid-request';
  return 'transient';
}

/**
 * llama.cpp's server answers HTTP 500 when the model's output does not fit the grammar it was
 * held to (a `json_schema` response format, a tool-call format): `{"error":{"code":500,"message":
 * "The model produced output that does not match the expected peg-native format","type":
 * "server_error"}}` (common/chat.cpp, `common_chat_parse`). The server is fine and the request is
 * valid; this sample of the model is not: `invalid-output`, which the guards repair and fallbacks
 * route around, where `transient` would resend it blindly. Only a 500 whose provider message says
 * exactly that matches: every other 500 stays `transient`.
 */
const FORMAT_MISMATCH =
  /\b(?:does not|doesn't|did not|didn't) match (?:the )?(?:expected )?(?:[\w-]+ )?format\b/i;

/** True for llama.cpp's "output does not match the expected format" 500 (see FORMAT_MISMATCH). */
function isFormatMismatch(status: number, message: string | undefined): boolean {
  return status === 500 && message !== undefined && FORMAT_MISMATCH.test(message);
}

/** The `{ error: { message, type, code } }` body of OpenAI-compatible servers, loosely read. */
export function providerError(body: unknown): { message?: string; type?: string; code?: string } {
  if (typeof body !== 'object' || body === null || !('error' in body)) return {};
  const error = body.error;
  // Ollama and some proxies send `{ "error": "text" }`.
  if (typeof error === 'string') return { message: error };
  if (typeof error !== 'object' || error === null) return {};
  const { message, type, code } = error as Record<string, unknown>;
  return {
    ...(typeof message === 'string' ? { message } : {}),
    ...(typeof type === 'string' ? { type } : {}),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

/** Provider messages can be long (a whole HTML error page from a proxy): keep the start. */
const MAX_MESSAGE_CHARS = 300;

/** An HTTP error status from the endpoint: `ERR_MODEL_HTTP`. */
export function statusError(
  model: string,
  status: number,
  bodyText: string,
  retryAfterMs: number | undefined,
): RuntimeError {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    body = undefined;
  }
  const provider = providerError(body);
  const failureClass = isFormatMismatch(status, provider.message)
    ? 'invalid-output'
    : classOfStatus(status, provider.code);
  const said = (provider.message ?? bodyText).slice(0, MAX_MESSAGE_CHARS).trim();
  return new RuntimeError(
    ErrorCode.ModelHttp,
    `Model ${model} answered HTTP ${status}${said === '' ? '' : `: ${said}`}`,
    {
      details: {
        model,
        status,
        failureClass,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        ...(provider.code === undefined ? {} : { providerCode: provider.code }),
        ...(provider.type === undefined ? {} : { providerType: provider.type }),
      },
    },
  );
}

/** An error event inside a stream that had already answered 200. */
export function streamErrorEvent(model: string, body: unknown): RuntimeError {
  const provider = providerError(body);
  const failureClass =
    (provider.code === undefined ? undefined : classByProviderCode.get(provider.code)) ??
    'transient';
  return new RuntimeError(
    ErrorCode.ModelHttp,
    `Model ${model} reported an error mid-stream: ${(provider.message ?? 'no message').slice(0, MAX_MESSAGE_CHARS)}`,
    {
      details: {
        model,
        status: 200,
        failureClass,
        ...(provider.code === undefined ? {} : { providerCode: provider.code }),
      },
    },
  );
}

/** The connection failed or broke (refused, reset, a stream cut short): `ERR_MODEL_CONNECTION`. */
export function connectionError(model: string, cause: unknown, status?: number): RuntimeError {
  const reason = networkCode(cause) ?? messageOf(cause);
  return new RuntimeError(
    ErrorCode.ModelConnection,
    `Connection to model ${model} failed: ${reason}`,
    {
      cause,
      details: {
        model,
        failureClass: 'transient',
        ...(status === undefined ? {} : { status }),
        ...(networkCode(cause) === undefined ? {} : { networkCode: networkCode(cause) }),
      },
    },
  );
}

/** An answer that cannot be used (malformed JSON, bad tool arguments): `ERR_MODEL_OUTPUT`. */
export function outputError(
  model: string,
  message: string,
  details: Record<string, unknown> & { failureClass?: ModelFailureClass },
  cause?: unknown,
): RuntimeError {
  return new RuntimeError(ErrorCode.ModelOutput, `Model ${model}: ${message}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { model, failureClass: 'invalid-output', ...details },
  });
}

/**
 * The answer passed the client's `maxResponseBytes`: `ERR_MESSAGE_TOO_LARGE`, `invalid-output`
 * (the server answered; what it answered cannot be taken in, and the same request is likely to
 * produce the same flood).
 */
export function tooLargeError(
  model: string,
  status: number,
  maxResponseBytes: number,
  seen: { receivedBytes: number } | { contentLength: number },
): RuntimeError {
  const what =
    'contentLength' in seen
      ? `announced ${seen.contentLength} bytes`
      : `sent ${seen.receivedBytes} bytes or more`;
  return new RuntimeError(
    ErrorCode.MessageTooLarge,
    `Model ${model} ${what}: over \`maxResponseBytes\` ${maxResponseBytes}`,
    { details: { model, status, maxResponseBytes, failureClass: 'invalid-output', ...seen } },
  );
}

/** The call's deadline or the stream's idle timeout passed: `ERR_TIMEOUT`. */
export function timeoutError(
  model: string,
  phase: TimeoutPhase,
  timeoutMs: number,
  status: number | undefined,
): RuntimeError {
  const what = phase === 'idle' ? 'streamed nothing for' : 'did not answer within';
  return new RuntimeError(ErrorCode.Timeout, `Model ${model} ${what} ${timeoutMs} ms (${phase})`, {
    details: {
      model,
      phase,
      timeoutMs,
      failureClass: 'transient',
      ...(status === undefined ? {} : { status }),
    },
  });
}

/** undici wraps socket errors: `TypeError('fetch failed', { cause: { code: 'ECONNRESET' } })`. */
function networkCode(error: unknown): string | undefined {
  for (const e of causeChain(error, 3)) {
    if (typeof e !== 'object' || e === null) break;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}
