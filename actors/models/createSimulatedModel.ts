import { z } from 'zod';
import { type Clock, parseOptions, systemClock } from 'agentvisor/internal';
import type {
  ChatMessage,
  CompleteOptions,
  ModelClient,
  ModelRequest,
  ModelResponse,
} from './ModelClient.js';
import { faultError, withFault, type ModelFault } from './internal/modelFaults.js';
import { toModelResponse, type RawToolCall } from './internal/toModelResponse.js';

/** What a script answers: text, or text and tool calls. */
export type SimulatedAnswer =
  | string
  | {
      readonly text?: string;
      readonly toolCalls?: readonly { readonly name: string; readonly arguments?: unknown }[];
    };

/**
 * A fault the simulated model injects into a call. Each fails the way the OpenAI-compatible HTTP
 * client fails on the real thing (same codes, `details.status`, `details.failureClass`,
 * `details.retryAfterMs`), because the same functions build the errors and parse the answers:
 * - `latency`: answers normally, after `ms` instead of the drawn latency;
 * - `hang`: never answers; rejects with `signal.reason` once the caller aborts;
 * - `timeout`: ERR_TIMEOUT (`transient`) after `afterMs`, as the client's own call timeout;
 * - `rate-limit`: HTTP 429 (`rate-limit`) with `details.retryAfterMs`;
 * - `server-error`: HTTP 5xx (`transient`), 503 unless `status` says otherwise;
 * - `connection-reset`: ERR_MODEL_CONNECTION (`transient`), as a socket reset;
 * - `malformed-json`: text that is cut-off JSON; with JSON output requested, ERR_MODEL_OUTPUT
 *   (`invalid-output`);
 * - `schema-violation`: valid JSON that does not fit the requested schema (wrong types, a
 *   required field missing); the agent's validation turns it into `invalid-output`;
 * - `hallucinated-tool`: a call to a tool not offered in the request (`name`, or a made-up one).
 */
export type Fault = ModelFault;

/** A call as a fault rule's predicate sees it. */
export interface SimulatedCall {
  /** 1 for the model's first call. */
  readonly call: number;
  readonly request: ModelRequest;
}

/**
 * When a rule applies: a call number (1-based), a list of them, a range (`from`, `to`
 * inclusive, every `every`-th call from `from`), or a predicate.
 */
export type FaultWhen =
  | number
  | readonly number[]
  | {
      readonly from?: number | undefined;
      readonly to?: number | undefined;
      readonly every?: number | undefined;
    }
  | ((call: SimulatedCall) => boolean);

/** One rule of a {@link FaultPlan}. */
export interface FaultRule {
  readonly on: FaultWhen;
  readonly fault: Fault;
  /** Chance that a matching call gets the fault, drawn from the seed. @default 1 */
  readonly rate?: number | undefined;
}

/**
 * The faults of a simulated model, checked in order for each call: `latency` rules that match
 * all apply (the last wins); the first other matching rule decides the call's fault.
 */
export type FaultPlan = readonly FaultRule[];

const callNumber = z.number().int().min(1);
const FaultSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('latency'), ms: z.number().nonnegative() }),
  z.strictObject({ type: z.literal('hang') }),
  z.strictObject({ type: z.literal('timeout'), afterMs: z.number().nonnegative().optional() }),
  z.strictObject({
    type: z.literal('rate-limit'),
    retryAfterMs: z.number().nonnegative().optional(),
  }),
  z.strictObject({
    type: z.literal('server-error'),
    status: z.number().int().min(500).max(599).optional(),
    retryAfterMs: z.number().nonnegative().optional(),
  }),
  z.strictObject({ type: z.literal('connection-reset') }),
  z.strictObject({ type: z.literal('malformed-json') }),
  z.strictObject({ type: z.literal('schema-violation') }),
  z.strictObject({ type: z.literal('hallucinated-tool'), name: z.string().min(1).optional() }),
]);
const isFunction = (v: unknown): boolean => typeof v === 'function';

/** Options of {@link createSimulatedModel}, validated at creation. */
export const SimulatedModelOptionsSchema = z.strictObject({
  /** Model name reported in responses. @default 'sim-1' */
  name: z.string().min(1).default('sim-1'),
  /** Seed of the generators: same seed, script and plan, same answers, latencies and faults. @default 1 */
  seed: z.number().int().default(1),
  /** Answers a request; the default echoes a short deterministic summary of the last message. */
  script: z.custom<(request: ModelRequest, call: number) => SimulatedAnswer>(isFunction).optional(),
  /** Latency range of a call in ms, drawn from the seeded generator. @default [20, 80] */
  latencyMs: z
    .tuple([z.number().nonnegative(), z.number().nonnegative()])
    .refine(([min, max]) => max >= min, { error: 'max must be >= min' })
    .default([20, 80]),
  /** Faults to inject. @default [] */
  faults: z
    .array(
      z.strictObject({
        on: z.union([
          callNumber,
          z.array(callNumber).readonly(),
          z.strictObject({
            from: callNumber.optional(),
            to: callNumber.optional(),
            every: callNumber.optional(),
          }),
          z.custom<(call: SimulatedCall) => boolean>(isFunction),
        ]),
        fault: FaultSchema,
        rate: z.number().min(0).max(1).optional(),
      }),
    )
    .readonly()
    .default([]),
});

