/** What a routing key is read from: a message envelope (or anything shaped like one). */
export interface RoutableMessage {
  readonly payload?: unknown;
  readonly correlationId?: string | undefined;
  readonly from?: string | undefined;
}

/**
 * The routing key of a message: the conversation or task id it carries (`payload.conversationId`,
 * `payload.taskId`, then the envelope's `correlationId`), else the sender's name; `undefined`
 * when it has none (the caller picks a key, e.g. the message id, and loses stickiness).
 *
 * @example
 * routingKeyOf({ payload: { conversationId: 'c-1', text: 'hi' } }); // 'c-1'
 */
export function routingKeyOf(message: RoutableMessage): string | undefined {
  const payload = message.payload;
  if (typeof payload === 'object' && payload !== null) {
    for (const field of ['conversationId', 'taskId'] as const) {
      const value = (payload as Record<string, unknown>)[field];
      if (typeof value === 'string' && value !== '') return value;
    }
  }
  return message.correlationId ?? message.from;
}
