import { z } from 'zod';
import { systemClock, type Clock } from '../clock/index.js';
import { parseOptions } from '../errors/index.js';
import type { Disposable } from '../events/index.js';
import { Bulkhead, BulkheadOptionsSchema } from './Bulkhead.js';
import { CircuitBreaker, CircuitBreakerOptionsSchema } from './CircuitBreaker.js';
import { Deadline } from './Deadline.js';
import type { ExecuteOptions } from './ExecuteOptions.js';
import { linkSignals } from './internal/linkSignals.js';
import { neverAborted } from './internal/signals.js';
import {
  RetryOptionsSchema,
  RetryPolicy,
  type RetryContext,
  type RetryEvent,
} from './RetryPolicy.js';

/** A call budget in ms; `Infinity` for none. */
const TimeoutSchema = z.union([z.number().positive(), z.literal(Infinity)]);

/** Options of {@link createResiliencePipeline}. */
export const ResiliencePipelineOptionsSchema = z.strictObject({
  /** The endpoint or tool guarded; names the breaker and bulkhead unless they have names. @default 'pipeline' */
  name: z.string().min(1).max(256).default('pipeline'),
  /**
   * Budget of one attempt (the call level), in ms, cut to what the step has left; `Infinity`
   * for none. @default 120_000 (a model call, anchors §8)
   */
  timeoutMs: TimeoutSchema.default(120_000),
  /** Retry options, or `false` for a single attempt. @default {} (see {@link RetryOptionsSchema}) */
  retry: z.union([z.literal(false), RetryOptionsSchema]).prefault({}),
  /**
   * Breaker options, a shared {@link CircuitBreaker} (one per key, e.g. from a registry), or
   * `false` for none. @default {} (see {@link CircuitBreakerOptionsSchema})
   */
  breaker: z
    .union([z.literal(false), z.instanceof(CircuitBreaker), CircuitBreakerOptionsSchema])
    .prefault({}),
  /** Bulkhead options, a shared {@link Bulkhead}, or `false` for none. @default false */
  bulkhead: z
    .union([z.literal(false), z.instanceof(Bulkhead), BulkheadOptionsSchema])
    .default(false),
});

/** What callers pass to {@link createResiliencePipeline}. */
export type ResiliencePipelineOptions = z.input<typeof ResiliencePipelineOptionsSchema>;

/** What one attempt is given. */
export interface AttemptContext {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborted by the caller, the step deadline or this attempt's timeout; honour it. */
  readonly signal: AbortSignal;
  /** This attempt's deadline (the call level); pass `toEpochMs()` on to the callee. */
  readonly deadline: Deadline;
}

/** Capabilities of a {@link ResiliencePipeline}. */
export interface ResiliencePipelineDeps {
  /** @default systemClock */
  readonly clock?: Clock;
  /** Numbers in `[0, 1)` for the retry jitter. @default Math.random */
  readonly random?: () => number;
}

/**
 * Deadline, retry, bulkhead, breaker and attempt timeout around a call, in this order (outermost
 * first):
 *
 * step deadline → retry → bulkhead → circuit breaker → attempt timeout → `fn`
 *
 * Retry, breaker and attempt timeout are in the order of Polly v8's standard HTTP pipeline
 * (Microsoft.Extensions.Http.Resilience: bulkhead → total timeout → retry → circuit breaker →
 * attempt timeout) and of cockatiel's `wrap(retry, breaker, timeout)`: the breaker sees every
 * attempt, so it can open in the middle of a retry loop, which then stops (an open breaker fails
 * fast). The bulkhead differs from Polly's (outermost) and sits per attempt, as in resilience4j
 * (innermost): it then bounds the requests actually in flight to the endpoint, and a call waiting
 * out a backoff or a Retry-After holds no slot. It stays outside the breaker so the breaker never
 * counts time spent queueing and a half-open probe never waits in a queue.
 *
 * Timeouts are cooperative, as `ModelClient` honours its signal; the pipeline itself still
 * rejects with the step's reason at the step deadline, whatever `fn` does.
 */
export class ResiliencePipeline {
  readonly #name: string;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #retryPolicy: RetryPolicy;
  /** The retry policy, or undefined with `retry: false`. */
  readonly retry: RetryPolicy | undefined;
  /** The breaker, or undefined with `breaker: false`. */
  readonly breaker: CircuitBreaker | undefined;
  /** The bulkhead, or undefined without one. */
  readonly bulkhead: Bulkhead | undefined;

  /** @internal Use {@link createResiliencePipeline}. */
  constructor(parts: {
    name: string;
    timeoutMs: number;
    clock: Clock;
    retry: RetryPolicy | undefined;
    single: RetryPolicy;
    breaker: CircuitBreaker | undefined;
    bulkhead: Bulkhead | undefined;
  }) {
    this.#name = parts.name;
    this.#timeoutMs = parts.timeoutMs;
    this.#clock = parts.clock;
    this.retry = parts.retry;
    this.#retryPolicy = parts.retry ?? parts.single;
    this.breaker = parts.breaker;
    this.bulkhead = parts.bulkhead;
  }

  /** The endpoint or tool this pipeline guards. */
  get name(): string {
    return this.#name;
  }