/** What callers pass to {@link createSimulatedModel}. */
export interface SimulatedModelOptions {
  name?: string;
  seed?: number;
  script?: (request: ModelRequest, call: number) => SimulatedAnswer;
  latencyMs?: readonly [number, number];
  faults?: FaultPlan;
}

/**
 * A deterministic model for examples and tests: no network, no key. Answers come from `script`,
 * latencies and fault draws from generators seeded by `seed`, on the injected clock, so a run is
 * reproducible; `faults` injects the failures of real endpoints.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when an option is malformed.
 * @example
 * const model = createSimulatedModel({
 *   seed: 7,
 *   faults: [
 *     { on: 1, fault: { type: 'rate-limit', retryAfterMs: 2_000 } },
 *     { on: { from: 5, to: 7 }, fault: { type: 'server-error', status: 502 } },
 *   ],
 * }, { clock });
 */
export function createSimulatedModel(
  options: SimulatedModelOptions = {},
  deps: { clock?: Clock } = {},
): ModelClient {
  const config = parseOptions(SimulatedModelOptionsSchema, options, 'simulated model');
  const clock = deps.clock ?? systemClock;
  const { name } = config;
  const [minMs, maxMs] = config.latencyMs;
  const random = mulberry32(config.seed);
  // A stream of its own: adding a rule with a rate does not change the latencies drawn.
  const faultRandom = mulberry32(config.seed ^ 0x5eed_fa17);
  const script = config.script ?? defaultScript;
  const plan: FaultPlan = config.faults;
  let calls = 0;

  const pickFaults = (call: SimulatedCall): { latencyMs?: number; fault?: Fault } => {
    let latencyMs: number | undefined;
    for (const rule of plan) {
      if (!matches(rule.on, call)) continue;
      if (rule.rate !== undefined && rule.rate < 1 && faultRandom() >= rule.rate) continue;
      if (rule.fault.type === 'latency') latencyMs = rule.fault.ms;
      else return { ...(latencyMs === undefined ? {} : { latencyMs }), fault: rule.fault };
    }
    return latencyMs === undefined ? {} : { latencyMs };
  };

  return {
    name,
    complete(request: ModelRequest, callOptions: CompleteOptions = {}): Promise<ModelResponse> {
      const { signal } = callOptions;
      if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
      const call = ++calls;
      const drawn = Math.round(minMs + random() * (maxMs - minMs));
      const { latencyMs, fault } = pickFaults({ call, request });
      // A hang has no timer: only the caller's signal ends it.
      const delay =
        fault?.type === 'hang'
          ? undefined
          : ((fault?.type === 'timeout' ? fault.afterMs : undefined) ?? latencyMs ?? drawn);
      return new Promise<ModelResponse>((resolve, reject) => {
        const onAbort = (): void => {
          if (timer !== undefined) clock.clearTimeout(timer);
          reject(signal?.reason as Error);
        };
        const timer =
          delay === undefined
            ? undefined
            : clock.setTimeout(() => {
                signal?.removeEventListener('abort', onAbort);
                try {
                  resolve(answer(name, request, call, script, fault, delay));
                } catch (err) {
                  reject(err instanceof Error ? err : new Error(String(err)));
                }
              }, delay);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

/** The call's outcome once its latency has passed: a response, or the fault's error (thrown). */
function answer(
  name: string,
  request: ModelRequest,
  call: number,
  script: (request: ModelRequest, call: number) => SimulatedAnswer,
  fault: Fault | undefined,
  delay: number,
): ModelResponse {
  const error = fault === undefined ? undefined : faultError(name, fault, delay);
  if (error !== undefined) throw error;
  const scripted = script(request, call);
  const base = typeof scripted === 'string' ? { text: scripted, toolCalls: [] } : scripted;
  const content = base.text ?? '';
  const toolCalls: RawToolCall[] = (base.toolCalls ?? []).map((c, i) => ({
    id: `call_${call}_${i}`,
    name: c.name,
    arguments: JSON.stringify(c.arguments ?? {}),
  }));
  const raw = withFault(
    {
      model: name,
      content,
      refusal: undefined,
      toolCalls,
      finishReason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
      usage: { prompt: countTokens(request.messages), completion: tokens(content) },
    },
    request,
    fault,
    call,
  );
  // The HTTP client's own parsing: JSON output and tool arguments fail exactly as they would.
  return toModelResponse(raw, request, { name, model: name, pricing: undefined });
}

function matches(on: FaultWhen, call: SimulatedCall): boolean {
  if (typeof on === 'number') return call.call === on;
  if (typeof on === 'function') return on(call);
  if (Array.isArray(on)) return (on as readonly number[]).includes(call.call);
  const {
    from = 1,
    to = Infinity,
    every = 1,
  } = on as { from?: number; to?: number; every?: number };
  return call.call >= from && call.call <= to && (call.call - from) % every === 0;
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
