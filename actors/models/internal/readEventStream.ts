import { z } from 'zod';
import type { ModelDelta } from '../ModelClient.js';
import { connectionError, outputError, streamErrorEvent, tooLargeError } from './modelErrors.js';
import { toRawUsage, UsageWire } from './parseChatCompletion.js';
import { MAX_TOOL_CALLS, type RawAnswer } from './toModelResponse.js';

const ChunkWire = z.looseObject({
  model: z.string().optional(),
  choices: z
    .array(
      z.looseObject({
        index: z.number().optional(),
        delta: z
          .looseObject({
            content: z.string().nullish(),
            refusal: z.string().nullish(),
            tool_calls: z
              .array(
                z.looseObject({
                  index: z.number().int().nonnegative().optional(),
                  id: z.string().optional(),
                  function: z
                    .looseObject({
                      name: z.string().optional(),
                      arguments: z.string().optional(),
                    })
                    .optional(),
                }),
              )
              .nullish(),
          })
          .optional(),
        finish_reason: z.string().nullish(),
      }),
    )
    .optional(),
  usage: UsageWire.nullish(),
});

/** What {@link readEventStream} needs besides the body. */
export interface EventStreamContext {
  readonly model: string;
  readonly status: number;
  /** The most bytes the stream may carry; one more and it is cut (`ERR_MESSAGE_TOO_LARGE`). */
  readonly maxBytes: number;
  /** A data event arrived: the idle timer starts over. */
  readonly onProgress: () => void;
  readonly onDelta: ((delta: ModelDelta) => void) | undefined;
  /** What a failed read throws (the abort reason when the call was aborted). */
  readonly onReadError: (error: unknown) => unknown;
}

interface ToolCallParts {
  id: string | undefined;
  name: string | undefined;
  arguments: string;
}

/**
 * Reads a `text/event-stream` of chat completion chunks (server-sent events, one JSON chunk per
 * `data:` event, `[DONE]` at the end) and puts the answer back together: text deltas appended,
 * tool-call fragments joined by their index, the finish reason and the final usage chunk kept.
 *
 * Progress is a data event, not a byte: a server that sends only `: keep-alive` comments while
 * its model hangs still trips the idle timeout.
 *
 * @throws {RuntimeError} ERR_MODEL_OUTPUT when a chunk is not JSON or not a chunk, or a tool call's
 *   index is not below {@link MAX_TOOL_CALLS}; ERR_MESSAGE_TOO_LARGE past `maxBytes`;
 *   ERR_MODEL_HTTP for an error event; ERR_MODEL_CONNECTION when the stream ends before `[DONE]`
 *   or a finish reason, or breaks.
 */
export async function readEventStream(
  body: ReadableStream<Uint8Array>,
  context: EventStreamContext,
): Promise<RawAnswer> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const toolCalls: ToolCallParts[] = [];
  let model: string | undefined;
  let content = '';
  let refusal = '';
  let finishReason: string | undefined;
  let usage: RawAnswer['usage'];
  let buffer = '';
  let bytes = 0;
  let data: string[] = [];
  let finished = false;

  /** Applies one event's data; true at `[DONE]`. */
  const dispatch = (payload: string): boolean => {
    context.onProgress();
    if (payload.trim() === '[DONE]') return true;
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch (err) {
      throw outputError(context.model, 'stream chunk is not JSON', { status: context.status }, err);
    }
    if (typeof json === 'object' && json !== null && 'error' in json) {
      throw streamErrorEvent(context.model, json);
    }
    const parsed = ChunkWire.safeParse(json);
    if (!parsed.success) {
      throw outputError(
        context.model,
        'stream chunk is not a chat completion chunk',
        { status: context.status },
        parsed.error,
      );
    }
    const chunk = parsed.data;
    model ??= chunk.model;
    usage = toRawUsage(chunk.usage) ?? usage;
    for (const choice of chunk.choices ?? []) {
      if ((choice.index ?? 0) !== 0) continue; // one answer (n = 1)
      finishReason = choice.finish_reason ?? finishReason;
      const delta = choice.delta;
      if (delta === undefined) continue;
      if (typeof delta.content === 'string' && delta.content !== '') {
        content += delta.content;
        context.onDelta?.({ type: 'text', text: delta.content });
      }
      refusal += delta.refusal ?? '';
      for (const [position, part] of (delta.tool_calls ?? []).entries()) {
        const index = part.index ?? position;
        // Checked before the slot is touched: `toolCalls[4294967294]` would make an array of
        // 2^32 holes that the answer's assembly then walks.
        if (index >= MAX_TOOL_CALLS) {
          throw outputError(
            context.model,
            `tool call index ${index} is not below ${MAX_TOOL_CALLS}`,
            { status: context.status, index, maxToolCalls: MAX_TOOL_CALLS },
          );
        }
        const call = (toolCalls[index] ??= { id: undefined, name: undefined, arguments: '' });
        call.id ??= part.id;
        call.name ??= part.function?.name;
        call.arguments += part.function?.arguments ?? '';
        context.onDelta?.({
          type: 'tool-call',
          index,
          ...(part.function?.name === undefined ? {} : { name: part.function.name }),
          argumentsDelta: part.function?.arguments ?? '',
        });
      }
    }
    return false;
  };

  try {
    while (!finished) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw context.onReadError(err);
      }
      if (chunk.done) break;
      // Counted as it arrives and cut at once: an endless stream (or one endless line) costs at
      // most the bound, never the whole body.
      bytes += chunk.value.byteLength;
      if (bytes > context.maxBytes) {
        throw tooLargeError(context.model, context.status, context.maxBytes, {
          receivedBytes: bytes,
        });
      }
      buffer += decoder.decode(chunk.value, { stream: true });
      for (let nl = buffer.indexOf('\n'); nl >= 0 && !finished; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).replace(/\r$/, '');
        buffer = buffer.slice(nl + 1);
        if (line === '') {
          // A blank line ends an event (WHATWG HTML, server-sent events).
          if (data.length > 0) finished = dispatch(data.join('\n'));
          data = [];
        } else if (line.startsWith('data:')) {
          data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
        }
        // `:` comments, `event:`, `id:` and `retry:` lines carry nothing for chat completions.
      }
    }
  } finally {
    // Done early ([DONE] or a throw): stop the body, so its socket is not left streaming.
    reader.cancel().catch(() => undefined);
  }
  // A last event without its blank line still counts.
  if (!finished && data.length > 0) finished = dispatch(data.join('\n'));
  // Without [DONE] a finish reason says the answer is whole; without either it was cut short.
  if (!finished && finishReason === undefined) {
    throw connectionError(
      context.model,
      new Error('stream ended before [DONE] or a finish reason'),
      context.status,
    );
  }
  return {
    model,
    content,
    refusal: refusal === '' ? undefined : refusal,
    // flatMap skips holes: a server that numbered its calls 0 and 2 sent two calls, not three.
    toolCalls: toolCalls.flatMap((call) => [{ ...call }]),
    finishReason,
    usage,
  };
}
