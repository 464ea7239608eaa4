import type { ActorSystem, Disposable } from 'agentvisor/internal';

/** The last message that reached an actor's logic: what moved its machine last, and when. */
export interface LastTransition {
  /** Message type (the XState event). */
  readonly event: string;
  /** Wall ms (the system clock). */
  readonly at: number;
}

/**
 * Remembers, per actor, the last message that reached its logic (`system.onMessage`), for the
 * tree's "last transition" column. Only while the console runs: it starts empty.
 */
export class Transitions implements Disposable {
  readonly #last = new Map<string, LastTransition>();
  readonly #sub: Disposable;

  constructor(system: ActorSystem) {
    this.#sub = system.onMessage((actor, envelope) => {
      this.#last.set(actor, { event: envelope.type, at: system.clock.now() });
    });
  }

  /** The last transition of `actor`, or `undefined` when none was seen. */
  of(actor: string): LastTransition | undefined {
    return this.#last.get(actor);
  }

  dispose(): void {
    this.#sub.dispose();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
