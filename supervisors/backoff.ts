import { z } from 'zod';
import {
  backoffDelayAt,
  ErrorCode,
  parseOptions,
  RuntimeError,
  type StatelessBackoffConfig,
} from 'agentvisor/internal';

// Backoff between restarts (beyond OTP, which restarts at once), after Pekko's
// `restartWithBackoff`. Jitter keeps children that fail together from restarting together.

/** How restart delays grow; the resolved form of the policy's `backoff` (policy/schema.ts). */
export interface BackoffConfig {
  /** First delay in ms (attempt 0). */
  readonly minMs: number;
  /** Cap on any delay in ms, jitter included. */
  readonly maxMs: number;
  /** Growth per consecutive restart (>= 1). */
  readonly factor: number;
  /** Random extra fraction of each delay, 0 to 1. */
  readonly jitter: number;
}

/** {@link BackoffConfig} plus the quiet period after which the attempt count starts over. */
export interface BackoffTrackerConfig extends BackoffConfig {
  /** A child that ran this long (monotonic ms) since its last start restarts with attempt 0. */
  readonly resetAfterMs: number;
}

/**
 * The delay before restart number `attempt` of a run of consecutive failures: the backoff
 * family's `proportional` mode (runtime/resilience/backoff), `base = min(maxMs, minMs ·
 * factor^attempt)`, then `min(maxMs, base · (1 + jitter · random()))`.
 *
 * The result always lies in `[min(minMs, maxMs), maxMs]`, so it is finite for any `attempt`
 * (huge or non-finite included), and with `jitter` 0 it never decreases as `attempt` grows.
 *
 * @param attempt - 0 for the first restart of a run; non-integers are floored, negatives and NaN
 *   count as 0.
 * @param config - The resolved backoff settings.
 * @param random - A source of numbers in `[0, 1)` (injected so tests and simulations are
 *   deterministic); values outside that range are clamped.
 */
export function backoffDelay(attempt: number, config: BackoffConfig, random: () => number): number {
  return backoffDelayAt(attempt, asBackoffFamily(config), random);
}

/** A policy's `backoff` as the family's settings: the `jitter` ratio is the proportional mode's. */
function asBackoffFamily({ minMs, maxMs, factor, jitter }: BackoffConfig): StatelessBackoffConfig {
  return {
    initialDelayMs: minMs,
    maxDelayMs: maxMs,
    factor,
    jitter: 'proportional',
    jitterRatio: jitter,
  };
}

// --- tracker ---

const SNAPSHOT_VERSION = 1;

/** The persisted form of a {@link BackoffTracker} (STYLE §7: JSON-safe, versioned). */
export const BackoffSnapshotSchema = z.strictObject({
  v: z.literal(SNAPSHOT_VERSION),
  /** Restarts so far in the current run of failures. */
  attempt: z.number().int().nonnegative(),
  /** Monotonic ms of the last start, or null while the child is down. */
  lastStartedAt: z.number().nullable(),
});

/** A snapshot of a {@link BackoffTracker}. */
export type BackoffSnapshot = z.output<typeof BackoffSnapshotSchema>;

/**
 * Backoff state of one child: how many restarts in a row, and when it last started.
 *
 * The supervisor calls {@link BackoffTracker.started} each time the child is up and
 * {@link BackoffTracker.nextDelay} at each failure. A run of failures ends (the attempt count
 * resets) only when the child ran for `resetAfterMs` without failing, as Pekko's
 * `resetBackoffAfter`. With no backoff configured the supervisor does not use a tracker at all
 * and restarts at once (OTP).
 */
export class BackoffTracker {
  readonly #config: BackoffTrackerConfig;
  #attempt = 0;
  #lastStartedAt: number | undefined;

  /** @param config - The resolved backoff settings (validated by the policy schema). */
  constructor(config: BackoffTrackerConfig) {
    this.#config = config;
  }

  /** Restarts so far in the current run of failures (0 before the first failure). */
  get attempt(): number {
    return this.#attempt;
  }

  /** Records that the child is up, at `now` (monotonic ms). */
  started(now: number): void {
    this.#lastStartedAt = now;
  }

  /**
   * The delay before restarting the child that just failed, and one more attempt in the run.
   *
   * @param now - Monotonic ms of the failure.
   * @param random - A source of numbers in `[0, 1)` for the jitter.
   */
  nextDelay(now: number, random: () => number): number {
    const ranFor = this.#lastStartedAt === undefined ? undefined : now - this.#lastStartedAt;
    if (ranFor !== undefined && ranFor >= this.#config.resetAfterMs) this.#attempt = 0;
    // The child is down until the next `started`. Forgetting the start time here matters: a child
    // that fails while starting would otherwise count the backoff wait as time "running" and
    // reset its own backoff, turning a crash loop into a fast one.
    this.#lastStartedAt = undefined;
    const delay = backoffDelay(this.#attempt, this.#config, random);
    this.#attempt += 1;
    return delay;
  }

  /**
   * The tracker's state as JSON-safe data. `lastStartedAt` is monotonic: meaningful only in the
   * process that took it, so whoever restores a child in another process calls `started` again.
   */
  toSnapshot(): BackoffSnapshot {
    return {
      v: SNAPSHOT_VERSION,
      attempt: this.#attempt,
      lastStartedAt: this.#lastStartedAt ?? null,
    };
  }

  /**
   * Restores a tracker from {@link BackoffTracker.toSnapshot} output read back from storage.
   *
   * @throws {RuntimeError} ERR_CHECKPOINT_VERSION when `v` is not a version this code knows.
   * @throws {RuntimeError} ERR_INVALID_OPTIONS when a known version has malformed fields
   *   (`details.issues` names each).
   */
  static fromSnapshot(snapshot: unknown, config: BackoffTrackerConfig): BackoffTracker {
    const v =
      typeof snapshot === 'object' && snapshot !== null
        ? (snapshot as { v?: unknown }).v
        : undefined;
    if (v !== SNAPSHOT_VERSION) {
      throw new RuntimeError(
        ErrorCode.CheckpointVersion,
        `Unknown backoff snapshot version: expected \`v\` ${SNAPSHOT_VERSION}, got ${String(v)}`,
        { details: { expected: SNAPSHOT_VERSION, got: v } },
      );
    }
    const data = parseOptions(BackoffSnapshotSchema, snapshot, 'backoff snapshot');
    const tracker = new BackoffTracker(config);
    tracker.#attempt = data.attempt;
    tracker.#lastStartedAt = data.lastStartedAt ?? undefined;
    return tracker;
  }
}
