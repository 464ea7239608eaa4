import type { ChatMessage, ModelRequest, ResponseFormat, ToolChoice } from '../ModelClient.js';

/** What to add to the request besides the caller's {@link ModelRequest}. */
export interface BodyOptions {
  readonly model: string;
  readonly stream: boolean;
  /** Ask for a final usage chunk when streaming (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
}

/**
 * The JSON body of `POST /chat/completions` for a request. Only fields the caller set are sent, so
 * servers that implement a subset of the API (llama.cpp, older Ollama) see nothing they reject.
 * `max_tokens` rather than OpenAI's newer `max_completion_tokens`: every compatible server reads
 * it.
 */
export function toChatCompletionBody(
  request: ModelRequest,
  options: BodyOptions,
): Record<string, unknown> {
  return {
    model: options.model,
    messages: request.messages.map(toWireMessage),
    ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.tools === undefined || request.tools.length === 0
      ? {}
      : {
          tools: request.tools.map((tool) => ({
            type: 'function',
            function: {
              name: tool.name,
              ...(tool.description === undefined ? {} : { description: tool.description }),
              parameters: tool.parameters,
            },
          })),
        }),
    ...(request.toolChoice === undefined
      ? {}
      : { tool_choice: toWireToolChoice(request.toolChoice) }),
    ...(request.responseFormat === undefined
      ? {}
      : { response_format: toWireResponseFormat(request.responseFormat) }),
    ...(options.stream
      ? {
          stream: true,
          ...(options.includeUsage ? { stream_options: { include_usage: true } } : {}),
        }
      : {}),
  };
}

function toWireMessage(message: ChatMessage): Record<string, unknown> {
  const calls = message.toolCalls ?? [];
  return {
    role: message.role,
    // An assistant turn that only called tools has no content; OpenAI wants null, not ''.
    content: calls.length > 0 && message.content === '' ? null : message.content,
    ...(calls.length === 0
      ? {}
      : {
          tool_calls: calls.map((call) => ({
            id: call.id,
            type: 'function',
            function: { name: call.name, arguments: JSON.stringify(call.arguments ?? {}) },
          })),
        }),
    ...(message.toolCallId === undefined ? {} : { tool_call_id: message.toolCallId }),
  };
}

function toWireToolChoice(choice: ToolChoice): unknown {
  return typeof choice === 'string'
    ? choice
    : { type: 'function', function: { name: choice.name } };
}

function toWireResponseFormat(format: ResponseFormat): unknown {
  switch (format.type) {
    case 'text':
    case 'json_object':
      return { type: format.type };
    case 'json_schema':
      return {
        type: 'json_schema',
        json_schema: {
          name: format.name,
          schema: format.schema,
          ...(format.strict === undefined ? {} : { strict: format.strict }),
        },
      };
  }
}