  /** Budget of one attempt in ms. */
  get timeoutMs(): number {
    return this.#timeoutMs;
  }

  /** Called before each backoff wait (never, with `retry: false`). */
  onRetry(listener: (event: RetryEvent) => void): Disposable {
    return this.#retryPolicy.onRetry(listener);
  }

  /**
   * Runs `fn` through the pipeline.
   *
   * @throws {RuntimeError} ERR_CIRCUIT_OPEN, ERR_BULKHEAD_FULL when refused; ERR_TIMEOUT when the
   *   last attempt or the step ran out of time; otherwise the last error of `fn`.
   * @throws `signal.reason` when the caller aborts.
   */
  async execute<T>(
    fn: (context: AttemptContext) => Promise<T>,
    options: ExecuteOptions = {},
  ): Promise<T> {
    const { signal } = options;
    if (signal?.aborted === true) throw signal.reason;
    const step = (options.deadline ?? Deadline.none({ clock: this.#clock })).child(Infinity);
    const linked = linkSignals(signal, step.signal());
    try {
      const run = this.#retryPolicy.execute((ctx) => this.#attempt(fn, ctx), {
        deadline: step,
        signal,
      });
      return await raceAbort(run, linked.signal);
    } finally {
      linked.dispose();
      step.dispose();
    }
  }

  /** One attempt: bulkhead → breaker → attempt timeout → fn. */
  #attempt<T>(fn: (context: AttemptContext) => Promise<T>, ctx: RetryContext): Promise<T> {
    const outer = { signal: ctx.signal, deadline: ctx.deadline };
    const timed = (): Promise<T> => this.#timed(fn, ctx);
    const guarded = (): Promise<T> =>
      this.breaker === undefined ? timed() : this.breaker.execute(timed, outer);
    return this.bulkhead === undefined ? guarded() : this.bulkhead.execute(guarded, outer);
  }

  async #timed<T>(fn: (context: AttemptContext) => Promise<T>, ctx: RetryContext): Promise<T> {
    const call = ctx.deadline.child(this.#timeoutMs, { level: 'call' });
    const linked = linkSignals(ctx.signal, call.signal());
    try {
      return await fn({ attempt: ctx.attempt, signal: linked.signal, deadline: call });
    } catch (error) {
      // Our own timeout explains the failure better than however `fn` reported the abort.
      throw linked.signal.aborted ? (linked.signal.reason as unknown) : error;
    } finally {
      linked.dispose();
      call.dispose();
    }
  }
}

/** `promise`, or `signal.reason` as soon as `signal` aborts; a late outcome is dropped quietly. */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal === neverAborted) return promise;
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });
}

/**
 * Creates a {@link ResiliencePipeline}: by default a 120 s attempt timeout, 3 attempts with
 * decorrelated-jitter backoff from 500 ms, and a consecutive breaker (5 failures, 10 s open); no
 * bulkhead unless asked for.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when an option is out of range (`details.issues`).
 * @example
 * const pipeline = createResiliencePipeline(
 *   { name: 'openai', timeoutMs: 20_000, retry: { maxAttempts: 4 }, bulkhead: { maxConcurrent: 8 } },
 *   { clock },
 * );
 * const step = Deadline.fromEnvelope(envelope, { clock }).child(60_000, { level: 'step' });
 * const answer = await pipeline.execute(({ signal }) => model.complete(request, { signal }), {
 *   deadline: step,
 * });
 */
export function createResiliencePipeline(
  options: ResiliencePipelineOptions = {},
  deps: ResiliencePipelineDeps = {},
): ResiliencePipeline {
  const named = nameParts(options);
  const config = parseOptions(ResiliencePipelineOptionsSchema, named, 'resilience pipeline');
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? Math.random;
  const retry = config.retry === false ? undefined : new RetryPolicy(config.retry, clock, random);
  const single = new RetryPolicy(
    parseOptions(RetryOptionsSchema, { maxAttempts: 1 }, 'retry'),
    clock,
    random,
  );
  const breaker =
    config.breaker === false
      ? undefined
      : config.breaker instanceof CircuitBreaker
        ? config.breaker
        : new CircuitBreaker(config.breaker, clock);
  const bulkhead =
    config.bulkhead === false
      ? undefined
      : config.bulkhead instanceof Bulkhead
        ? config.bulkhead
        : new Bulkhead(config.bulkhead);
  return new ResiliencePipeline({
    name: config.name,
    timeoutMs: config.timeoutMs,
    clock,
    retry,
    single,
    breaker,
    bulkhead,
  });
}

/** Gives the breaker and bulkhead the pipeline's name when they have none of their own. */
function nameParts(options: ResiliencePipelineOptions): unknown {
  const { name, breaker, bulkhead } = options;
  if (name === undefined || typeof options !== 'object') return options;
  const withName = (part: unknown): unknown =>
    typeof part === 'object' &&
    part !== null &&
    !(part instanceof CircuitBreaker) &&
    !(part instanceof Bulkhead) &&
    !('name' in part)
      ? { name, ...part }
      : part;
  return {
    ...options,
    ...(breaker === undefined ? { breaker: { name } } : { breaker: withName(breaker) }),
    ...(bulkhead === undefined ? {} : { bulkhead: withName(bulkhead) }),
  };
}
