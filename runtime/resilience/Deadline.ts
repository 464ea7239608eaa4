import { z } from 'zod';
import { systemClock, type Clock, type TimerHandle } from '../clock/index.js';
import { ErrorCode, parseOptions, RuntimeError } from '../errors/index.js';
import { neverAborted } from './internal/signals.js';

/** Options of a {@link Deadline}. */
export const DeadlineOptionsSchema = z.strictObject({
  /**
   * Which level this deadline bounds (`task`, `step`, `call`, …); it is `details.level` of the
   * ERR_TIMEOUT the deadline aborts with. @default 'deadline'
   */
  level: z.string().min(1).max(64).default('deadline'),
});
/** What callers pass to the {@link Deadline} factories. */
export type DeadlineOptions = z.input<typeof DeadlineOptionsSchema>;

/** A budget in ms; `Infinity` for none. */
const MsSchema = z.union([z.number().nonnegative(), z.literal(Infinity)]);
const EpochSchema = z.number();

/** Capabilities of a {@link Deadline}. */
export interface DeadlineDeps {
  /** @default systemClock */
  readonly clock?: Clock;
}

/**
 * An absolute point in time by which work must be done, on the injected {@link Clock}'s
 * monotonic time, with the levels of DESIGN.md nested inside each other: the task's deadline
 * (carried in the envelope) bounds each step, and each step bounds each model or tool call. A
 * level made with {@link Deadline.child} gets what is left of its parent when that is less than
 * its own budget (Temporal's Schedule-To-Close over Start-To-Close; LangGraph's `stepTimeout`
 * over a node's `runTimeout`).
 *
 * At expiry, {@link Deadline.signal} aborts with a RuntimeError `ERR_TIMEOUT` whose
 * `details.level` names the level whose budget ran out (a call cut short by its step's deadline
 * says `step`), so `AbortSignal.any([caller, deadline.signal()])` composes.
 *
 * @example
 * const task = Deadline.fromEnvelope(envelope, { clock });
 * const step = task.child(60_000, { level: 'step' });
 * const call = step.child(20_000, { level: 'call' });
 * await model.complete(request, { signal: call.signal() });
 * call.dispose();
 */
export class Deadline implements Disposable {
  readonly #clock: Clock;
  /** Monotonic ms of expiry; Infinity for none. */
  readonly #expiresAt: number;
  readonly #level: string;
  /** The budget this level was given, in ms (its own, before clipping by the parent). */
  readonly #budgetMs: number;
  /** The deadline whose expiry this one inherits: itself, or the ancestor that is tighter. */
  readonly #source: Deadline;
  #error: RuntimeError | undefined;
  #controller: AbortController | undefined;
  #timer: TimerHandle = undefined;
  #disposed = false;

  private constructor(
    clock: Clock,
    expiresAt: number,
    level: string,
    budgetMs: number,
    source: Deadline | undefined,
  ) {
    this.#clock = clock;
    this.#expiresAt = expiresAt;
    this.#level = level;
    this.#budgetMs = budgetMs;
    this.#source = source ?? this;
  }

  // --- factories ---

  /**
   * A deadline `ms` from now. `Infinity` means none.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS when `ms` is negative or NaN.
   */
  static after(ms: number, deps: DeadlineDeps = {}, options: DeadlineOptions = {}): Deadline {
    const budget = parseOptions(MsSchema, ms, 'deadline ms');
    const { level } = parseOptions(DeadlineOptionsSchema, options, 'deadline');
    const clock = deps.clock ?? systemClock;
    return new Deadline(clock, clock.monotonic() + budget, level, budget, undefined);
  }

  /**
   * A deadline at wall time `epochMs` (the envelope's `deadline`), converted to monotonic time
   * once, here: later wall-clock jumps do not move it.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS when `epochMs` is not a finite number.
   */
  static at(epochMs: number, deps: DeadlineDeps = {}, options: DeadlineOptions = {}): Deadline {
    const at = parseOptions(EpochSchema, epochMs, 'deadline epochMs');
    const { level } = parseOptions(DeadlineOptionsSchema, options, 'deadline');
    const clock = deps.clock ?? systemClock;
    const remaining = Math.max(0, at - clock.now());
    return new Deadline(clock, clock.monotonic() + remaining, level, remaining, undefined);
  }

