import type { Clock, TimerHandle } from './Clock.js';
import { MAX_PLATFORM_TIMER_MS } from './systemClock.js';

/** A deadline registered with a {@link DeadlineTimer}; pass it back to cancel it. */
export interface DeadlineEntry<TKey> {
  readonly key: TKey;
  /** Wall-clock deadline, epoch ms. */
  readonly deadline: number;
  /** @internal */
  cancelled: boolean;
}

/**
 * Many deadlines on one clock timer: a min-heap of deadlines with the clock armed for the
 * earliest only. A request/reply path with thousands of requests in flight then costs a heap
 * push per request instead of a platform timer each (which dominated `ask` in profiles).
 * Cancelled entries are dropped lazily and compacted away when they outnumber live ones.
 */
export class DeadlineTimer<TKey> {
  readonly #clock: Clock;
  readonly #onExpired: (key: TKey) => void;
  #heap: DeadlineEntry<TKey>[] = [];
  #cancelled = 0;
  #timer: TimerHandle = undefined;
  #armed = false;
  #armedFor = Infinity;

  constructor(clock: Clock, onExpired: (key: TKey) => void) {
    this.#clock = clock;
    this.#onExpired = onExpired;
  }

  /** Entries not yet expired or cancelled. */
  get size(): number {
    return this.#heap.length - this.#cancelled;
  }

  /** Calls `onExpired(key)` once the wall clock reaches `deadline` (epoch ms), unless cancelled. */
  add(key: TKey, deadline: number): DeadlineEntry<TKey> {
    const entry: DeadlineEntry<TKey> = { key, deadline, cancelled: false };
    this.#push(entry);
    if (deadline < this.#armedFor) this.#arm(deadline);
    return entry;
  }

  /** Cancels an entry; its key will not expire. */
  cancel(entry: DeadlineEntry<TKey>): void {
    if (entry.cancelled) return;
    entry.cancelled = true;
    this.#cancelled++;
    if (this.#cancelled > 1024 && this.#cancelled * 2 > this.#heap.length) this.#compact();
    if (this.size === 0) this.#disarm();
  }

  /** Cancels everything. */
  clear(): void {
    this.#heap = [];
    this.#cancelled = 0;
    this.#disarm();
  }

  #fire = (): void => {
    this.#armed = false;
    this.#armedFor = Infinity;
    const now = this.#clock.now();
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined) return;
      if (top.cancelled) {
        this.#pop();
        this.#cancelled--;
        continue;
      }
      if (top.deadline > now) {
        this.#arm(top.deadline);
        return;
      }
      this.#pop();
      top.cancelled = true; // expired entries cannot be cancelled later
      this.#onExpired(top.key);
    }
  };

  #arm(deadline: number): void {
    if (this.#armed) this.#clock.clearTimeout(this.#timer);
    this.#armed = true;
    this.#armedFor = deadline;
    // At most one platform timer's worth at a time: on a clock that does not chain long timers
    // (Node's own fires one over 2^31 - 1 ms after 1 ms) a far deadline would re-arm every
    // millisecond. #fire re-arms for what is left.
    const delay = Math.min(MAX_PLATFORM_TIMER_MS, Math.max(0, deadline - this.#clock.now()));
    this.#timer = this.#clock.setTimeout(this.#fire, delay);
  }

  #disarm(): void {
    if (this.#armed) this.#clock.clearTimeout(this.#timer);
    this.#armed = false;
    this.#armedFor = Infinity;
  }

  #compact(): void {
    const live = this.#heap.filter((e) => !e.cancelled);
    this.#heap = [];
    this.#cancelled = 0;
    for (const e of live) this.#push(e);
  }

  // --- binary min-heap on deadline ---

  #push(entry: DeadlineEntry<TKey>): void {
    const h = this.#heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent] as DeadlineEntry<TKey>;
      if (p.deadline <= entry.deadline) break;
      h[i] = p;
      i = parent;
    }
    h[i] = entry;
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop();
    if (last === undefined || h.length === 0) return;
    let i = 0;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const left = h[l] as DeadlineEntry<TKey>;
      const right = h[r];
      const c = right !== undefined && right.deadline < left.deadline ? r : l;
      const child = h[c] as DeadlineEntry<TKey>;
      if (last.deadline <= child.deadline) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
  }
}
