import {
  createBulkhead,
  createFallbackChain,
  createResiliencePipeline,
  type BreakerRegistry,
  type Bulkhead,
  type CircuitBreaker,
  type Clock,
  type FallbackChain,
  type ResiliencePipeline,
} from 'agentvisor/internal';
import { createOutputGuard, type OutputGuard } from '../../guards/index.js';
import type { ModelClient } from '../../models/index.js';
import type { AgentResilienceConfig } from '../AgentResilienceOptions.js';

/** What the chains of one agent share: clock, breakers, one bulkhead per endpoint, listeners. */
export interface ChainContext {
  readonly config: AgentResilienceConfig;
  readonly clock: Clock;
  readonly random: { random?: () => number };
  readonly breakers: BreakerRegistry;
  /** One bulkhead per endpoint (client), shared by every chain that uses it. */
  readonly bulkheads: Map<ModelClient, Bulkhead>;
  readonly watchBreaker: (breaker: CircuitBreaker) => void;
  readonly watchRetries: (pipeline: ResiliencePipeline) => void;
}

/** A declared model, built: its fallback chain and, with an output schema, its guard. */
export interface BuiltModel {
  readonly chain: FallbackChain<ModelClient>;
  readonly guard: OutputGuard<unknown> | undefined;
}

type Declared = AgentResilienceConfig['models'][string];

/**
 * Builds one declared model: a pipeline per endpoint (attempt timeout, breaker `model:<client>`
 * from the registry, bulkhead, retries), chained in declared order with cool-down.
 */
export function buildModelChain(name: string, declared: Declared, ctx: ChainContext): BuiltModel {
  const { config, clock, random } = ctx;
  const decl = 'use' in declared ? declared : { use: [declared], coolDownMs: 5_000 };
  const members = decl.use.map((entry) => {
    const endpoint = 'client' in entry ? entry : { client: entry };
    const client = endpoint.client;
    const key = `model:${client.name}`;
    const breaker = ctx.breakers.get(key, endpoint.breaker ?? {});
    ctx.watchBreaker(breaker);
    const bulkheadOptions = endpoint.bulkhead ?? config.bulkhead;
    let bulkhead: Bulkhead | false = false;
    if (bulkheadOptions !== false) {
      bulkhead = ctx.bulkheads.get(client) ?? createBulkhead({ ...bulkheadOptions, name: key });
      ctx.bulkheads.set(client, bulkhead);
    }
    const pipeline = createResiliencePipeline(
      {
        name: key,
        timeoutMs: endpoint.timeoutMs ?? config.timeouts.callMs,
        retry: endpoint.retry ?? {},
        breaker,
        bulkhead,
      },
      { clock, ...random },
    );
    ctx.watchRetries(pipeline);
    return { name: client.name, target: client, pipeline };
  });
  const chain = createFallbackChain(
    dedupe(members),
    {
      name,
      coolDownMs: decl.coolDownMs,
      ...('fallbackOn' in decl ? { fallbackOn: decl.fallbackOn } : {}),
    },
    { clock },
  );
  if (!('output' in decl) || decl.output === undefined) return { chain, guard: undefined };
  const guard = createOutputGuard({
    schema: decl.output,
    ...(decl.validators === undefined ? {} : { validators: decl.validators }),
    ...(decl.maxRepairs === undefined ? {} : { maxRepairs: decl.maxRepairs }),
  });
  return { chain, guard };
}

/** A chain member per distinct client name: the same endpoint twice would only repeat a failure. */
function dedupe<T extends { name: string }>(members: readonly T[]): T[] {
  const seen = new Set<string>();
  return members.filter((m) => (seen.has(m.name) ? false : (seen.add(m.name), true)));
}
