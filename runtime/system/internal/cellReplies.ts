import type { Envelope } from '../../codec/index.js';
import type { RuntimeError, WireError } from '../../errors/index.js';
import { replyEnvelope, type Transport } from '../../transport/index.js';
import type { ReplyEmitted } from '../respond.js';

/** What the owed replies need from the cell's host. */
export interface ReplyHost {
  readonly transport: Transport;
  nextId(): string;
}

/**
 * The asks a cell owes a reply: each ask delivered to the machine is owed until the machine
 * answers it (a `ReplyEmitted` event, see respond.ts), the cell answers it with an error
 * (unhandled, refused), or the incarnation ends (every owed ask gets the ending's error).
 */
export class OwedReplies {
  readonly #host: ReplyHost;
  readonly #actor: string;
  /** Asks delivered to the machine and not answered yet: id → reply subject. */
  readonly #owed = new Map<string, string>();

  constructor(host: ReplyHost, actor: string) {
    this.#host = host;
    this.#actor = actor;
  }

  /** The machine is about to get the ask `envelope` (a tell owes nothing). */
  owe(envelope: Envelope): void {
    if (envelope.replyTo !== undefined) this.#owed.set(envelope.id, envelope.replyTo);
  }

  /** Whether the ask with this id is still unanswered. */
  has(id: string): boolean {
    return this.#owed.has(id);
  }

  /** The machine answered (a `ReplyEmitted` event): the reply goes to the asker. */
  emitted(emitted: ReplyEmitted): void {
    const to = emitted.to as ReplyEmitted['to'] | undefined;
    if (to?.replyTo === undefined) return; // answering a tell: nobody waits for it
    this.#owed.delete(to.id);
    this.send(to.replyTo, to.id, emitted.payload, emitted.error);
  }

  /** Answers the ask `envelope` with `error` if it is still owed; true when it was. */
  answerOwed(envelope: Envelope, error: RuntimeError): boolean {
    if (envelope.replyTo === undefined || !this.#owed.delete(envelope.id)) return false;
    this.send(envelope.replyTo, envelope.id, undefined, error.toWire());
    return true;
  }

  /** Answers a message that never reached the machine with `error`, when it is an ask. */
  refuse(envelope: Envelope, error: RuntimeError): void {
    if (envelope.replyTo !== undefined)
      this.send(envelope.replyTo, envelope.id, undefined, error.toWire());
  }

  /** The incarnation ends: every owed ask is answered with `error`. */
  answerAll(error: RuntimeError): void {
    const wire = error.toWire();
    for (const [id, subject] of this.#owed) this.send(subject, id, undefined, wire);
    this.#owed.clear();
  }

  /** Forgets every owed ask without answering (a fenced copy: the owner's copy answers). */
  clear(): void {
    this.#owed.clear();
  }

  /** Publishes a reply envelope to `subject`. */
  send(subject: string, inReplyTo: string, payload: unknown, error: WireError | undefined): void {
    const address = {
      id: this.#host.nextId(),
      to: subject,
      from: this.#actor,
      correlationId: inReplyTo,
    };
    this.#host.transport.publish(
      subject,
      replyEnvelope(address, error === undefined ? { payload } : { error }),
    );
  }
}
