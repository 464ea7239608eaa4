import type { ModelResponse } from '../../models/index.js';
import { messageOf } from 'agentvisor/internal';

/** The structured value of an answer, or why there is none. */
export type Structured =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

// A model asked for JSON in plain text often wraps it in a Markdown code fence.
const FENCED = /^\s*```[a-z]*\s*\n([\s\S]*?)\n?\s*```\s*$/i;

/**
 * The structured value of `response`: `output` when the client parsed one (a request with a
 * JSON response format), else the text parsed as JSON (a fence around it is tolerated).
 */
export function readStructured(response: ModelResponse): Structured {
  if (response.output !== undefined) return { ok: true, value: response.output };
  const text = response.text.trim();
  if (text === '') {
    const calls = response.toolCalls?.length ?? 0;
    return {
      ok: false,
      message:
        calls > 0
          ? `expected a JSON answer, got ${calls} tool call(s) and no text`
          : 'expected a JSON answer, got an empty one',
    };
  }
  const body = FENCED.exec(text)?.[1] ?? text;
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch (err) {
    const why = messageOf(err);
    return {
      ok: false,
      message: `${response.finishReason === 'length' ? 'answer cut off at the token limit; ' : ''}not valid JSON (${why})`,
    };
  }
}
