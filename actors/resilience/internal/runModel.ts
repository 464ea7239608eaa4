import type { Deadline, FallbackChain } from 'agentvisor/internal';
import type { OutputGuard } from '../../guards/index.js';
import type { ModelClient, ModelRequest, ModelResponse } from '../../models/index.js';
import type { AgentResilienceConfig } from '../AgentResilienceOptions.js';
import type { CallMetrics } from './CallMetrics.js';
import { callChain } from './callChain.js';
import { withOutputFormat } from './withOutputFormat.js';

/**
 * One model call through its fallback chain within the step deadline; with an output guard, the
 * guard's repair loop wraps the whole chain, and `onRepaired` hears how many attempts a repaired
 * answer took.
 */
export async function runModel(
  chain: FallbackChain<ModelClient>,
  guard: OutputGuard<unknown> | undefined,
  model: string,
  request: ModelRequest,
  live: { readonly step: Deadline; readonly signal: AbortSignal },
  metrics: CallMetrics | undefined,
  onRepaired: (attempts: number) => void,
): Promise<ModelResponse & { endpoint: string }> {
  const { step, signal } = live;
  const call = (req: ModelRequest): Promise<ModelResponse & { endpoint: string }> =>
    callChain(chain, req, { deadline: step, signal }, metrics);
  if (guard === undefined) return call(request);
  // The repair loop wraps the whole chain: each repair is a call with its own retries and
  // fallbacks, all within the step's deadline.
  const result = await guard.complete(call, withOutputFormat(request, model, guard), {
    signal,
    onAttempt: (e) => {
      if (e.final && e.repaired) onRepaired(e.attempt);
    },
  });
  const response = result.response as ModelResponse & { endpoint: string };
  return {
    ...response,
    output: result.value,
    usage: result.usage,
    ...(result.cost === undefined ? {} : { cost: result.cost }),
  };
}

/** The request for the degraded strategy: its `instruction` first, as a system message. */
export function withInstruction(
  request: ModelRequest,
  degrade: NonNullable<AgentResilienceConfig['degrade']>,
): ModelRequest {
  return degrade.instruction === undefined
    ? request
    : {
        ...request,
        messages: [{ role: 'system', content: degrade.instruction }, ...request.messages],
      };
}
