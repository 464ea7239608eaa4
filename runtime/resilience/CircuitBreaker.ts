import { z } from 'zod';
import { systemClock, type Clock } from '../clock/index.js';
import { ErrorCode, parseOptions, RuntimeError } from '../errors/index.js';
import type { Disposable } from '../events/index.js';
import type { ExecuteOptions } from './ExecuteOptions.js';
import { classifyFailure, FAILURE_CLASSES, type FailureClass } from '../errors/index.js';
import {
  ConsecutiveCounter,
  CounterSnapshotSchema,
  SamplingCounter,
  type FailureCounter,
  type TimeBase,
} from './internal/failureCounters.js';
import { Listeners } from '../events/index.js';
import { isAborted, neverAborted } from './internal/signals.js';
import { parseSnapshot } from './internal/parseSnapshot.js';

/**
 * - `closed`: calls go through; outcomes are counted.
 * - `open`: calls are refused with ERR_CIRCUIT_OPEN until `halfOpenAfterMs` has passed.
 * - `half-open`: `halfOpen.calls` probes go through, others are refused; the probes decide.
 * - `isolated`: forced open by an operator until {@link CircuitBreaker.reset}.
 */
export type CircuitState = 'closed' | 'open' | 'half-open' | 'isolated';

/** Options of {@link createCircuitBreaker}. */
export const CircuitBreakerOptionsSchema = z.strictObject({
  /** The key the breaker guards (a model endpoint, a tool), for errors and events. @default 'circuit' */
  name: z.string().min(1).max(256).default('circuit'),
  /**
   * When a closed breaker opens:
   * - `consecutive`: after `threshold` counted failures in a row (cockatiel's
   *   `ConsecutiveBreaker`; default threshold 5);
   * - `sampling`: when, over the last `durationMs`, at least `minimumThroughput` calls ran and
   *   the share of counted failures is at least `threshold` (Polly's `FailureRatio` /
   *   `SamplingDuration` / `MinimumThroughput`; defaults 0.5 as resilience4j, 30 s as Polly, and
   *   10 calls, below Polly's 100 because model calls are slow and few).
   * @default { type: 'consecutive', threshold: 5 }
   */
  strategy: z
    .discriminatedUnion('type', [
      z.strictObject({
        type: z.literal('consecutive'),
        threshold: z.number().int().min(1).default(5),
      }),
      z.strictObject({
        type: z.literal('sampling'),
        threshold: z.number().gt(0).max(1).default(0.5),
        durationMs: z.number().positive().default(30_000),
        minimumThroughput: z.number().int().min(1).default(10),
      }),
    ])
    .default({ type: 'consecutive', threshold: 5 }),
  /** How long the breaker stays open before it lets probes through, in ms. @default 10_000 */
  halfOpenAfterMs: z.number().positive().default(10_000),
  /**
   * Half-open probes (cockatiel 4's `halfOpenSampling`): `calls` probes are let through; the
   * breaker opens again as soon as more than `threshold · calls` of them fail, and closes when
   * all have finished otherwise. Calls beyond the probes are refused, not queued
   * (resilience4j's `permittedNumberOfCallsInHalfOpenState`). @default { calls: 1, threshold: 0 }
   */
  halfOpen: z
    .strictObject({
      calls: z.number().int().min(1).default(1),
      threshold: z.number().min(0).lt(1).default(0),
    })
    .default({ calls: 1, threshold: 0 }),
  /**
   * Failure classes that count against the endpoint. Any other outcome counts as a success: a
   * 400 means the endpoint is up and answering. @default ['transient', 'rate-limit']
   */
  countOn: z.array(z.enum(FAILURE_CLASSES)).default(['transient', 'rate-limit']),
});
/** What callers pass to {@link createCircuitBreaker}. */
export type CircuitBreakerOptions = z.input<typeof CircuitBreakerOptionsSchema>;
/** The resolved options of a {@link CircuitBreaker}. */
export type CircuitBreakerConfig = z.output<typeof CircuitBreakerOptionsSchema>;

const SNAPSHOT_VERSION = 1;

/**
 * The persisted form of a {@link CircuitBreaker} (STYLE §7), with wall-clock times so it can be
 * shared between nodes (NATS KV). A half-open breaker is saved as open until now: its probes
 * cannot continue elsewhere (cockatiel's `toJSON` does the same).
 */
export const CircuitBreakerSnapshotSchema = z.strictObject({
  v: z.literal(SNAPSHOT_VERSION),
  state: z.enum(['closed', 'open', 'isolated']),
  /** While `open`: wall time (epoch ms) at which probes may start. */
  openUntil: z.number().nullable(),
  counter: CounterSnapshotSchema,
});
/** A snapshot of a {@link CircuitBreaker}. */
export type CircuitBreakerSnapshot = z.output<typeof CircuitBreakerSnapshotSchema>;

/** Why the state changed. */
export type BreakerTransition =
  | 'failures'
  | 'probe-failed'
  | 'probes-succeeded'
  | 'half-open-after'
  | 'isolate'
  | 'reset'
  | 'restore';

