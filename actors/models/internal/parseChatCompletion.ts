import { z } from 'zod';
import { outputError } from './modelErrors.js';
import type { RawAnswer } from './toModelResponse.js';

// Loose objects throughout: servers add fields (logprobs, system_fingerprint, timings) freely,
// and the client reads only what it needs.

/** `usage` of a completion or of a stream's last chunk. */
export const UsageWire = z.looseObject({
  prompt_tokens: z.number().nonnegative().optional(),
  completion_tokens: z.number().nonnegative().optional(),
});

const ToolCallWire = z.looseObject({
  id: z.string().optional(),
  function: z.looseObject({
    name: z.string().optional(),
    // Ollama has sent the arguments as an object rather than JSON text.
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  }),
});

const CompletionWire = z.looseObject({
  model: z.string().optional(),
  choices: z
    .array(
      z.looseObject({
        message: z.looseObject({
          content: z.string().nullish(),
          refusal: z.string().nullish(),
          tool_calls: z.array(ToolCallWire).nullish(),
        }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: UsageWire.nullish(),
});

/** The usage of a wire `usage` object, or undefined when the server sent none. */
export function toRawUsage(usage: z.output<typeof UsageWire> | null | undefined) {
  return usage === null || usage === undefined
    ? undefined
    : { prompt: usage.prompt_tokens ?? 0, completion: usage.completion_tokens ?? 0 };
}

/**
 * Reads a non-streamed chat completion body (its first choice).
 *
 * @throws {RuntimeError} ERR_MODEL_OUTPUT `invalid-output` when the body is not JSON or not a
 *   chat completion.
 */
export function parseChatCompletion(model: string, status: number, text: string): RawAnswer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw outputError(model, 'response body is not JSON', { status }, err);
  }
  const parsed = CompletionWire.safeParse(json);
  if (!parsed.success) {
    throw outputError(model, 'response body is not a chat completion', { status }, parsed.error);
  }
  const body = parsed.data;
  // min(1) above: the first choice exists.
  const choice = body.choices[0] as (typeof body.choices)[number];
  const { message } = choice;
  return {
    model: body.model,
    content: message.content ?? '',
    refusal: message.refusal ?? undefined,
    toolCalls: (message.tool_calls ?? []).map((call) => ({
      id: call.id,
      name: call.function.name,
      arguments: call.function.arguments,
    })),
    finishReason: choice.finish_reason ?? undefined,
    usage: toRawUsage(body.usage),
  };
}
