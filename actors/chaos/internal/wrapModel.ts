import { sleepOnClock, type Clock } from 'agentvisor/internal';
import type {
  CompleteOptions,
  ModelClient,
  ModelRequest,
  ModelResponse,
} from '../../models/index.js';
import { faultError, withFault, type ModelFault } from '../../models/internal/modelFaults.js';
import { toModelResponse, type RawAnswer } from '../../models/internal/toModelResponse.js';

/**
 * `client` whose calls ask `decide` for a fault first; a fault fails or changes the call the way
 * the real HTTP client would (same error builders, same parser).
 */
export function wrapModel(
  client: ModelClient,
  clock: Clock,
  decide: (request: ModelRequest) => ModelFault | undefined,
  injectedCount: () => number,
): ModelClient {
  const wait = (ms: number, signal: AbortSignal | undefined) => sleepOnClock(clock, ms, signal);
  return {
    name: client.name,
    async complete(
      request: ModelRequest,
      callOptions: CompleteOptions = {},
    ): Promise<ModelResponse> {
      const fault = decide(request);
      if (fault === undefined) return client.complete(request, callOptions);
      const { signal } = callOptions;
      if (fault.type === 'hang') {
        await new Promise<never>((_, reject) => {
          if (signal?.aborted === true) reject(signal.reason as Error);
          const onAbort = (): void => {
            reject(signal?.reason as Error);
          };
          signal?.addEventListener('abort', onAbort, { once: true });
        });
      }
      if (fault.type === 'latency') await wait(fault.ms, signal);
      if (fault.type === 'timeout') await wait(fault.afterMs ?? 0, signal);
      const error = faultError(
        client.name,
        fault,
        fault.type === 'timeout' ? (fault.afterMs ?? 0) : 0,
      );
      if (error !== undefined) throw error;
      const response = await client.complete(request, callOptions);
      if (fault.type === 'latency') return response;
      // The real answer, changed as the fault says, then parsed as the client parses it.
      const raw: RawAnswer = {
        model: response.model,
        content: response.text,
        refusal: undefined,
        toolCalls: (response.toolCalls ?? []).map((c) => ({
          id: c.id,
          name: c.name,
          arguments: JSON.stringify(c.arguments ?? {}),
        })),
        finishReason: response.finishReason === 'tool-calls' ? 'tool_calls' : 'stop',
        usage: { prompt: response.usage.inputTokens, completion: response.usage.outputTokens },
      };
      return toModelResponse(withFault(raw, request, fault, injectedCount()), request, {
        name: client.name,
        model: response.model,
        pricing: undefined,
      });
    },
  };
}