/** Emitted on each change of {@link CircuitBreaker.state}. */
export interface BreakerStateChange {
  readonly breaker: string;
  readonly from: CircuitState;
  readonly to: CircuitState;
  readonly reason: BreakerTransition;
  /** Wall time of the change, epoch ms. */
  readonly at: number;
}

/**
 * The right to make one call through a breaker, from {@link CircuitBreaker.acquire}. Settle it
 * once; later calls are ignored, as are permits from before a state change.
 */
export interface BreakerPermit {
  /** The call succeeded. */
  success(): void;
  /** The call failed with `error`; it counts only if its class is in `countOn`. */
  failure(error: unknown): void;
  /** The call says nothing about the endpoint (the caller gave up first); a probe is given back. */
  ignore(): void;
}

/**
 * A circuit breaker on the injected clock: it stops calling an endpoint that keeps failing, and
 * tries it again with a few probes after a while.
 *
 * Written here rather than taken from cockatiel's `CircuitBreakerPolicy`, which reads `Date.now`
 * (no injected clock, so a TestClock or a simulation cannot drive it), parks the calls beyond its
 * half-open probes until the probes finish (without honouring their signals) instead of refusing
 * them, and has no way to force a breaker closed or to say when an open one will let calls in.
 * The semantics are cockatiel's (threshold, half-open sampling, snapshot of a half-open breaker as
 * open), with Polly's rule that uncounted outcomes are successes.
 */
export class CircuitBreaker {
  readonly #config: CircuitBreakerConfig;
  readonly #clock: Clock;
  readonly #counter: FailureCounter;
  readonly #countOn: ReadonlySet<FailureClass>;
  readonly #onStateChange = new Listeners<BreakerStateChange>();
  #state: CircuitState = 'closed';
  /** Monotonic ms at which an open breaker admits probes. */
  #openUntil = 0;
  /** Bumped on every transition; permits from an older generation are ignored. */
  #generation = 0;
  #probes = { admitted: 0, successes: 0, failures: 0 };

  /** @internal Use {@link createCircuitBreaker}. */
  constructor(config: CircuitBreakerConfig, clock: Clock) {
    this.#config = config;
    this.#clock = clock;
    const s = config.strategy;
    this.#counter =
      s.type === 'consecutive' ? new ConsecutiveCounter(s.threshold) : new SamplingCounter(s);
    this.#countOn = new Set(config.countOn);
  }

  /** The key this breaker guards. */
  get name(): string {
    return this.#config.name;
  }

  /** The resolved options. */
  get config(): CircuitBreakerConfig {
    return this.#config;
  }

