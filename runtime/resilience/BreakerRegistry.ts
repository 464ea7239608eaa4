import { z } from 'zod';
import { systemClock, type Clock } from '../clock/index.js';
import { parseOptions } from '../errors/index.js';
import type { Disposable } from '../events/index.js';
import {
  CircuitBreaker,
  CircuitBreakerOptionsSchema,
  CircuitBreakerSnapshotSchema,
  type BreakerStateChange,
  type CircuitBreakerOptions,
  type CircuitBreakerSnapshot,
} from './CircuitBreaker.js';
import { Listeners } from '../events/index.js';
import { parseSnapshot } from './internal/parseSnapshot.js';

const SNAPSHOT_VERSION = 1;

/** The persisted form of a {@link BreakerRegistry}: every breaker's snapshot by key. */
export const BreakerRegistrySnapshotSchema = z.strictObject({
  v: z.literal(SNAPSHOT_VERSION),
  breakers: z.record(z.string(), z.unknown()),
});
/** A snapshot of a {@link BreakerRegistry}. */
export interface BreakerRegistrySnapshot {
  readonly v: 1;
  readonly breakers: Readonly<Record<string, CircuitBreakerSnapshot>>;
}

/**
 * One circuit breaker per key (a model endpoint, a tool), made on first use from shared
 * defaults: the place an operator looks at and acts on every breaker, and what will be mirrored
 * into NATS KV so the nodes of a cluster open and close together.
 */
export class BreakerRegistry {
  readonly #defaults: CircuitBreakerOptions;
  readonly #clock: Clock;
  readonly #breakers = new Map<string, CircuitBreaker>();
  readonly #onStateChange = new Listeners<BreakerStateChange>();

  /** @internal Use {@link createBreakerRegistry}. */
  constructor(defaults: CircuitBreakerOptions, clock: Clock) {
    this.#defaults = defaults;
    this.#clock = clock;
  }

  /**
   * The breaker of `key`, created with the defaults (and `overrides`, first time only) if new.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS when the merged options are out of range.
   */
  get(key: string, overrides: CircuitBreakerOptions = {}): CircuitBreaker {
    const existing = this.#breakers.get(key);
    if (existing !== undefined) return existing;
    const config = parseOptions(
      CircuitBreakerOptionsSchema,
      { ...this.#defaults, ...overrides, name: key },
      `circuit breaker ${key}`,
    );
    const breaker = new CircuitBreaker(config, this.#clock);
    breaker.onStateChange((change) => {
      this.#onStateChange.emit(change);
    });
    this.#breakers.set(key, breaker);
    return breaker;
  }

  /** Keys with a breaker. */
  keys(): string[] {
    return [...this.#breakers.keys()];
  }

  /** Called on every state change of every breaker, present and future. */
  onStateChange(listener: (change: BreakerStateChange) => void): Disposable {
    return this.#onStateChange.add(listener);
  }

  /** Every breaker's snapshot by key. */
  toSnapshot(): BreakerRegistrySnapshot {
    const breakers: Record<string, CircuitBreakerSnapshot> = {};
    for (const [key, breaker] of this.#breakers) breakers[key] = breaker.toSnapshot();
    return { v: SNAPSHOT_VERSION, breakers };
  }

  /**
   * Restores each breaker in the snapshot (creating it with the defaults if new); breakers not
   * in it are left alone.
   *
   * @throws {RuntimeError} ERR_CHECKPOINT_VERSION when a version is unknown; ERR_INVALID_OPTIONS
   *   when a field is malformed.
   */
  restore(snapshot: unknown): void {
    const data = parseSnapshot(
      BreakerRegistrySnapshotSchema,
      snapshot,
      SNAPSHOT_VERSION,
      'breaker registry',
    );
    // Validate every entry before touching any breaker: all or nothing.
    const entries = Object.entries(data.breakers).map(
      ([key, value]) =>
        [
          key,
          parseSnapshot(CircuitBreakerSnapshotSchema, value, SNAPSHOT_VERSION, 'breaker'),
        ] as const,
    );
    for (const [key, value] of entries) this.get(key).restore(value);
  }
}

/**
 * Creates a {@link BreakerRegistry}.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when `defaults` are out of range.
 * @example
 * const breakers = createBreakerRegistry({ halfOpenAfterMs: 5_000 }, { clock });
 * const pipeline = createResiliencePipeline({ breaker: breakers.get('tool:search') }, { clock });
 * breakers.get('tool:search').isolate(); // operator: stop calling it
 */
export function createBreakerRegistry(
  defaults: CircuitBreakerOptions = {},
  deps: { clock?: Clock } = {},
): BreakerRegistry {
  parseOptions(CircuitBreakerOptionsSchema, defaults, 'circuit breaker defaults');
  return new BreakerRegistry(defaults, deps.clock ?? systemClock);
}
