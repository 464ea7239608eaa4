/** A tool call made by a model: which function, with which (parsed JSON) arguments. */
export interface ToolCall {
  /** Provider-assigned id; a `tool` message answers the call by this id. */
  readonly id: string;
  /** Name of the function the model wants called. */
  readonly name: string;
  /** The arguments, parsed from the JSON the model wrote. */
  readonly arguments: unknown;
}

/** One chat message sent to a model. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant' | 'tool';
  readonly content: string;
  /** On an `assistant` message: the tool calls it made, sent back as context. */
  readonly toolCalls?: readonly ToolCall[];
  /** On a `tool` message: the id of the {@link ToolCall} this message answers. */
  readonly toolCallId?: string;
}

/** A function the model may call; `parameters` is a JSON Schema object. */
export interface ModelTool {
  readonly name: string;
  readonly description?: string;
  /** JSON Schema of the arguments object. */
  readonly parameters: Readonly<Record<string, unknown>>;
}

/**
 * Which tool the model must use: `auto` (its choice), `none`, `required` (any tool), or the named
 * one.
 */
export type ToolChoice = 'auto' | 'none' | 'required' | { readonly name: string };

/**
 * The shape of the answer: `json_schema` asks for JSON that fits `schema` (structured output);
 * `json_object` asks for any JSON object; `text` is the default.
 */
export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  | {
      readonly type: 'json_schema';
      /** Name of the schema, as the provider requires one (`[a-zA-Z0-9_-]`, ≤ 64 characters). */
      readonly name: string;
      /** JSON Schema the output must match. */
      readonly schema: Readonly<Record<string, unknown>>;
      /** Ask the provider to enforce the schema exactly (OpenAI `strict`). */
      readonly strict?: boolean;
    };

/** A request to a model. */
export interface ModelRequest {
  readonly messages: readonly ChatMessage[];
  /** Upper bound on generated tokens. */
  readonly maxTokens?: number;
  /** Sampling temperature; the provider's default when absent. */
  readonly temperature?: number;
  /** Functions the model may call. */
  readonly tools?: readonly ModelTool[];
  /** Which tool the model must use; the provider's default (`auto` with tools) when absent. */
  readonly toolChoice?: ToolChoice;
  /** The shape of the answer; plain text when absent. */
  readonly responseFormat?: ResponseFormat;
}

/** Tokens spent by one call. */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/**
 * Why the model stopped: it finished (`stop`), hit the token limit (`length`), wants tools called
 * (`tool-calls`), was filtered (`content-filter`), or something else the provider reported.
 */
export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'other';

/** What a model answered. */
export interface ModelResponse {
  /** The text of the answer; empty when the model only called tools. */
  readonly text: string;
  readonly model: string;
  readonly usage: TokenUsage;
  /** Tool calls the model made, with their arguments parsed. Absent when it made none. */
  readonly toolCalls?: readonly ToolCall[];
  /** The answer parsed as JSON, when the request asked for `json_schema` or `json_object`. */
  readonly output?: unknown;
  /** Why the model stopped, when the client knows. */
  readonly finishReason?: FinishReason;
  /** Cost of the call in USD, when the client knows the model's prices. */
  readonly cost?: number;
}

/** A piece of a streamed answer, reported as it arrives. */
export type ModelDelta =
  | { readonly type: 'text'; readonly text: string }
  | {
      readonly type: 'tool-call';
      /** Position of the call among this answer's tool calls. */
      readonly index: number;
      /** The function's name, on the first delta of a call. */
      readonly name?: string;
      /** The next fragment of the arguments' JSON text. */
      readonly argumentsDelta: string;
    };

/** Per-call options of {@link ModelClient.complete}. */
export interface CompleteOptions {
  /** Aborts the call; it then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
  /** Called with each piece of a streamed answer (clients that stream), e.g. to report progress. */
  readonly onDelta?: (delta: ModelDelta) => void;
}

/**
 * A chat model. Implementations honour `signal` (abort the call and reject with its reason).
 * Two implementations ship: the simulated model (the embedded default) and an OpenAI-compatible
 * HTTP client (`createOpenAIClient`).
 */
export interface ModelClient {
  /** Name of the model, for logs and usage accounting. */
  readonly name: string;
  complete(request: ModelRequest, options?: CompleteOptions): Promise<ModelResponse>;
}
