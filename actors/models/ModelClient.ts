/** One chat message sent to a model. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant' | 'tool';
  readonly content: string;
}

/** A request to a model. */
export interface ModelRequest {
  readonly messages: readonly ChatMessage[];
  /** Upper bound on generated tokens. */
  readonly maxTokens?: number;
}

/** Tokens spent by one call. */
export interface TokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** What a model answered. */
export interface ModelResponse {
  readonly text: string;
  readonly model: string;
  readonly usage: TokenUsage;
}

/**
 * A chat model. Implementations honour `signal` (abort the call and reject with its reason).
 * The simulated model is the embedded default; an OpenAI-compatible HTTP client comes with the
 * resilience work (issue #6).
 */
export interface ModelClient {
  /** Name of the model, for logs and usage accounting. */
  readonly name: string;
  complete(request: ModelRequest, options?: { signal?: AbortSignal }): Promise<ModelResponse>;
}
