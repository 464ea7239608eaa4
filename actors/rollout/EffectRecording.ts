import type { ModelClient, ModelResponse } from '../models/index.js';
import type { ToolDefinition } from '../effects/index.js';

/** One tool call of a run: which tool, with which (parsed) arguments, and what it returned. */
export interface RecordedToolCall {
  readonly tool: string;
  readonly args: unknown;
  readonly output: unknown;
}

/** The effects one stable run made, for its shadow to replay instead of repeating them. */
export interface EffectRecording {
  readonly tools: RecordedToolCall[];
  readonly models: ModelResponse[];
}

/** An empty recording. */
export function createEffectRecording(): EffectRecording {
  return { tools: [], models: [] };
}

/**
 * The tools of a stable run, each recording its call and outcome into `recording` (the tools
 * run for real, once, as without a rollout).
 *
 * @example
 * const recording = createEffectRecording();
 * const tools = recordTools(agentTools, recording);
 */
export function recordTools(
  tools: Readonly<Record<string, ToolDefinition>>,
  recording: EffectRecording,
): Record<string, ToolDefinition> {
  const out: Record<string, ToolDefinition> = {};
  for (const [name, tool] of Object.entries(tools)) {
    out[name] = {
      ...tool,
      run: async (input, context) => {
        const output = await tool.run(input, context);
        recording.tools.push({ tool: name, args: input, output });
        return output;
      },
    };
  }
  return out;
}

/** A model client that records each response of a stable run into `recording`. */
export function recordModel(client: ModelClient, recording: EffectRecording): ModelClient {
  return {
    name: client.name,
    complete: async (request, options) => {
      const response = await client.complete(request, options);
      recording.models.push(response);
      return response;
    },
  };
}
