import { z } from 'zod';

/** Snapshot of a counter: JSON-safe, with wall-clock (epoch ms) times so it can cross processes. */
export const CounterSnapshotSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('consecutive'),
    failures: z.number().int().nonnegative(),
  }),
  z.strictObject({
    type: z.literal('sampling'),
    buckets: z.array(
      z.strictObject({
        /** Wall time (epoch ms) at which the bucket's period started. */
        startedAt: z.number(),
        failures: z.number().int().nonnegative(),
        successes: z.number().int().nonnegative(),
      }),
    ),
  }),
]);
export type CounterSnapshot = z.output<typeof CounterSnapshotSchema>;

/** Converts between this process's monotonic time and wall time, for snapshots. */
export interface TimeBase {
  readonly monotonic: number;
  readonly wall: number;
}

/** Decides when a closed breaker opens, from the outcomes of the calls it let through. */
export interface FailureCounter {
  /** A call that succeeded (or failed in a way the breaker does not count). */
  success(now: number): void;
  /** A counted failure; true when the breaker should open. */
  failure(now: number): boolean;
  /** Forgets every outcome (the breaker closed after probes, or an operator reset it). */
  reset(): void;
  toSnapshot(base: TimeBase): CounterSnapshot;
  restore(snapshot: CounterSnapshot, base: TimeBase): void;
}

/** Opens after `threshold` counted failures in a row (cockatiel's `ConsecutiveBreaker`). */
export class ConsecutiveCounter implements FailureCounter {
  readonly #threshold: number;
  #failures = 0;

  constructor(threshold: number) {
    this.#threshold = threshold;
  }

  success(): void {
    this.#failures = 0;
  }

  failure(): boolean {
    this.#failures++;
    return this.#failures >= this.#threshold;
  }

  reset(): void {
    this.#failures = 0;
  }

  toSnapshot(): CounterSnapshot {
    return { type: 'consecutive', failures: this.#failures };
  }

  restore(snapshot: CounterSnapshot): void {
    this.#failures = snapshot.type === 'consecutive' ? snapshot.failures : 0;
  }
}

interface Bucket {
  /** `floor(monotonic / bucketMs)` of the period this bucket counts. */
  slot: number;
  failures: number;
  successes: number;
}

/**
 * Opens when, over the last `durationMs`, at least `minimumThroughput` calls were counted and
 * the share of failures among them is at least `threshold` (Polly's `FailureRatio` and
 * `MinimumThroughput`, resilience4j's time-based window).
 *
 * The window is cockatiel's: max(5, ⌈duration / 1 s⌉) buckets. Unlike cockatiel's, a bucket is
 * found by its time slot, so outcomes older than the window never count, however long the
 * breaker sat idle; and time is the injected clock's, not `Date.now`.
 */
export class SamplingCounter implements FailureCounter {
  readonly #threshold: number;
  readonly #minimumThroughput: number;
  readonly #bucketMs: number;
  readonly #buckets: Bucket[];

  constructor(options: { threshold: number; durationMs: number; minimumThroughput: number }) {
    this.#threshold = options.threshold;
    this.#minimumThroughput = options.minimumThroughput;
    const count = Math.max(5, Math.ceil(options.durationMs / 1000));
    this.#bucketMs = options.durationMs / count;
    this.#buckets = Array.from({ length: count }, () => ({
      slot: -Infinity,
      failures: 0,
      successes: 0,
    }));
  }

  success(now: number): void {
    this.#bucket(now).successes++;
  }

  failure(now: number): boolean {
    this.#bucket(now).failures++;
    const { failures, successes } = this.totals(now);
    const total = failures + successes;
    return total >= this.#minimumThroughput && failures >= this.#threshold * total;
  }

  reset(): void {
    for (const b of this.#buckets) {
      b.slot = -Infinity;
      b.failures = 0;
      b.successes = 0;
    }
  }

  /** Outcomes inside the window that ends at `now`. */
  totals(now: number): { failures: number; successes: number } {
    const current = Math.floor(now / this.#bucketMs);
    let failures = 0;
    let successes = 0;
    for (const b of this.#buckets) {
      if (b.slot > current - this.#buckets.length && b.slot <= current) {
        failures += b.failures;
        successes += b.successes;
      }
    }
    return { failures, successes };
  }

  toSnapshot(base: TimeBase): CounterSnapshot {
    return {
      type: 'sampling',
      buckets: this.#buckets
        .filter((b) => Number.isFinite(b.slot) && b.failures + b.successes > 0)
        .map((b) => ({
          startedAt: base.wall + (b.slot * this.#bucketMs - base.monotonic),
          failures: b.failures,
          successes: b.successes,
        })),
    };
  }

  restore(snapshot: CounterSnapshot, base: TimeBase): void {
    this.reset();
    if (snapshot.type !== 'sampling') return;
    for (const saved of snapshot.buckets) {
      // Back to this process's monotonic time; a bucket lands in the slot its start falls in.
      const slot = Math.floor((base.monotonic + (saved.startedAt - base.wall)) / this.#bucketMs);
      const b = this.#slot(slot);
      b.failures += saved.failures;
      b.successes += saved.successes;
    }
  }

  #bucket(now: number): Bucket {
    return this.#slot(Math.floor(now / this.#bucketMs));
  }

  #slot(slot: number): Bucket {
    const n = this.#buckets.length;
    const b = this.#buckets[((slot % n) + n) % n] as Bucket;
    if (b.slot !== slot) {
      b.slot = slot;
      b.failures = 0;
      b.successes = 0;
    }
    return b;
  }
}
