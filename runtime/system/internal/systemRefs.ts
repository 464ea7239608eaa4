import { type Envelope, ReplyType } from '../../codec/index.js';
import { RuntimeError } from '../../errors/index.js';
import type { ActorCell } from '../ActorCell.js';
import type { ActorStatus } from '../Lifecycle.js';
import type { AskOptions, TellOptions } from './systemOptions.js';

/** Listener of {@link ActorSystem.onMessage}: the actor and the envelope it just received. */
export type MessageListener = (actor: string, envelope: Envelope) => void;

/** A handle on a hosted actor, by name: stays valid across restarts under the same name. */
export interface ActorRef {
  readonly name: string;
  tell(type: string, payload?: unknown, options?: TellOptions): void;
  ask<TReply = unknown>(type: string, payload?: unknown, options?: AskOptions): Promise<TReply>;
}

/** What `list` and `describe` report of an actor. */
export interface ActorInfo {
  readonly name: string;
  readonly status: ActorStatus;
  readonly incarnation: number;
  readonly mailboxSize: number;
  readonly processed: number;
  readonly error?: unknown;
  readonly output?: unknown;
}

/** The payload of a reply, or the error it carries, rebuilt from its wire form. */
export function unwrapReply(reply: Envelope): unknown {
  // fromWire is total: a forged or garbled error payload still rejects with a RuntimeError.
  if (reply.type === ReplyType.Error) throw RuntimeError.fromWire(reply.payload);
  return reply.payload;
}

/** What `list` and `describe` report of a cell. */
export function info(cell: ActorCell): ActorInfo {
  return {
    name: cell.name,
    status: cell.status,
    incarnation: cell.incarnation,
    mailboxSize: cell.mailboxSize,
    processed: cell.processed,
    ...(cell.status === 'failed' ? { error: cell.error } : {}),
    ...(cell.status === 'done' ? { output: cell.output } : {}),
  };
}
