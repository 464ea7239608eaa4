import type { ModelRequest } from '../ModelClient.js';
import { connectionError, statusError, timeoutError } from './modelErrors.js';
import type { RawAnswer, RawToolCall } from './toModelResponse.js';

export type ModelFault =
  | { readonly type: 'latency'; readonly ms: number }
  | { readonly type: 'hang' }
  | { readonly type: 'timeout'; readonly afterMs?: number | undefined }
  | { readonly type: 'rate-limit'; readonly retryAfterMs?: number | undefined }
  | {
      readonly type: 'server-error';
      readonly status?: number | undefined;
      readonly retryAfterMs?: number | undefined;
    }
  | { readonly type: 'connection-reset' }
  | { readonly type: 'auth' }
  | { readonly type: 'malformed-json' }
  | { readonly type: 'schema-violation' }
  | { readonly type: 'hallucinated-tool'; readonly name?: string | undefined };

/**
 * The error a fault fails a call with, built by the same functions the HTTP client uses (so the
 * codes, `details.status`, `failureClass` and `retryAfterMs` are the real ones); undefined for a
 * fault that changes the answer instead (or only its timing).
 */
export function faultError(name: string, fault: ModelFault, delay: number): Error | undefined {
  switch (fault.type) {
    case 'timeout':
      return timeoutError(name, 'headers', delay, undefined);
    case 'rate-limit':
      return statusError(
        name,
        429,
        providerBody('Rate limit reached (simulated)', 'rate_limit_error', 'rate_limit_exceeded'),
        fault.retryAfterMs ?? 1_000,
      );
    case 'server-error':
      return statusError(
        name,
        fault.status ?? 503,
        providerBody('The server had an error (simulated)', 'server_error'),
        fault.retryAfterMs,
      );
    case 'auth':
      return statusError(
        name,
        401,
        providerBody(
          'Incorrect API key provided (simulated)',
          'invalid_request_error',
          'invalid_api_key',
        ),
        undefined,
      );
    case 'connection-reset':
      return connectionError(
        name,
        Object.assign(new Error('socket hang up (simulated)'), { code: 'ECONNRESET' }),
      );
    case 'latency':
    case 'hang':
    case 'malformed-json':
    case 'schema-violation':
    case 'hallucinated-tool':
      return undefined;
  }
}

/** An answer as the fault leaves it: cut-off JSON, a schema broken field by field, a made-up tool. */
export function withFault(
  raw: RawAnswer,
  request: ModelRequest,
  fault: ModelFault | undefined,
  call: number,
): RawAnswer {
  switch (fault?.type) {
    case 'malformed-json':
      return { ...raw, content: malformedJson(raw.content) };
    case 'schema-violation':
      return { ...raw, content: JSON.stringify(violating(request)) };
    case 'hallucinated-tool': {
      const offered = new Set(request.tools?.map((t) => t.name));
      let made = fault.name ?? 'lookup_everything';
      while (offered.has(made)) made = `${made}_v2`;
      const toolCalls: RawToolCall[] = [{ id: `call_${call}_0`, name: made, arguments: '{}' }];
      return { ...raw, toolCalls, finishReason: 'tool_calls' };
    }
    case 'latency':
    case 'hang':
    case 'timeout':
    case 'rate-limit':
    case 'server-error':
    case 'auth':
    case 'connection-reset':
    case undefined:
      return raw;
  }
}

/** The `{ error: { message, type, code } }` body an OpenAI-compatible server sends. */
function providerBody(message: string, type: string, code?: string): string {
  return JSON.stringify({ error: { message, type, ...(code === undefined ? {} : { code }) } });
}

/** JSON cut off mid-string, as a model that hit its token limit writes it. */
function malformedJson(text: string): string {
  const inner = JSON.stringify({ answer: text === '' ? 'partial' : text });
  return inner.slice(0, Math.max(2, inner.length - 3));
}

/** JSON that breaks the requested schema: each property of the wrong type, one required dropped. */
function violating(request: ModelRequest): unknown {
  const format = request.responseFormat;
  const schema = format?.type === 'json_schema' ? format.schema : undefined;
  const properties = schema?.['properties'];
  if (schema?.['type'] !== 'object' || typeof properties !== 'object' || properties === null) {
    // No object schema to break field by field: an array is not the object asked for.
    return ['not', 'the', 'requested', 'shape'];
  }
  const wrong: Record<string, unknown> = {};
  for (const [key, sub] of Object.entries(properties as Record<string, { type?: unknown }>)) {
    wrong[key] = wrongValueFor(sub.type);
  }
  const required = schema['required'];
  const first = Array.isArray(required) ? (required[0] as unknown) : undefined;
  if (typeof first === 'string') Reflect.deleteProperty(wrong, first);
  return wrong;
}

function wrongValueFor(type: unknown): unknown {
  switch (type) {
    case 'string':
      return 42;
    case 'number':
    case 'integer':
      return 'NaN';
    case 'boolean':
      return 'yes';
    case 'array':
      return { not: 'an array' };
    case 'object':
      return ['not', 'an', 'object'];
    default:
      return null;
  }
}
