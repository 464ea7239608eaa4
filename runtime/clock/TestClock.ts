import type { Clock, TimerHandle } from './Clock.js';

/**
 * Something that can say when it has nothing in flight, such as an `ActorSystem`
 * (`system.settled()`): what {@link TestClock.advanceAsync} awaits between timers.
 */
export interface Settleable {
  /** Resolves when nothing is in flight. */
  settled(): Promise<void>;
}

interface PendingTimer {
  readonly id: number;
  readonly dueAt: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to. `advance(ms)` fires due timers in deadline order (ties in
 * the order they were set) and lets microtasks settle between them, so promise chains started by
 * one timer run before the next timer fires.
 *
 * @example
 * const clock = new TestClock();
 * const actor = createActor(machine, { clock }).start();
 * await clock.advance(1_000); // fires `after: { 1000: … }`
 */
export class TestClock implements Clock {
  #wall: number;
  #mono = 0;
  #nextId = 1;
  #timers = new Map<number, PendingTimer>();

  /** @param startWallMs the wall time at creation. @default 1_700_000_000_000 */
  constructor(startWallMs = 1_700_000_000_000) {
    this.#wall = startWallMs;
  }

  now(): number {
    return this.#wall + this.#mono;
  }

  monotonic(): number {
    return this.#mono;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.#nextId++;
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.#timers.set(id, { id, dueAt: this.#mono + delay, fn });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }

  /** Number of timers not yet fired or cleared. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** The monotonic time of the next due timer, or `undefined` when none is pending. */
  nextDueAt(): number | undefined {
    return this.#next()?.dueAt;
  }

  /**
   * Moves time forward by `ms`, firing every timer due up to the new time in deadline order.
   * Timers set by fired callbacks fire too when they fall inside the window.
   */
  async advance(ms: number): Promise<void> {
    await this.#advance(ms, flushMicrotasks);
  }

  /**
   * Like {@link advance}, but waits for `target` to settle (`target.settled()`) before the first
   * timer, after each one fires and at the end, instead of letting a fixed number of microtask
   * rounds run: a timer that starts work (a retry's next attempt, a checkpoint interval, a
   * deadline failing an ask) has finished it before the next timer fires and when this resolves.
   * The sinon fake-timers `tickAsync` idea, with an explicit settled signal.
   *
   * @example
   * const system = createActorSystem({}, { clock });
   * system.tell('poller', 'start');
   * await clock.advanceAsync(1_000, system); // every `after: 1000` fired and what it started is done
   */
  async advanceAsync(ms: number, target: Settleable): Promise<void> {
    await this.#advance(ms, () => target.settled());
  }

  async #advance(ms: number, settle: () => Promise<void>): Promise<void> {
    if (!Number.isFinite(ms)) throw new RangeError(`advance(ms) needs a finite number, got ${ms}`);
    const target = this.#mono + Math.max(0, ms);
    await settle();
    for (;;) {
      const next = this.#next();
      if (next === undefined || next.dueAt > target) break;
      this.#timers.delete(next.id);
      this.#mono = Math.max(this.#mono, next.dueAt);
      next.fn();
      await settle();
    }
    this.#mono = target;
    await settle();
  }

  /** Advances to the next due timer and fires it (and any due at the same instant). */
  async runNext(): Promise<boolean> {
    const next = this.#next();
    if (next === undefined) return false;
    await this.advance(next.dueAt - this.#mono);
    return true;
  }

  #next(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const t of this.#timers.values()) {
      if (
        best === undefined ||
        t.dueAt < best.dueAt ||
        (t.dueAt === best.dueAt && t.id < best.id)
      ) {
        best = t;
      }
    }
    return best;
  }
}

/**
 * Lets queued microtasks (promise reactions) run, several rounds deep: what {@link
 * TestClock.advance} gives a fired timer's promise chains. Not exported: a test waits for an
 * explicit signal (`system.settled()`, `clock.advanceAsync(ms, system)`, `waitFor`).
 */
async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