  /** The task's deadline from an envelope; none when the envelope carries none. */
  static fromEnvelope(
    envelope: { readonly deadline?: number | undefined },
    deps: DeadlineDeps = {},
    options: DeadlineOptions = { level: 'task' },
  ): Deadline {
    return envelope.deadline === undefined
      ? Deadline.after(Infinity, deps, options)
      : Deadline.at(envelope.deadline, deps, options);
  }

  /** A deadline that never expires. */
  static none(deps: DeadlineDeps = {}, options: DeadlineOptions = {}): Deadline {
    return Deadline.after(Infinity, deps, options);
  }

  // --- public API ---

  /**
   * A nested level: `ms` from now, or this deadline's expiry when that comes first.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS when `ms` is negative or NaN.
   */
  child(ms: number, options: DeadlineOptions = {}): Deadline {
    const budget = parseOptions(MsSchema, ms, 'deadline ms');
    const { level } = parseOptions(DeadlineOptionsSchema, options, 'deadline');
    const own = this.#clock.monotonic() + budget;
    // Ties go to the parent: the outer budget is the one that ran out.
    return own < this.#expiresAt
      ? new Deadline(this.#clock, own, level, budget, undefined)
      : new Deadline(this.#clock, this.#expiresAt, level, budget, this.#source);
  }

  /** Milliseconds left, 0 once expired; `Infinity` for no deadline. */
  remainingMs(): number {
    return Math.max(0, this.#expiresAt - this.#clock.monotonic());
  }

  /** True once the deadline has passed. */
  get expired(): boolean {
    return this.#expiresAt <= this.#clock.monotonic();
  }

  /** The level whose budget bounds this deadline (its own, or an ancestor's when tighter). */
  get level(): string {
    return this.#source.#level;
  }

  /** Wall time of expiry in epoch ms, for the envelope of a message sent on; undefined for none. */
  toEpochMs(): number | undefined {
    const remaining = this.remainingMs();
    return Number.isFinite(remaining) ? Math.ceil(this.#clock.now() + remaining) : undefined;
  }

  /** The ERR_TIMEOUT this deadline aborts with: the same error object each time. */
  timeoutError(): RuntimeError {
    const source = this.#source;
    source.#error ??= new RuntimeError(
      ErrorCode.Timeout,
      `The ${source.#level} deadline of ${source.#budgetMs} ms passed`,
      { details: { level: source.#level, timeoutMs: source.#budgetMs, failureClass: 'transient' } },
    );
    return source.#error;
  }

  /** Throws {@link Deadline.timeoutError} when the deadline has passed. */
  throwIfExpired(): void {
    if (this.expired) throw this.timeoutError();
  }

  /**
   * An AbortSignal aborted with {@link Deadline.timeoutError} at expiry (already aborted when
   * expired). One timer on the clock, armed on the first call; {@link Deadline.dispose} clears it.
   * A deadline that never expires gives a shared signal that never aborts (no controller).
   */
  signal(): AbortSignal {
    if (this.#controller !== undefined) return this.#controller.signal;
    if (this.#expiresAt === Infinity) return neverAborted;
    const controller = new AbortController();
    this.#controller = controller;
    if (this.expired) {
      controller.abort(this.timeoutError());
    } else if (Number.isFinite(this.#expiresAt) && !this.#disposed) {
      // Each level arms its own timer at its (possibly inherited) expiry rather than listening to
      // its parent's signal: a parent disposed first must not leave a child that never expires.
      this.#timer = this.#clock.setTimeout(() => {
        this.#timer = undefined;
        controller.abort(this.timeoutError());
      }, this.remainingMs());
    }
    return controller.signal;
  }

  /** Clears the timer. The signal stays as it is (unaborted, if it had not expired). */
  dispose(): void {
    this.#disposed = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
