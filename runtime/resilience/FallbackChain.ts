import { z } from 'zod';
import { systemClock, type Clock } from '../clock/index.js';
import {
  ErrorCode,
  isRuntimeError,
  parseOptions,
  RuntimeError,
  toWireError,
  type WireError,
} from '../errors/index.js';
import type { Disposable } from '../events/index.js';
import type { AttemptContext, ResiliencePipeline } from './createResiliencePipeline.js';
import { Deadline } from './Deadline.js';
import type { ExecuteOptions } from './ExecuteOptions.js';
import { classifyFailure, FAILURE_CLASSES, type FailureClass } from '../errors/index.js';
import { Listeners } from '../events/index.js';
import { linkSignals } from './internal/linkSignals.js';
import { isAborted } from './internal/signals.js';
import { RETRYABLE_CLASSES } from './RetryPolicy.js';

/** Options of {@link createFallbackChain}. */
export const FallbackOptionsSchema = z.strictObject({
  /** The chain's name, for errors and events. @default 'fallback' */
  name: z.string().min(1).max(256).default('fallback'),
  /**
   * How long a member is skipped after it fails with a retryable class (`transient`,
   * `rate-limit`) or its breaker refuses, in ms. @default 5_000 (LiteLLM's cooldown)
   */
  coolDownMs: z.number().nonnegative().default(5_000),
  /**
   * Failure classes after which the next member is tried. The others fail the chain at once:
   * `budget` (the task's money, not the model's), `safety`, `poison`, `uncertain-effect` (a side
   * effect may have happened) and `bug`. `auth`, `invalid-request` (e.g. a context window too
   * small) and `invalid-output` (after the repair loop) may well succeed on another model.
   * @default ['transient', 'rate-limit', 'auth', 'invalid-request', 'invalid-output']
   */
  fallbackOn: z
    .array(z.enum(FAILURE_CLASSES))
    .default(['transient', 'rate-limit', 'auth', 'invalid-request', 'invalid-output']),
});
/** What callers pass to {@link createFallbackChain}. */
export type FallbackOptions = z.input<typeof FallbackOptionsSchema>;
/** The resolved options of a {@link FallbackChain}. */
export type FallbackConfig = z.output<typeof FallbackOptionsSchema>;

/** One member of a chain, in order of preference: primary, backup, cheaper. */
export interface FallbackMember<TTarget> {
  /** Unique within the chain. */
  readonly name: string;
  /** What `fn` is given for this member (a ModelClient, a tool). */
  readonly target: TTarget;
  /** The member's own pipeline; with a breaker, an open breaker makes the chain skip it. */
  readonly pipeline?: ResiliencePipeline | undefined;
}

/** What happened to one member in one run of the chain; `details.causes` of the error. */
export interface FallbackCause {
  readonly member: string;
  readonly outcome: 'failed' | 'skipped';
  /** Why a member was skipped. */
  readonly skipped?: 'cooling-down' | 'breaker-open';
  readonly failureClass?: FailureClass;
  readonly error?: WireError;
}

/** Emitted when a member failed and the chain moves on. */
export interface FallbackEvent {
  readonly chain: string;
  readonly from: string;
  readonly failureClass: FailureClass;
  readonly error: unknown;
  /** Set when the member now cools down for this long. */
  readonly coolDownMs?: number;
}

/**
 * Tries members in order until one succeeds: primary → backup → cheaper. A member that fails with
 * a retryable class, or whose breaker refuses, cools down: it is skipped for `coolDownMs` by every
 * later run (LiteLLM's deployment cooldown), as is one whose breaker is open.
 *
 * cockatiel's `fallback` returns a fixed value for a handled failure; there is no chain, no
 * cool-down and no reading of breakers, so this is written here.
 */
export class FallbackChain<TTarget> {
  readonly #config: FallbackConfig;
  readonly #members: readonly FallbackMember<TTarget>[];
  readonly #clock: Clock;
  readonly #fallbackOn: ReadonlySet<FailureClass>;
  /** Member name → monotonic ms until which it is skipped. */
  readonly #coolUntil = new Map<string, number>();
  readonly #onFallback = new Listeners<FallbackEvent>();

  /** @internal Use {@link createFallbackChain}. */
  constructor(config: FallbackConfig, members: readonly FallbackMember<TTarget>[], clock: Clock) {
    this.#config = config;
    this.#members = members;
    this.#clock = clock;
    this.#fallbackOn = new Set(config.fallbackOn);
  }

  /** The members, in order. */
  get members(): readonly FallbackMember<TTarget>[] {
    return this.#members;
  }

