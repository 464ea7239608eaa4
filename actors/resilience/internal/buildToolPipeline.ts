import { createResiliencePipeline, type ResiliencePipeline } from 'agentvisor/internal';
import { ToolResilienceSchema } from '../AgentResilienceOptions.js';
import type { ResilientTool } from '../AgentResilience.js';
import type { ChainContext } from './buildModelChain.js';

/**
 * The pipeline of one tool: its breaker (`tool:<name>` in the registry), its call timeout, and
 * retries only when it is idempotent (a retry of any other tool could repeat its side effect).
 */
export function buildToolPipeline(
  name: string,
  tool: ResilientTool,
  ctx: ChainContext,
): ResiliencePipeline {
  const options = ToolResilienceSchema.parse(tool.resilience ?? {});
  const breaker = ctx.breakers.get(`tool:${name}`, options.breaker ?? {});
  ctx.watchBreaker(breaker);
  const pipeline = createResiliencePipeline(
    {
      name: `tool:${name}`,
      timeoutMs: options.timeoutMs ?? ctx.config.timeouts.callMs,
      retry: options.retry ?? (tool.idempotent === true ? {} : false),
      breaker,
    },
    { clock: ctx.clock, ...ctx.random },
  );
  ctx.watchRetries(pipeline);
  return pipeline;
}
