import { ErrorCode, RuntimeError, type MetricsRegistry } from 'agentvisor/internal';
import type { ModelClient } from '../models/index.js';
import type { ToolDefinition } from '../effects/index.js';
import type { EffectRecording } from './EffectRecording.js';
import { canonicalJson } from './internal/canonicalJson.js';

/** What a shadow run's effects are built from. */
export interface ShadowEffectsOptions {
  /** The paired stable run's recorded effects. */
  readonly recording: EffectRecording;
  /** `recorded`: model calls replay the stable run's responses in order; `live`: real calls. */
  readonly shadowModels: 'recorded' | 'live';
  /** Agent name for the refused-call counter. */
  readonly agent?: string;
  /** Counts refused calls as `agentvisor_rollout_shadow_refused_total{agent,tool}`. */
  readonly metrics?: MetricsRegistry;
  /** Called with each refused call (to count it per pair). */
  readonly onRefused?: (call: { tool: string; args: unknown }) => void;
}

/**
 * The tools and model of a shadow (candidate) run: nothing reaches the world. A tool call takes
 * the stable run's recorded outcome for the same tool and arguments (each recorded call used
 * once), else the tool's declared `shadow` stub, else it is refused with ERR_SHADOW_EFFECT
 * (failure class `permanent`, counted). Model calls replay the stable run's responses unless
 * `shadowModels` is `live`; past the recording they are refused too.
 *
 * @example
 * const { tools, model } = createShadowEffects(agentTools, realModel, { recording, shadowModels: 'recorded' });
 */
export function createShadowEffects(
  tools: Readonly<Record<string, ToolDefinition>>,
  model: ModelClient,
  options: ShadowEffectsOptions,
): { tools: Record<string, ToolDefinition>; model: ModelClient } {
  const unused = options.recording.tools.map((call) => ({
    ...call,
    key: `${call.tool}\u0000${canonicalJson(call.args)}`,
  }));
  const refusal = (tool: string, args: unknown): RuntimeError => {
    options.onRefused?.({ tool, args });
    options.metrics
      ?.counter('agentvisor_rollout_shadow_refused_total', 'Shadow effects refused', {
        labelNames: ['agent', 'tool'],
      })
      .inc({ agent: options.agent ?? '', tool });
    return new RuntimeError(
      ErrorCode.ShadowEffect,
      `Shadow run refused ${tool}: no recorded outcome for this call and no shadow stub`,
      { details: { tool, failureClass: 'permanent' } },
    );
  };
  const shadowTools: Record<string, ToolDefinition> = {};
  for (const [name, tool] of Object.entries(tools)) {
    shadowTools[name] = {
      ...tool,
      run: (input) => {
        const key = `${name}\u0000${canonicalJson(input)}`;
        const at = unused.findIndex((call) => call.key === key);
        if (at >= 0) {
          const [call] = unused.splice(at, 1);
          return Promise.resolve(call?.output);
        }
        if (tool.shadow !== undefined) return Promise.resolve(tool.shadow(input));
        return Promise.reject(refusal(name, input));
      },
    };
  }
  if (options.shadowModels === 'live') return { tools: shadowTools, model };
  let next = 0;
  const replay: ModelClient = {
    name: model.name,
    complete: () => {
      const response = options.recording.models[next];
      next += 1;
      return response === undefined
        ? Promise.reject(refusal(`model:${model.name}`, undefined))
        : Promise.resolve(response);
    },
  };
  return { tools: shadowTools, model: replay };
}
