import type { OutputGuard } from '../../guards/index.js';
import type { ModelRequest } from '../../models/index.js';

/**
 * The request asking for the guard's response format (structured output), unless it names a
 * format of its own. The format is named after the model, as providers allow:
 * `[a-zA-Z0-9_-]{1,64}`.
 */
export function withOutputFormat(
  request: ModelRequest,
  model: string,
  guard: OutputGuard<unknown>,
): ModelRequest {
  if (request.responseFormat !== undefined) return request;
  const name = model.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || 'output';
  return { ...request, responseFormat: guard.responseFormat(name) };
}
