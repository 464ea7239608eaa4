import { Listeners } from '../events/index.js';
import type { Envelope } from '../codec/index.js';
import type { RuntimeError } from '../errors/index.js';
import type { Logger } from '../telemetry/index.js';
import type { Counter } from '../telemetry/index.js';
import type { Disposable } from '../events/index.js';

/** Why a message became a dead letter. */
export type DeadLetterReason =
  | 'unknown-actor'
  | 'stopped-actor'
  | 'failed-actor'
  | 'malformed-message'
  | 'invalid-message'
  | 'foreign-namespace'
  | 'unknown-type'
  | 'unhandled'
  | 'mailbox-full'
  | 'hold-overflow'
  | 'duplicate'
  | 'expired';

/** A message that reached no actor, and why. */
export interface DeadLetter {
  readonly reason: DeadLetterReason;
  /** The intended receiver (actor name or subject). */
  readonly to: string;
  /** The envelope, when it decoded; raw bytes otherwise. */
  readonly envelope?: Envelope;
  readonly bytes?: Uint8Array;
  readonly error: RuntimeError;
  /** Wall time, epoch ms. */
  readonly at: number;
}

/** Listener of the dead-letter channel. */
export type DeadLetterListener = (letter: DeadLetter) => void;

/**
 * The dead-letter channel: every message that reached no actor is published here, counted by
 * reason in `agentvisor_dead_letters_total`, and logged. Nothing is dropped without a trace.
 */
export class DeadLetters {
  readonly #listeners: Listeners<DeadLetter>;
  readonly #counter: Counter;
  readonly #logger: Logger;
  readonly #byReason = new Map<DeadLetterReason, number>();
  #total = 0;

  /** @internal */
  constructor(counter: Counter, logger: Logger) {
    this.#counter = counter;
    this.#logger = logger;
    this.#listeners = new Listeners({
      onListenerError: (err) => {
        logger.error({ err }, 'dead-letter listener threw');
      },
    });
  }

  /** Subscribes to every dead letter from now on. */
  subscribe(listener: DeadLetterListener): Disposable {
    return this.#listeners.add(listener);
  }

  /** Dead letters so far, in all or for one reason. */
  count(reason?: DeadLetterReason): number {
    return reason === undefined ? this.#total : (this.#byReason.get(reason) ?? 0);
  }

  /** @internal Publishes a dead letter. */
  publish(letter: DeadLetter): void {
    this.#total++;
    this.#byReason.set(letter.reason, (this.#byReason.get(letter.reason) ?? 0) + 1);
    this.#counter.inc({ reason: letter.reason });
    this.#logger.warn(
      {
        deadLetter: letter.reason,
        to: letter.to,
        msgId: letter.envelope?.id,
        type: letter.envelope?.type,
        correlationId: letter.envelope?.correlationId,
        code: letter.error.code,
      },
      `dead letter (${letter.reason}): ${letter.error.message}`,
    );
    this.#listeners.emit(letter);
  }
}
