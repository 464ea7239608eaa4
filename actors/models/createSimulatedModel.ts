import { type Clock, systemClock } from 'agentvisor';
import type { ChatMessage, ModelClient, ModelRequest, ModelResponse } from './ModelClient.js';

/** Options of {@link createSimulatedModel}. */
export interface SimulatedModelOptions {
  /** Model name reported in responses. @default 'sim-1' */
  name?: string;
  /** Seed of the deterministic generator: same seed and script, same answers and latencies. @default 1 */
  seed?: number;
  /** Answers the last user message; the default echoes a short deterministic summary. */
  script?: (request: ModelRequest, call: number) => string;
  /** Latency range of a call in ms, drawn from the seeded generator. @default [20, 80] */
  latencyMs?: readonly [number, number];
}

/**
 * A deterministic model for examples and tests: no network, no key. Answers come from `script`
 * and latencies from a seeded generator on the injected clock, so a run is reproducible.
 * Fault plans (429, 5xx, malformed output, hangs) arrive with the resilience work.
 *
 * @example
 * const model = createSimulatedModel({ seed: 7, script: ({ messages }) => `echo: ${messages.at(-1)?.content}` });
 */
export function createSimulatedModel(
  options: SimulatedModelOptions = {},
  deps: { clock?: Clock } = {},
): ModelClient {
  const clock = deps.clock ?? systemClock;
  const name = options.name ?? 'sim-1';
  const [minMs, maxMs] = options.latencyMs ?? [20, 80];
  const random = mulberry32(options.seed ?? 1);
  const script = options.script ?? defaultScript;
  let calls = 0;

  return {
    name,
    complete(request, callOptions = {}) {
      const { signal } = callOptions;
      if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
      const call = ++calls;
      const latency = Math.round(minMs + random() * (maxMs - minMs));
      return new Promise<ModelResponse>((resolve, reject) => {
        const onAbort = () => {
          clock.clearTimeout(timer);
          reject(signal?.reason as Error);
        };
        const timer = clock.setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          try {
            const text = script(request, call);
            resolve({
              text,
              model: name,
              usage: { inputTokens: countTokens(request.messages), outputTokens: tokens(text) },
            });
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        }, latency);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

function defaultScript(request: ModelRequest): string {
  const last = request.messages.at(-1)?.content ?? '';
  return `Considered: ${last.slice(0, 80)}`;
}

/** A rough token count (~4 characters a token), good enough for accounting in simulations. */
function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function countTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((n, m) => n + tokens(m.content), 0);
}

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; deterministic from its seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
