import type { FinishReason, ModelRequest, ModelResponse, ToolCall } from '../ModelClient.js';
import { outputError } from './modelErrors.js';

/** A tool call as it came over the wire: arguments still JSON text (or an object, from Ollama). */
export interface RawToolCall {
  readonly id: string | undefined;
  readonly name: string | undefined;
  readonly arguments: string | Readonly<Record<string, unknown>> | undefined;
}

/** An answer as read off the wire (one JSON body, or a stream put back together). */
export interface RawAnswer {
  readonly model: string | undefined;
  readonly content: string;
  readonly refusal: string | undefined;
  readonly toolCalls: readonly RawToolCall[];
  readonly finishReason: string | undefined;
  readonly usage: { readonly prompt: number; readonly completion: number } | undefined;
}

/**
 * The most tool calls one answer may carry (OpenAI's own bound on `tools` in a request is 128).
 * A stream numbers its calls by `index`: an index from a hostile or broken server is a slot to
 * allocate and walk, so an unbounded one (`4294967294`) would freeze the event loop.
 */
export const MAX_TOOL_CALLS = 128;

/** Prices of a model in USD per million tokens. */
export interface Pricing {
  readonly inputPerMillionTokens: number;
  readonly outputPerMillionTokens: number;
}

/** Context of {@link toModelResponse}. */
export interface AnswerContext {
  /** The client's name, for errors. */
  readonly name: string;
  /** The configured model, reported when the server names none. */
  readonly model: string;
  readonly pricing: Pricing | undefined;
}

const finishReasons: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool-calls',
  function_call: 'tool-calls',
  content_filter: 'content-filter',
};

/**
 * Turns a raw answer into a {@link ModelResponse}: parses tool arguments and, when the request
 * asked for JSON, the content.
 *
 * Tool names are not checked against `request.tools`: the guards do that for every client alike.
 * A server that reports no usage (older llama.cpp) yields zero tokens.
 *
 * @throws {RuntimeError} ERR_MODEL_OUTPUT `invalid-output` when tool arguments or JSON content do
 *   not parse, a tool call has no name, or there are more than {@link MAX_TOOL_CALLS} calls; `safety` when the model refused.
 */
export function toModelResponse(
  raw: RawAnswer,
  request: ModelRequest,
  context: AnswerContext,
): ModelResponse {
  const { name } = context;
  if (raw.refusal !== undefined && raw.refusal !== '') {
    throw outputError(name, `refused: ${raw.refusal.slice(0, 200)}`, { failureClass: 'safety' });
  }
  if (raw.toolCalls.length > MAX_TOOL_CALLS) {
    throw outputError(name, `${raw.toolCalls.length} tool calls, over ${MAX_TOOL_CALLS}`, {
      toolCalls: raw.toolCalls.length,
      maxToolCalls: MAX_TOOL_CALLS,
    });
  }
  const toolCalls = raw.toolCalls.map((call, index) => parseToolCall(name, call, index));
  const format = request.responseFormat?.type;
  // A model that answers a JSON request with tool calls has no content yet: nothing to parse.
  const wantsJson =
    (format === 'json_schema' || format === 'json_object') &&
    !(toolCalls.length > 0 && raw.content.trim() === '');
  const usage = {
    inputTokens: raw.usage?.prompt ?? 0,
    outputTokens: raw.usage?.completion ?? 0,
  };
  const finishReason =
    raw.finishReason === undefined ? undefined : (finishReasons[raw.finishReason] ?? 'other');
  const { pricing } = context;
  return {
    text: raw.content,
    model: raw.model ?? context.model,
    usage,
    ...(toolCalls.length === 0 ? {} : { toolCalls }),
    ...(wantsJson ? { output: parseJsonOutput(name, raw.content, finishReason) } : {}),
    ...(finishReason === undefined ? {} : { finishReason }),
    ...(pricing === undefined
      ? {}
      : {
          cost:
            (usage.inputTokens * pricing.inputPerMillionTokens +
              usage.outputTokens * pricing.outputPerMillionTokens) /
            1_000_000,
        }),
  };
}

function parseToolCall(model: string, call: RawToolCall, index: number): ToolCall {
  if (call.name === undefined || call.name === '') {
    throw outputError(model, `tool call ${index} has no function name`, { index });
  }
  // llama.cpp and some vLLM versions omit ids; the position is unique within the answer.
  const id = call.id ?? `call_${index}`;
  const args = call.arguments;
  if (typeof args !== 'string') return { id, name: call.name, arguments: args ?? {} };
  // A function without parameters may come with empty arguments.
  if (args.trim() === '') return { id, name: call.name, arguments: {} };
  try {
    return { id, name: call.name, arguments: JSON.parse(args) as unknown };
  } catch (err) {
    throw outputError(
      model,
      `arguments of tool call ${index} (${call.name}) are not JSON`,
      { index, tool: call.name },
      err,
    );
  }
}

function parseJsonOutput(model: string, content: string, finishReason: FinishReason | undefined) {
  try {
    return JSON.parse(content) as unknown;
  } catch (err) {
    throw outputError(
      model,
      finishReason === 'length'
        ? 'structured output was cut off at the token limit'
        : 'structured output is not JSON',
      { ...(finishReason === undefined ? {} : { finishReason }) },
      err,
    );
  }
}
