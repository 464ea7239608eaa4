import { z } from 'zod';
import { systemClock, type Clock } from '../clock/index.js';
import { ErrorCode, isRuntimeError, parseOptions } from '../errors/index.js';
import type { Disposable } from '../events/index.js';
import { backoffDelays, type BackoffConfig } from './backoff/backoffDelays.js';
import { Deadline } from './Deadline.js';
import type { ExecuteOptions } from './ExecuteOptions.js';
import { classifyFailure, retryAfterMsOf, type FailureClass } from '../errors/index.js';
import { Listeners } from '../events/index.js';
import { linkSignals } from './internal/linkSignals.js';
import { sleep } from './internal/sleep.js';

/**
 * The only failure classes a retry may repeat (DESIGN.md): the rest fail the same way again
 * (`auth`, `invalid-request`, `budget`, `safety`, `poison`, `bug`), may duplicate a side effect
 * (`uncertain-effect`), or have their own loop (`invalid-output` goes to the repair loop).
 */
export const RETRYABLE_CLASSES = ['transient', 'rate-limit'] as const;
/** One of {@link RETRYABLE_CLASSES}. */
export type RetryableClass = (typeof RETRYABLE_CLASSES)[number];

/** Options of {@link createRetryPolicy}. */
export const RetryOptionsSchema = z
  .strictObject({
    /**
     * Attempts in all, the first included (resilience4j's `maxAttempts`, Temporal's
     * `maximumAttempts`); `Infinity` leaves the bound to the deadline. @default 3
     */
    maxAttempts: z.union([z.number().int().min(1), z.literal(Infinity)]).default(3),
    /** Scale of the first backoff delay, in ms. @default 500 */
    initialDelayMs: z.number().positive().default(500),
    /** Cap on one backoff delay, in ms (cockatiel's `maxDelay`). @default 30_000 */
    maxDelayMs: z.number().positive().default(30_000),
    /** Growth of the delay per retry (cockatiel's `exponent`, Temporal's coefficient). @default 2 */
    factor: z.number().min(1).max(100).default(2),
    /** How delays are spread; see {@link Jitter}. @default 'decorrelated' (cockatiel, Polly) */
    jitter: z.enum(['none', 'full', 'decorrelated']).default('decorrelated'),
    /** Which retryable classes to retry. @default ['transient', 'rate-limit'] */
    retryOn: z.array(z.enum(RETRYABLE_CLASSES)).default([...RETRYABLE_CLASSES]),
    /**
     * A `Retry-After` longer than this is not waited for: the call gives up at once (Portkey and
     * the Vercel AI SDK cap it at 60 s). @default 60_000
     */
    maxRetryAfterMs: z.number().nonnegative().default(60_000),
  })
  .refine((o) => o.maxDelayMs >= o.initialDelayMs, {
    path: ['maxDelayMs'],
    error: 'must be >= initialDelayMs',
  });
/** What callers pass to {@link createRetryPolicy}. */
export type RetryOptions = z.input<typeof RetryOptionsSchema>;
/** The resolved options of a {@link RetryPolicy}. */
export type RetryConfig = z.output<typeof RetryOptionsSchema>;

/** What one attempt is given. */
export interface RetryContext {
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** Aborted when the caller aborts or the step deadline passes. */
  readonly signal: AbortSignal;
  /** The step deadline; an attempt's own timeout is `deadline.child(ms)`. */
  readonly deadline: Deadline;
}

/** Emitted before each backoff wait. */
export interface RetryEvent {
  /** The attempt that just failed (1 for the first). */
  readonly attempt: number;
  /** How long the policy waits before the next attempt, in ms. */
  readonly delayMs: number;
  readonly error: unknown;
  readonly failureClass: FailureClass;
}

/**
 * Why a policy stopped retrying:
 * - `not-retryable`: the class is not in `retryOn`;
 * - `rejected`: an open breaker or a full bulkhead refused the call (failing fast is their job;
 *   the fallback chain moves on);
 * - `attempts`: `maxAttempts` used up;
 * - `deadline`: the next wait would reach the step deadline;
 * - `retry-after`: the server asked for a wait longer than `maxRetryAfterMs`;
 * - `aborted`: the caller aborted, or the step deadline passed during an attempt.
 */
export type GiveUpReason =
  'not-retryable' | 'rejected' | 'attempts' | 'deadline' | 'retry-after' | 'aborted';

/** Emitted when the policy stops and the call fails. */
export interface GiveUpEvent {
  readonly attempts: number;
  readonly error: unknown;
  readonly failureClass: FailureClass;
  readonly reason: GiveUpReason;
}

/** Capabilities of a {@link RetryPolicy}. */
export interface RetryDeps {
  /** @default systemClock */
  readonly clock?: Clock;
  /** Numbers in `[0, 1)` for the jitter; inject a seeded one for reproducible runs. @default Math.random */
  readonly random?: () => number;
}

