import { z } from 'zod';
import type { ModelTool } from '../../models/index.js';
import type { ResilientTool } from '../../resilience/index.js';

/** A declared tool as a {@link ModelTool}: name, description, JSON Schema of its input. */
export function describeTool(name: string, tool: ResilientTool): ModelTool {
  let parameters: Record<string, unknown>;
  try {
    parameters = z.toJSONSchema(tool.input, { unrepresentable: 'any' });
  } catch {
    // A schema with transforms has no JSON Schema; the tool's own validation still applies.
    parameters = { type: 'object' };
  }
  return {
    name,
    parameters,
    ...(tool.description === undefined ? {} : { description: tool.description }),
  };
}