  /**
   * The current state. An open breaker whose time is up reads `half-open` (as Polly's does); the
   * transition itself, and its event, happen at the next call.
   */
  get state(): CircuitState {
    if (this.#state === 'open' && this.#clock.monotonic() >= this.#openUntil) return 'half-open';
    return this.#state;
  }

  /** While open: ms until probes may start; 0 when they may; undefined in any other state. */
  retryAfterMs(): number | undefined {
    if (this.#state !== 'open') return undefined;
    return Math.max(0, this.#openUntil - this.#clock.monotonic());
  }

  /** Called on every state change. */
  onStateChange(listener: (change: BreakerStateChange) => void): Disposable {
    return this.#onStateChange.add(listener);
  }

  /**
   * Asks to make one call. Settle the permit with the call's outcome.
   *
   * @throws {RuntimeError} ERR_CIRCUIT_OPEN when open (`details.retryAfterMs`), isolated, or
   *   half-open with every probe already taken.
   */
  acquire(): BreakerPermit {
    if (this.#state === 'isolated') throw this.#refusal('isolated', undefined);
    if (this.#state === 'open') {
      const left = this.#openUntil - this.#clock.monotonic();
      if (left > 0) throw this.#refusal('open', left);
      this.#enterHalfOpen();
    }
    const probe = this.#state === 'half-open';
    if (probe) {
      if (this.#probes.admitted >= this.#config.halfOpen.calls) {
        throw this.#refusal('half-open', undefined);
      }
      this.#probes.admitted++;
    }
    const generation = this.#generation;
    let settled = false;
    const settle = (outcome: 'success' | 'failure' | 'ignore'): void => {
      if (settled) return;
      settled = true;
      if (generation === this.#generation) this.#record(outcome, probe);
    };
    return {
      success: () => {
        settle('success');
      },
      failure: (error) => {
        settle(this.#countOn.has(classifyFailure(error)) ? 'failure' : 'success');
      },
      ignore: () => {
        settle('ignore');
      },
    };
  }

  /**
   * Runs `fn` through the breaker. A failure after `options.signal` aborted (or
   * `options.deadline` passed) is not the endpoint's doing and is not counted.
   *
   * @throws {RuntimeError} ERR_CIRCUIT_OPEN when the breaker refuses the call.
   */
  async execute<T>(
    fn: (context: { signal: AbortSignal }) => Promise<T>,
    options: ExecuteOptions = {},
  ): Promise<T> {
    const { signal, deadline } = options;
    if (signal?.aborted === true) throw signal.reason;
    const permit = this.acquire();
    try {
      const value = await fn({ signal: signal ?? neverAborted });
      permit.success();
      return value;
    } catch (error) {
      if (isAborted(signal) || deadline?.expired === true) permit.ignore();
      else permit.failure(error);
      throw error;
    }
  }

  /** Forces the breaker open (an operator's hold) until {@link CircuitBreaker.reset}. */
  isolate(): void {
    this.#transition('isolated', 'isolate');
  }

  /** Forces the breaker closed and forgets the failures it counted. */
  reset(): void {
    this.#counter.reset();
    this.#transition('closed', 'reset');
  }

  /** The breaker's state as JSON-safe data; see {@link CircuitBreakerSnapshotSchema}. */
  toSnapshot(): CircuitBreakerSnapshot {
    const base = this.#timeBase();
    const state = this.#state === 'half-open' ? 'open' : this.#state;
    const openUntil =
      this.#state === 'half-open'
        ? base.wall
        : this.#state === 'open'
          ? base.wall + (this.#openUntil - base.monotonic)
          : null;
    return { v: SNAPSHOT_VERSION, state, openUntil, counter: this.#counter.toSnapshot(base) };
  }

  /**
   * Takes the state of a snapshot (from storage or from another node). Calls in flight no longer
   * count.
   *
   * @throws {RuntimeError} ERR_CHECKPOINT_VERSION when `v` is unknown; ERR_INVALID_OPTIONS when
   *   a field is malformed.
   */
  restore(snapshot: unknown): void {
    const data = parseSnapshot(CircuitBreakerSnapshotSchema, snapshot, SNAPSHOT_VERSION, 'breaker');
    const base = this.#timeBase();
    this.#counter.restore(data.counter, base);
    this.#openUntil = base.monotonic + ((data.openUntil ?? base.wall) - base.wall);
    this.#transition(data.state, 'restore');
  }

  // --- internals ---

  #record(outcome: 'success' | 'failure' | 'ignore', probe: boolean): void {
    const now = this.#clock.monotonic();
    if (!probe) {
      if (outcome === 'success') this.#counter.success(now);
      else if (outcome === 'failure' && this.#counter.failure(now)) this.#open('failures');
      return;
    }
    const p = this.#probes;
    const { calls, threshold } = this.#config.halfOpen;
    if (outcome === 'ignore') {
      p.admitted--; // the probe said nothing: someone else may probe
      return;
    }
    if (outcome === 'success') p.successes++;
    else p.failures++;
    if (p.failures > threshold * calls) {
      this.#open('probe-failed');
    } else if (p.successes + p.failures >= calls) {
      this.#counter.reset();
      this.#transition('closed', 'probes-succeeded');
    }
  }

  #open(reason: BreakerTransition): void {
    this.#openUntil = this.#clock.monotonic() + this.#config.halfOpenAfterMs;
    this.#transition('open', reason);
  }

  #enterHalfOpen(): void {
    this.#transition('half-open', 'half-open-after');
  }

  #transition(to: CircuitState, reason: BreakerTransition): void {
    const from = this.#state;
    this.#state = to;
    this.#generation++;
    this.#probes = { admitted: 0, successes: 0, failures: 0 };
    if (from !== to) {
      this.#onStateChange.emit({ breaker: this.name, from, to, reason, at: this.#clock.now() });
    }
  }

  #refusal(state: CircuitState, retryAfterMs: number | undefined): RuntimeError {
    return new RuntimeError(ErrorCode.CircuitOpen, `Circuit ${this.name} is ${state}`, {
      details: {
        breaker: this.name,
        state,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs: Math.ceil(retryAfterMs) }),
      },
    });
  }

  #timeBase(): TimeBase {
    return { monotonic: this.#clock.monotonic(), wall: this.#clock.now() };
  }
}

/** Capabilities and initial state of a {@link CircuitBreaker}. */
export interface CircuitBreakerDeps {
  /** @default systemClock */
  readonly clock?: Clock;
  /** A {@link CircuitBreaker.toSnapshot} to start from. */
  readonly snapshot?: unknown;
}

/**
 * Creates a {@link CircuitBreaker}.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when an option is out of range;
 *   ERR_CHECKPOINT_VERSION when `deps.snapshot` has an unknown version.
 * @example
 * const breaker = createCircuitBreaker({ name: 'openai/gpt-4o', halfOpenAfterMs: 5_000 }, { clock });
 * breaker.onStateChange(({ from, to }) => log.warn({ from, to }, 'breaker'));
 * const answer = await breaker.execute(({ signal }) => model.complete(request, { signal }));
 */
export function createCircuitBreaker(
  options: CircuitBreakerOptions = {},
  deps: CircuitBreakerDeps = {},
): CircuitBreaker {
  const breaker = new CircuitBreaker(
    parseOptions(CircuitBreakerOptionsSchema, options, 'circuit breaker'),
    deps.clock ?? systemClock,
  );
  if (deps.snapshot !== undefined) breaker.restore(deps.snapshot);
  return breaker;
}
