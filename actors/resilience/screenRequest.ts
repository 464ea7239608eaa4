import { ErrorCode, RuntimeError } from 'agentvisor/internal';
import {
  blockedError,
  markUntrusted,
  UNTRUSTED_CONTENT_INSTRUCTIONS,
  type ContentSource,
  type InputScreen,
  type ScreenResult,
} from '../guards/index.js';
import type { ChatMessage, ModelRequest } from '../models/index.js';
import type { ResilienceEvent } from './ResilienceEvent.js';

/** What screening one message found, for the agent's events. */
export interface ScreenedMessage {
  readonly index: number;
  readonly result: ScreenResult;
}

/**
 * Screens the untrusted messages of a request for prompt injection before it reaches a model:
 * `user` messages as source `user`, `tool` messages (tool output, retrieved content) as `tool`;
 * `system` and `assistant` messages are the agent's own and pass. Tool output is always marked
 * untrusted; a sanitised message is passed on sanitised and marked; when anything is marked, the
 * instructions for reading marked content go first as a system message.
 *
 * @throws {RuntimeError} ERR_INPUT_BLOCKED (class `safety`) when a message is blocked, or held
 *   for a person (`details.action` `escalate`: the supervisor's table sends `safety` to a human).
 */
export async function screenRequest(
  screen: InputScreen,
  request: ModelRequest,
  signal: AbortSignal,
  report: (screened: ScreenedMessage) => void,
): Promise<ModelRequest> {
  let marked = false;
  const messages: ChatMessage[] = [];
  for (const [index, message] of request.messages.entries()) {
    const source = sourceOf(message);
    if (source === undefined || message.content === '') {
      messages.push(message);
      continue;
    }
    const result = await screen.screen(message.content, { source, signal });
    if (result.action !== 'allow') report({ index, result });
    if (result.action === 'block') throw blockedError(result);
    if (result.action === 'escalate') {
      throw new RuntimeError(
        ErrorCode.InputBlocked,
        `Input from ${source} held for a person by screening (score ${result.score.toFixed(2)})`,
        {
          cause: blockedError(result),
          details: { failureClass: 'safety', action: 'escalate', source, score: result.score },
        },
      );
    }
    if (result.action === 'sanitize' || source === 'tool') {
      marked = true;
      messages.push({ ...message, content: markUntrusted(result.text, source) });
    } else {
      messages.push(message);
    }
  }
  if (!marked) return request;
  return {
    ...request,
    messages: [{ role: 'system', content: UNTRUSTED_CONTENT_INSTRUCTIONS }, ...messages],
  };
}

function sourceOf(message: ChatMessage): ContentSource | undefined {
  if (message.role === 'user') return 'user';
  if (message.role === 'tool') return 'tool';
  return undefined;
}

/** The agent's `screened` event for one screened message (`blocked` when blocked or held). */
export function screenedEvent(agent: string, result: ScreenResult): ResilienceEvent {
  return {
    type: 'screened',
    agent,
    source: result.source,
    action: result.action,
    score: result.score,
    blocked: result.action === 'block' || result.action === 'escalate',
  };
}
