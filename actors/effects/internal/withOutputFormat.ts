import { z } from 'zod';
import type { ModelRequest } from '../../models/index.js';

/**
 * The request asking for `output`'s JSON Schema (structured output), unless it names a format of
 * its own; a schema with no JSON Schema form (transforms) asks for any JSON object instead.
 */
export function withOutputFormat(
  request: ModelRequest,
  model: string,
  output: z.ZodType,
): ModelRequest {
  if (request.responseFormat !== undefined) return request;
  let schema: Record<string, unknown>;
  try {
    schema = z.toJSONSchema(output, { unrepresentable: 'any' });
  } catch {
    return { ...request, responseFormat: { type: 'json_object' } };
  }
  // Providers want `[a-zA-Z0-9_-]{1,64}` as the schema's name.
  const name = model.replace(/[^a-zA-Z0-9_-]/g, '_').slice(0, 64) || 'output';
  return { ...request, responseFormat: { type: 'json_schema', name, schema } };
}
