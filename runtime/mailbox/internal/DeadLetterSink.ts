import { Listeners } from '../../events/index.js';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from '../../telemetry/index.js';
import type { Disposable } from '../../events/index.js';
import { fitDeadLetter, type MailboxDeadLetter } from '../MailboxDeadLetter.js';
import type { MailboxSubjects } from '../shardOf.js';

/** Listener of stored dead letters. */
export type DeadLetterSinkListener = (letter: MailboxDeadLetter) => void;

/**
 * Stores dead letters in the namespace's dead-letter stream, then tells listeners (all
 * of them; poison listeners for `poison` only). A letter is keyed by its mailbox stream sequence
 * (`Nats-Msg-Id`), so one stored again after a crash (before its ack) is dropped as a duplicate.
 */
export class DeadLetterSink {
  readonly #js: JetStreamClient;
  readonly #subjects: MailboxSubjects;
  readonly #logger: Logger;
  readonly #maxBytes: () => number;
  readonly #all: Listeners<MailboxDeadLetter>;
  readonly #poison: Listeners<MailboxDeadLetter>;

  /** `maxBytes`: the largest record the dead-letter stream takes now (the server's limit). */
  constructor(
    js: JetStreamClient,
    subjects: MailboxSubjects,
    logger: Logger,
    maxBytes: () => number,
  ) {
    this.#js = js;
    this.#subjects = subjects;
    this.#logger = logger;
    this.#maxBytes = maxBytes;
    const onListenerError = (err: unknown) => {
      logger.error({ err }, 'mailbox dead-letter listener threw');
    };
    this.#all = new Listeners({ onListenerError });
    this.#poison = new Listeners({ onListenerError });
  }

  onDeadLetter(listener: DeadLetterSinkListener): Disposable {
    return this.#all.add(listener);
  }

  onPoison(listener: DeadLetterSinkListener): Disposable {
    return this.#poison.add(listener);
  }

  /**
   * Stores `letter` (cut to fit the stream when it cannot be stored whole: see
   * {@link fitDeadLetter}; `raw` is the message as it arrived); rejects when it could not be
   * stored (the caller retries the message). Listeners get the record as stored.
   */
  async store(whole: MailboxDeadLetter, raw?: Uint8Array): Promise<void> {
    const { record: letter, bytes } = fitDeadLetter(whole, this.#maxBytes(), raw);
    await this.#js.publish(this.#subjects.deadLetter(letter.actor), bytes, {
      msgID: `${this.#subjects.stream}:${String(letter.streamSeq)}`,
    });
    this.#logger.warn(
      {
        reason: letter.reason,
        actor: letter.actor,
        code: letter.error.code,
        seq: letter.streamSeq,
        cut: letter.cut,
      },
      'mailbox dead letter',
    );
    this.#all.emit(letter);
    if (letter.reason === 'poison') this.#poison.emit(letter);
  }
}
