import { emit, type ActionArgs, type EventObject, type MachineContext } from 'xstate';
import type { Envelope } from '../codec/index.js';
import type { WireError } from '../errors/index.js';

/** The event type a machine emits to answer an `ask`; the system turns it into a reply envelope. */
export const REPLY_EVENT = 'agentvisor.respond';

/** Where a reply goes: the `id` and `replyTo` of the message being answered. Store it in context to answer later. */
export interface ReplyAddress {
  readonly id: string;
  readonly replyTo?: string | undefined;
  readonly from?: string | undefined;
}

/** The emitted event that carries a reply (see {@link respond}). */
export interface ReplyEmitted {
  readonly type: typeof REPLY_EVENT;
  readonly to: ReplyAddress;
  readonly payload?: unknown;
  readonly error?: WireError;
}

/** The reply address of an envelope: keep it in context when the answer comes later. */
export function replyAddress(envelope: Pick<Envelope, 'id' | 'replyTo' | 'from'>): ReplyAddress {
  return { id: envelope.id, replyTo: envelope.replyTo, from: envelope.from };
}

/**
 * An XState action that answers the message being processed (the current event is its envelope).
 * A message sent with `tell` has no one to answer; the reply is then dropped.
 *
 * @example
 * on: { 'math.add': { actions: respond(({ event }) => event.payload.a + event.payload.b) } }
 */
export function respond<
  TContext extends MachineContext,
  TExpressionEvent extends EventObject,
  TEvent extends EventObject,
>(payload: (args: ActionArgs<TContext, TExpressionEvent, TEvent>) => unknown) {
  return emit<TContext, TExpressionEvent, undefined, TEvent, ReplyEmitted>((args) => {
    // The envelope carries its own reply address (id, replyTo): no copy on the hot path.
    const event = args.event as unknown as Envelope;
    return {
      type: REPLY_EVENT,
      to: event,
      payload: payload(args),
    } satisfies ReplyEmitted;
  });
}

/**
 * An XState action that answers an earlier message whose {@link ReplyAddress} was kept in context.
 *
 * @example
 * actions: respondTo(({ context, event }) => ({ to: context.asker, payload: event.output }))
 */
export function respondTo<
  TContext extends MachineContext,
  TExpressionEvent extends EventObject,
  TEvent extends EventObject,
>(
  reply: (args: ActionArgs<TContext, TExpressionEvent, TEvent>) => {
    to: ReplyAddress;
    payload?: unknown;
    error?: WireError;
  },
) {
  return emit<TContext, TExpressionEvent, undefined, TEvent, ReplyEmitted>((args) => {
    const r = reply(args);
    return {
      type: REPLY_EVENT,
      to: r.to,
      payload: r.payload,
      ...(r.error === undefined ? {} : { error: r.error }),
    } satisfies ReplyEmitted;
  });
}
