import type { Envelope } from '../../codec/index.js';
import type { RuntimeError } from '../../errors/index.js';
import type { ActorSystem, DeadLetterReason } from '../../system/index.js';
import type { Disposable } from '../../events/index.js';

/** @internal How the local actor settled a message the mailbox handed it. */
export type Settlement =
  /** Journaled and processed: acknowledge. */
  | { readonly kind: 'processed' }
  /** Already processed earlier (a redelivery): acknowledge, skip. */
  | { readonly kind: 'duplicate' }
  /** Refused for good (expired, unknown type, invalid payload): dead-letter. */
  | { readonly kind: 'refused'; readonly error: RuntimeError }
  /** It failed the actor: retry later, dead-letter as poison at the bound. */
  | { readonly kind: 'failed'; readonly error: unknown }
  /** Not processed (actor stopped or failed on another message, mailbox full): retry later. */
  | { readonly kind: 'not-delivered'; readonly error: RuntimeError }
  /** The mailbox stopped waiting (it is stopping): hand the message back at once. */
  | { readonly kind: 'abandoned' };

const REFUSED: ReadonlySet<DeadLetterReason> = new Set([
  'expired',
  'unknown-type',
  'invalid-message',
  'malformed-message',
]);

interface Pending {
  readonly to: string;
  readonly promise: Promise<Settlement>;
  readonly resolve: (s: Settlement) => void;
}

/**
 * @internal Waits for the local actor system to settle the envelopes handed to it, by id: the
 * journaled hook (processed), dead letters (duplicate, refused, not delivered) and `failed`
 * lifecycle events naming the message. One wait per id: a redelivery arriving while the first
 * delivery is still in progress shares its settlement.
 */
export class Settlements {
  readonly #system: ActorSystem;
  readonly #pending = new Map<string, Pending>();
  readonly #subs: Disposable[];

  constructor(system: ActorSystem) {
    this.#system = system;
    this.#subs = [
      system.onJournaled((actor, envelope) => {
        this.#settle(actor, envelope.id, { kind: 'processed' });
      }),
      system.deadLetters.subscribe((letter) => {
        const id = letter.envelope?.id;
        if (id === undefined || letter.reason === 'unhandled') return; // journaled follows
        if (letter.reason === 'duplicate') this.#settle(letter.to, id, { kind: 'duplicate' });
        else if (REFUSED.has(letter.reason))
          this.#settle(letter.to, id, { kind: 'refused', error: letter.error });
        else this.#settle(letter.to, id, { kind: 'not-delivered', error: letter.error });
      }),
      system.onLifecycle((event) => {
        if (event.type === 'failed' && event.message !== undefined)
          this.#settle(event.name, event.message.id, { kind: 'failed', error: event.error });
      }),
    ];
  }

  /** Number of envelopes waiting to be settled. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Hands `envelope` to its actor and resolves when the actor settled it; `fresh` is false when
   * an earlier delivery of the same id is still in progress (it was not handed again).
   */
  deliver(envelope: Envelope): { settled: Promise<Settlement>; fresh: boolean } {
    const existing = this.#pending.get(envelope.id);
    if (existing !== undefined) return { settled: existing.promise, fresh: false };
    let resolve!: (s: Settlement) => void;
    const promise = new Promise<Settlement>((r) => {
      resolve = r;
    });
    this.#pending.set(envelope.id, { to: envelope.to, promise, resolve });
    this.#system.deliver(envelope);
    return { settled: promise, fresh: true };
  }

  /** Stops listening; waits still pending resolve as abandoned. */
  /** `using` support: the same as {@link dispose}. */
  [Symbol.dispose](): void {
    this.dispose();
  }

  dispose(): void {
    for (const sub of this.#subs) sub.dispose();
    for (const [id, pending] of this.#pending) {
      this.#pending.delete(id);
      pending.resolve({ kind: 'abandoned' });
    }
  }

  #settle(actor: string, id: string, settlement: Settlement): void {
    const pending = this.#pending.get(id);
    if (pending?.to !== actor) return;
    this.#pending.delete(id);
    pending.resolve(settlement);
  }
}
