import type { Envelope } from '../../codec/index.js';
import { ErrorCode, RuntimeError } from '../../errors/index.js';
import type { DeadLetterReason } from '../DeadLetters.js';

/** The messages held for one name while its actor (re)starts, up to `capacity`. */
interface Hold {
  readonly items: Envelope[];
  readonly capacity: number;
}

/** What a hold does with a message it refuses: answer an ask with the error, dead-letter it. */
export interface HoldRefusals {
  replyError(envelope: Envelope, error: RuntimeError): void;
  deadLetter(reason: DeadLetterReason, to: string, envelope: Envelope, error: RuntimeError): void;
}

/**
 * The hold buffers of a system: messages held for a name while its actor is (re)starting or
 * recovering, handed to the next incarnation in order; past a buffer's bound a message goes to
 * dead letters (`hold-overflow`), and a released name's held messages go there as `stopped-actor`.
 * Also remembers which names asked to be held on failure (`SpawnOptions.holdOnFailure`).
 */
export class HoldBuffers {
  readonly #holds = new Map<string, Hold>();
  readonly #onFailure = new Map<string, number>();
  readonly #refusals: HoldRefusals;

  constructor(refusals: HoldRefusals) {
    this.#refusals = refusals;
  }

  has(name: string): boolean {
    return this.#holds.has(name);
  }

  /** Number of messages held for `name`. */
  count(name: string): number {
    return this.#holds.get(name)?.items.length ?? 0;
  }

  /** Opens an empty hold for `name` unless one is open. */
  ensure(name: string, capacity: number): void {
    if (!this.#holds.has(name)) this.#open(name, capacity);
  }

  #open(name: string, capacity: number): Hold {
    const hold: Hold = { items: [], capacity };
    this.#holds.set(name, hold);
    return hold;
  }

  /** Sets (or, with `undefined`, clears) the hold capacity `name` gets when it fails. */
  setOnFailure(name: string, capacity: number | undefined): void {
    if (capacity === undefined) this.#onFailure.delete(name);
    else this.#onFailure.set(name, capacity);
  }

  /**
   * Takes messages diverted from a cell: into the open hold, or into a new one when the cell
   * failed and asked to be held on failure. False when nothing holds them.
   */
  divert(name: string, envelopes: readonly Envelope[], failed: boolean): boolean {
    const capacity = failed ? this.#onFailure.get(name) : undefined;
    const hold =
      this.#holds.get(name) ?? (capacity === undefined ? undefined : this.#open(name, capacity));
    if (hold === undefined) return false;
    for (const envelope of envelopes) this.#add(name, hold, envelope);
    return true;
  }

  /**
   * Takes one message for `name` when a hold is open (holding it, or refusing it past the bound);
   * false when no hold is open, so the caller delivers it.
   */
  hold(name: string, envelope: Envelope): boolean {
    const hold = this.#holds.get(name);
    if (hold === undefined) return false;
    this.#add(name, hold, envelope);
    return true;
  }

  /** Holds one message, or refuses it (`hold-overflow`, ERR_MAILBOX_FULL) past the bound. */
  #add(name: string, hold: Hold, envelope: Envelope): void {
    if (hold.items.length < hold.capacity) {
      hold.items.push(envelope);
      return;
    }
    const error = new RuntimeError(
      ErrorCode.MailboxFull,
      `${name} is restarting and its hold buffer is full (${hold.capacity})`,
      { details: { name, capacity: hold.capacity } },
    );
    if (envelope.replyTo !== undefined) this.#refusals.replyError(envelope, error);
    this.#refusals.deadLetter('hold-overflow', name, envelope, error);
  }

  /** Hands the held messages of `name`, in order, to the next incarnation, and closes its hold. */
  release(name: string, next: { enqueue(envelope: Envelope): void }): void {
    const held = this.#holds.get(name);
    if (held === undefined) return;
    this.#holds.delete(name);
    for (const envelope of held.items) next.enqueue(envelope);
  }

  /** Gives up `name`: its held messages are refused as `stopped-actor` (ERR_ACTOR_STOPPED). */
  discard(name: string): void {
    const hold = this.#holds.get(name);
    this.#holds.delete(name);
    this.#onFailure.delete(name);
    if (hold === undefined) return;
    const error = new RuntimeError(ErrorCode.ActorStopped, `${name} was not restarted`, {
      details: { name },
    });
    for (const envelope of hold.items) {
      if (envelope.replyTo !== undefined) this.#refusals.replyError(envelope, error);
      this.#refusals.deadLetter('stopped-actor', name, envelope, error);
    }
  }
}
