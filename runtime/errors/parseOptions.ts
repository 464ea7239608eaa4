import type { z } from 'zod';
import { ErrorCode } from './codes.js';
import { RuntimeError } from './RuntimeError.js';

/** One validation problem: where (a dotted/bracketed path) and what. */
export interface OptionIssue {
  readonly path: string;
  readonly message: string;
}

/** Formats a zod path as `children[2].restart`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * Validates options at a public boundary and resolves their defaults.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS with `details.issues` (path and message of each).
 */
export function parseOptions<TSchema extends z.ZodType>(
  schema: TSchema,
  input: unknown,
  what: string,
): z.output<TSchema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: OptionIssue[] = result.error.issues.map((i) => ({
    path: formatPath(i.path),
    message: i.message,
  }));
  const summary = issues
    .map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`))
    .join('; ');
  throw new RuntimeError(ErrorCode.InvalidOptions, `Invalid ${what} options: ${summary}`, {
    details: { what, issues },
  });
}
