import type { Deadline, FallbackChain } from 'agentvisor/internal';
import type { ModelClient, ModelRequest, ModelResponse } from '../../models/index.js';
import { abortable } from './abortable.js';
import type { CallMetrics } from './CallMetrics.js';

/**
 * Sends one request through a model's fallback chain: each attempt calls its endpoint's client
 * (abandoned as soon as the attempt's signal aborts) and, with `metrics`, is counted and timed.
 * A fallback still pending when the chain ends found no endpoint left.
 */
export async function callChain(
  chain: FallbackChain<ModelClient>,
  request: ModelRequest,
  options: { readonly deadline: Deadline; readonly signal: AbortSignal },
  metrics: CallMetrics | undefined,
): Promise<ModelResponse & { endpoint: string }> {
  let failure: unknown;
  try {
    return await chain.execute(async (client, ctx) => {
      const complete = () =>
        abortable(client.complete(request, { signal: ctx.signal }), ctx.signal);
      const answer = await (metrics === undefined
        ? complete()
        : metrics.measure('model', ctx.member, ctx.attempt, complete));
      return { ...answer, endpoint: ctx.member };
    }, options);
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    metrics?.settle(failure);
  }
}