  /** Ms left of `member`'s cool-down; 0 when it is not cooling down. */
  coolDownRemainingMs(member: string): number {
    const until = this.#coolUntil.get(member);
    return until === undefined ? 0 : Math.max(0, until - this.#clock.monotonic());
  }

  /** Called when a member failed and the chain moves on. */
  onFallback(listener: (event: FallbackEvent) => void): Disposable {
    return this.#onFallback.add(listener);
  }

  /**
   * Runs `fn` on the first member that is available and succeeds.
   *
   * @throws {RuntimeError} ERR_FALLBACK_EXHAUSTED when every member failed or was skipped:
   *   `details.causes` ({@link FallbackCause} each), `details.failureClass` (the last failure's,
   *   `transient` when all were skipped), `details.retryAfterMs` (when the first cool-down ends)
   *   and `cause` (the last error).
   * @throws The member's error, at once, when its class is not in `fallbackOn`.
   * @throws `signal.reason` when the caller aborts or the deadline passes.
   */
  async execute<T>(
    fn: (target: TTarget, context: AttemptContext & { readonly member: string }) => Promise<T>,
    options: ExecuteOptions = {},
  ): Promise<T> {
    const { signal } = options;
    const deadline = options.deadline ?? Deadline.none({ clock: this.#clock });
    const causes: FallbackCause[] = [];
    let last: { error: unknown; failureClass: FailureClass } | undefined;
    for (const member of this.#members) {
      if (isAborted(signal)) throw signal?.reason;
      deadline.throwIfExpired();
      const skipped = this.#skipReason(member);
      if (skipped !== undefined) {
        causes.push({ member: member.name, outcome: 'skipped', skipped });
        continue;
      }
      try {
        return await this.#run(member, fn, deadline, signal);
      } catch (error) {
        if (isAborted(signal)) throw signal?.reason;
        if (deadline.expired) throw deadline.timeoutError();
        const failureClass = classifyFailure(error);
        causes.push({
          member: member.name,
          outcome: 'failed',
          failureClass,
          error: toWireError(error),
        });
        last = { error, failureClass };
        if (!this.#fallbackOn.has(failureClass)) throw error;
        const cools =
          (RETRYABLE_CLASSES as readonly FailureClass[]).includes(failureClass) ||
          isRuntimeError(error, ErrorCode.CircuitOpen);
        if (cools) {
          this.#coolUntil.set(member.name, this.#clock.monotonic() + this.#config.coolDownMs);
        }
        this.#onFallback.emit({
          chain: this.#config.name,
          from: member.name,
          failureClass,
          error,
          ...(cools ? { coolDownMs: this.#config.coolDownMs } : {}),
        });
      }
    }
    throw this.#exhausted(causes, last);
  }

  #skipReason(member: FallbackMember<TTarget>): FallbackCause['skipped'] {
    if (this.coolDownRemainingMs(member.name) > 0) return 'cooling-down';
    const state = member.pipeline?.breaker?.state;
    if (state === 'open' || state === 'isolated') return 'breaker-open';
    return undefined;
  }

  async #run<T>(
    member: FallbackMember<TTarget>,
    fn: (target: TTarget, context: AttemptContext & { readonly member: string }) => Promise<T>,
    deadline: Deadline,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    if (member.pipeline !== undefined) {
      return member.pipeline.execute((ctx) => fn(member.target, { ...ctx, member: member.name }), {
        deadline,
        signal,
      });
    }
    // No pipeline: one attempt, bounded by the caller's signal and the deadline.
    const call = deadline.child(Infinity);
    const linked = linkSignals(signal, call.signal());
    try {
      return await fn(member.target, {
        attempt: 1,
        signal: linked.signal,
        deadline: call,
        member: member.name,
      });
    } finally {
      linked.dispose();
      call.dispose();
    }
  }

  #exhausted(
    causes: readonly FallbackCause[],
    last: { error: unknown; failureClass: FailureClass } | undefined,
  ): RuntimeError {
    const waits = this.#members.map((m) => this.coolDownRemainingMs(m.name)).filter((ms) => ms > 0);
    const retryAfterMs = waits.length === this.#members.length ? Math.min(...waits) : undefined;
    const summary = causes
      .map(
        (c) =>
          `${c.member}: ${c.outcome === 'failed' ? (c.failureClass ?? '') : (c.skipped ?? '')}`,
      )
      .join(', ');
    return new RuntimeError(
      ErrorCode.FallbackExhausted,
      `Every member of ${this.#config.name} failed or was skipped (${summary})`,
      {
        ...(last === undefined ? {} : { cause: last.error }),
        details: {
          chain: this.#config.name,
          failureClass: last?.failureClass ?? 'transient',
          causes,
          ...(retryAfterMs === undefined ? {} : { retryAfterMs: Math.ceil(retryAfterMs) }),
        },
      },
    );
  }
}

/** Capabilities of a {@link FallbackChain}. */
export interface FallbackDeps {
  /** @default systemClock */
  readonly clock?: Clock;
}

const MembersSchema = z
  .array(z.object({ name: z.string().min(1).max(256) }).loose())
  .min(1)
  .refine((ms) => new Set(ms.map((m) => m.name)).size === ms.length, {
    error: 'member names must be unique',
  });

/**
 * Creates a {@link FallbackChain} over `members`, in order of preference.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when there are no members, names repeat, or an
 *   option is out of range.
 * @example
 * const chain = createFallbackChain(
 *   [
 *     { name: 'primary', target: gpt4o, pipeline: createResiliencePipeline({ name: 'gpt-4o' }, { clock }) },
 *     { name: 'backup', target: claude, pipeline: createResiliencePipeline({ name: 'claude' }, { clock }) },
 *     { name: 'cheaper', target: localLlama },
 *   ],
 *   { coolDownMs: 30_000 },
 *   { clock },
 * );
 * const answer = await chain.execute((model, { signal }) => model.complete(request, { signal }), { deadline });
 */
export function createFallbackChain<TTarget>(
  members: readonly FallbackMember<TTarget>[],
  options: FallbackOptions = {},
  deps: FallbackDeps = {},
): FallbackChain<TTarget> {
  parseOptions(MembersSchema, members, 'fallback members');
  const config = parseOptions(FallbackOptionsSchema, options, 'fallback');
  return new FallbackChain(config, [...members], deps.clock ?? systemClock);
}
