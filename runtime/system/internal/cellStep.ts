import type { Envelope } from '../../codec/index.js';

/**
 * The step tracker of a cell: which message is being handed to the machine now, the step in
 * progress (the state before the last delivered message, and that message), its journal position
 * for durable actors, and the last delivered messages for failure reports. A failure (during the
 * message, or later in what it started, such as an invoked call without onError) is a failure of
 * that step; resume and retry restart from its state.
 */
export class StepTracker {
  /** The message being handed to the machine right now (its transitions are that message's step). */
  current: Envelope | undefined;
  /** The state before the last delivered message: the start of the step in progress. */
  before: unknown;
  /** The last delivered message. */
  message: Envelope | undefined;
  /** Journal sequence of `message` (durable actors). */
  seq: number | undefined;
  /**
   * Durable actors: true when `message` was journaled by this incarnation, false when it was
   * replayed (an earlier incarnation processed and acknowledged it: it is never blamed again).
   */
  live = false;
  /** The last delivered messages, oldest first once full (a ring). */
  readonly #recent: (Envelope | undefined)[];
  #recentNext = 0;

  constructor(recentCapacity: number) {
    this.#recent = new Array<Envelope | undefined>(recentCapacity);
  }

  /** True while a message is being handed to the machine. */
  get inMessage(): boolean {
    return this.current !== undefined;
  }

  /** A durable step starts at journal position `seq`; `live`: journaled by this incarnation. */
  atSeq(seq: number | undefined, live: boolean): void {
    this.seq = seq;
    this.live = live;
  }

  /** `envelope` is handed to the machine, whose state is `before`. */
  begin(envelope: Envelope, before: unknown): void {
    this.before = before;
    this.message = envelope;
    this.current = envelope;
    if (this.#recent.length > 0) {
      this.#recent[this.#recentNext] = envelope;
      this.#recentNext = (this.#recentNext + 1) % this.#recent.length;
    }
  }

  /** The machine took the message (its synchronous transitions are done). */
  end(): void {
    this.current = undefined;
  }

  /**
   * The message a failure now is blamed on: the one in progress, or the last one, whose work
   * failed later. A durable actor's replayed message was acknowledged by an earlier incarnation:
   * never blamed (`durable` true and the step not live).
   */
  blamed(durable: boolean): Envelope | undefined {
    return this.current ?? (!durable || this.live ? this.message : undefined);
  }

  /**
   * The persisted state before the step in progress (the one that failed, or while running the
   * last message), by `logic`: what `resume` and `retry` restore. Undefined for logic that does
   * not persist.
   */
  persistedBefore(logic: object): unknown {
    const persist = (logic as { getPersistedSnapshot?: (s: unknown) => unknown })
      .getPersistedSnapshot;
    if (this.before === undefined || typeof persist !== 'function') return undefined;
    return persist.call(logic, this.before);
  }

  /** The last delivered messages, oldest first. */
  recentMessages(): Envelope[] {
    const n = this.#recent.length;
    const out: Envelope[] = [];
    for (let i = 0; i < n; i++) {
      const e = this.#recent[(this.#recentNext + i) % n];
      if (e !== undefined) out.push(e);
    }
    return out;
  }
}

/**
 * Whether the machine in `snapshot` has a transition for `event` (`snapshot.can`). True for
 * logic that is not a machine (no notion of unhandled) and when a guard throws (that already
 * failed the actor through XState).
 */
export function handles(snapshot: unknown, event: Envelope): boolean {
  const can = (snapshot as { can?: (event: Envelope) => boolean }).can;
  if (typeof can !== 'function') return true;
  try {
    return can.call(snapshot, event);
  } catch {
    return true;
  }
}