/**
 * Retries a call whose failure class says another try may succeed, with exponential backoff and
 * jitter on the injected clock. A `Retry-After` (`retryAfterMs` on the error or its
 * `details`) stretches the wait to `max(backoff, retryAfter)`. It never sleeps into the step
 * deadline: when the next wait would reach it, the call fails with its last error.
 *
 * cockatiel's `retry` is not used: it sleeps on the global `setTimeout` (no injected clock), its
 * wait ignores the signal, and it cannot stop on a deadline.
 */
export class RetryPolicy {
  readonly #config: RetryConfig;
  readonly #backoff: BackoffConfig;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #retryOn: ReadonlySet<FailureClass>;
  readonly #onRetry = new Listeners<RetryEvent>();
  readonly #onGiveUp = new Listeners<GiveUpEvent>();

  /** @internal Use {@link createRetryPolicy}. */
  constructor(config: RetryConfig, clock: Clock, random: () => number) {
    this.#config = config;
    this.#backoff = {
      initialDelayMs: config.initialDelayMs,
      maxDelayMs: config.maxDelayMs,
      factor: config.factor,
      jitter: config.jitter,
    };
    this.#clock = clock;
    this.#random = random;
    this.#retryOn = new Set(config.retryOn);
  }

  /** The resolved options. */
  get config(): RetryConfig {
    return this.#config;
  }

  /** Called before each backoff wait. */
  onRetry(listener: (event: RetryEvent) => void): Disposable {
    return this.#onRetry.add(listener);
  }

  /** Called when the policy stops retrying and the call fails. */
  onGiveUp(listener: (event: GiveUpEvent) => void): Disposable {
    return this.#onGiveUp.add(listener);
  }

  /**
   * Runs `fn`, again after each retryable failure, until it succeeds or the policy gives up.
   *
   * @returns What `fn` resolved with.
   * @throws The last error of `fn` when the policy gives up; `signal.reason` when aborted.
   */
  async execute<T>(
    fn: (context: RetryContext) => Promise<T>,
    options: ExecuteOptions = {},
  ): Promise<T> {
    const { signal } = options;
    if (signal?.aborted === true) throw signal.reason;
    // A child with no budget of its own inherits the step's expiry and error, and owns its timer,
    // which this call clears: the caller's deadline object is left untouched.
    const deadline = (options.deadline ?? Deadline.none({ clock: this.#clock })).child(Infinity);
    const linked = linkSignals(signal, deadline.signal());
    const delays = backoffDelays(this.#backoff, this.#random);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          return await fn({ attempt, signal: linked.signal, deadline });
        } catch (error) {
          const failureClass = classifyFailure(error);
          const next = this.#decide(error, failureClass, attempt, linked.signal, deadline, delays);
          if (typeof next === 'string') {
            this.#onGiveUp.emit({ attempts: attempt, error, failureClass, reason: next });
            throw next === 'aborted' ? (linked.signal.reason as unknown) : error;
          }
          this.#onRetry.emit({ attempt, delayMs: next, error, failureClass });
          await sleep(this.#clock, next, linked.signal);
        }
      }
    } finally {
      linked.dispose();
      deadline.dispose();
    }
  }

  /** The wait before the next attempt, or why there is none. */
  #decide(
    error: unknown,
    failureClass: FailureClass,
    attempt: number,
    signal: AbortSignal,
    deadline: Deadline,
    delays: Iterator<number, never, void>,
  ): number | GiveUpReason {
    if (signal.aborted) return 'aborted';
    if (
      isRuntimeError(error, ErrorCode.CircuitOpen) ||
      isRuntimeError(error, ErrorCode.BulkheadFull)
    ) {
      return 'rejected';
    }
    if (!this.#retryOn.has(failureClass)) return 'not-retryable';
    if (attempt >= this.#config.maxAttempts) return 'attempts';
    const backoff = delays.next().value;
    // RFC 9110 lets a 503 carry Retry-After as well as a 429: honour it on any retryable class.
    const retryAfter = retryAfterMsOf(error);
    if (retryAfter !== undefined && retryAfter > this.#config.maxRetryAfterMs) return 'retry-after';
    const delay = Math.max(backoff, retryAfter ?? 0);
    // Waking exactly at the deadline leaves no time for the attempt: stop at >=, not >.
    if (delay >= deadline.remainingMs()) return 'deadline';
    return delay;
  }
}

/**
 * Creates a {@link RetryPolicy}.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when an option is out of range (`details.issues`).
 * @example
 * const retry = createRetryPolicy({ maxAttempts: 4 }, { clock });
 * retry.onRetry(({ attempt, delayMs }) => log.warn({ attempt, delayMs }, 'retrying'));
 * const answer = await retry.execute(({ signal }) => model.complete(req, { signal }), { deadline });
 */
export function createRetryPolicy(options: RetryOptions = {}, deps: RetryDeps = {}): RetryPolicy {
  return new RetryPolicy(
    parseOptions(RetryOptionsSchema, options, 'retry'),
    deps.clock ?? systemClock,
    deps.random ?? Math.random,
  );
}
