import type { ActorSystem, Clock, Disposable } from 'agentvisor/internal';

/** An actor found stuck by {@link StuckWatch.check}. */
export interface StuckActor {
  readonly name: string;
  /** Monotonic ms since its last transition. */
  readonly sinceMs: number;
  /** What it owes: queued messages, a pending effect (an invoked child), refused messages. */
  readonly owed: readonly ('messages' | 'effect' | 'unhandled')[];
  /** True on the first check that found it stuck since its last transition. */
  readonly newly: boolean;
}

interface Tracked {
  snapshot: unknown;
  incarnation: number;
  changedAt: number;
  /** Messages refused as unhandled since the last transition. */
  unhandled: number;
  reported: boolean;
}

interface SnapshotLike {
  status?: string;
  children?: Record<string, { getSnapshot?: () => { status?: string } } | undefined>;
}

/**
 * Finds actors that cannot make progress: running, not in a final state, owing work (messages
 * waiting, an invoked effect pending, or messages refused as unhandled since its last transition)
 * and without a transition for longer than their step deadline. What `status` shows as `stuck`:
 * an agent restored mid-task whose effect never delivers would otherwise look `running` while it
 * answers every message ERR_UNHANDLED.
 *
 * A transition is a new snapshot object (XState makes one per transition); checks compare the
 * snapshot each time they run, so a check interval well under the deadline is enough.
 */
export class StuckWatch {
  readonly #system: ActorSystem;
  readonly #clock: Clock;
  readonly #tracked = new Map<string, Tracked>();
  readonly #letters: Disposable;

  constructor(system: ActorSystem, deps: { clock: Clock }) {
    this.#system = system;
    this.#clock = deps.clock;
    this.#letters = system.deadLetters.subscribe((letter) => {
      if (letter.reason !== 'unhandled') return;
      const tracked = this.#tracked.get(letter.to);
      if (tracked !== undefined) tracked.unhandled += 1;
    });
  }

  /**
   * Checks `actors` now (each with its step deadline in ms) and returns those stuck. Actors not
   * listed are forgotten.
   */
  check(actors: Iterable<{ readonly name: string; readonly stepMs: number }>): StuckActor[] {
    const now = this.#clock.monotonic();
    const stuck: StuckActor[] = [];
    const seen = new Set<string>();
    for (const { name, stepMs } of actors) {
      seen.add(name);
      const info = this.#system.describe(name);
      if (info?.status !== 'running') {
        this.#tracked.delete(name);
        continue;
      }
      const snapshot = this.#system.getSnapshot(name) as SnapshotLike;
      const tracked = this.#tracked.get(name);
      if (
        tracked === undefined ||
        tracked.snapshot !== snapshot ||
        tracked.incarnation !== info.incarnation
      ) {
        this.#tracked.set(name, {
          snapshot,
          incarnation: info.incarnation,
          changedAt: now,
          unhandled: 0,
          reported: false,
        });
        continue;
      }
      const sinceMs = now - tracked.changedAt;
      if (sinceMs <= stepMs || snapshot.status !== 'active') continue;
      const owed: StuckActor['owed'][number][] = [];
      if (info.mailboxSize > 0) owed.push('messages');
      if (hasPendingChild(snapshot)) owed.push('effect');
      if (tracked.unhandled > 0) owed.push('unhandled');
      if (owed.length === 0) continue;
      stuck.push({ name, sinceMs, owed, newly: !tracked.reported });
      tracked.reported = true;
    }
    for (const name of [...this.#tracked.keys()]) if (!seen.has(name)) this.#tracked.delete(name);
    return stuck;
  }

  /** Stops listening to dead letters. */
  /** `using` support: the same as {@link dispose}. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  dispose(): void {
    this.#letters.dispose();
    this.#tracked.clear();
  }
}

function hasPendingChild(snapshot: SnapshotLike): boolean {
  return Object.values(snapshot.children ?? {}).some(
    (child) => child?.getSnapshot?.().status === 'active',
  );
}
