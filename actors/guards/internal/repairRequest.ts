import type { ModelRequest } from '../../models/index.js';
import type { OutputIssue } from '../OutputGuard.js';

/** Size bounds of a repair prompt. */
export interface RepairBounds {
  readonly maxIssues: number;
  readonly maxAnswerChars: number;
}

/** One issue message is cut here: a zod union can explain itself at great length. */
const MAX_ISSUE_CHARS = 200;

/** Shortens `text` to `max` characters, saying how much was left out. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

/** The issues as a bounded bullet list: at most `maxIssues`, each at most 200 characters. */
export function describeIssues(issues: readonly OutputIssue[], maxIssues: number): string {
  const shown = issues.slice(0, maxIssues).map((issue) => {
    const where = issue.path === '' ? '(root)' : issue.path;
    return `- ${where}: ${clip(issue.message, MAX_ISSUE_CHARS)}`;
  });
  const more = issues.length - shown.length;
  return more > 0 ? `${shown.join('\n')}\n- … and ${more} more issue(s)` : shown.join('\n');
}

/**
 * The request that asks for a corrected answer: the original request, the rejected answer as
 * the assistant's turn, and the validation issues as the user's. Built from the original request
 * and only the latest bad answer, so the prompt stays the same size however many repairs run.
 */
export function repairRequest(
  request: ModelRequest,
  badAnswer: string | undefined,
  issues: readonly OutputIssue[],
  bounds: RepairBounds,
): ModelRequest {
  const feedback = [
    badAnswer === undefined
      ? 'Your previous answer could not be used:'
      : 'Your previous answer was rejected by validation:',
    describeIssues(issues, bounds.maxIssues),
    'Answer again with only the corrected JSON, fixing every issue listed. Keep what was valid.',
  ].join('\n');
  return {
    ...request,
    messages: [
      ...request.messages,
      // An answer the client could not parse has no text to quote back: only the feedback goes.
      ...(badAnswer === undefined
        ? []
        : [{ role: 'assistant' as const, content: clip(badAnswer, bounds.maxAnswerChars) }]),
      { role: 'user', content: feedback },
    ],
  };
}
