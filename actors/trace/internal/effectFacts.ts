import type { WireError } from 'agentvisor';
import type { ModelCallFacts, StepUsage } from '../ReasoningChain.js';

/** The type and name of a journaled effect (`model:<name>`, `tool:<name>`, `human`). */
export function effectName(effect: string): {
  type: 'model' | 'tool' | 'human' | 'other';
  name: string;
} {
  if (effect.startsWith('model:')) return { type: 'model', name: effect.slice(6) };
  if (effect.startsWith('tool:')) return { type: 'tool', name: effect.slice(5) };
  if (effect === 'human') return { type: 'human', name: effect };
  return { type: 'other', name: effect };
}

/** The ledger attempt of a key: `n` for `…@n`, else 1. */
export function attemptOf(key: string): number {
  const match = /@(\d+)$/.exec(key);
  return match === null ? 1 : Number(match[1]);
}

/** The journal sequence of the step that started the effect `key` (`<seq>/<invoke id>`). */
export function stepOf(key: string): number | undefined {
  const head = key.slice(0, key.indexOf('/'));
  const seq = Number(head);
  return head.length > 0 && Number.isInteger(seq) ? seq : undefined;
}

const record = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Usage a model output reports (`usage.inputTokens/outputTokens`). */
export function usageOf(output: unknown): StepUsage | undefined {
  const usage = record(record(output)?.['usage']);
  if (usage === undefined) return undefined;
  const inputTokens = usage['inputTokens'];
  const outputTokens = usage['outputTokens'];
  if (typeof inputTokens !== 'number' || typeof outputTokens !== 'number') return undefined;
  return { inputTokens, outputTokens };
}

/** Cost a model output reports. */
export function costOf(output: unknown): number | undefined {
  const cost = record(output)?.['cost'];
  return typeof cost === 'number' ? cost : undefined;
}

/** What a model call's output says (undefined output: the call failed). */
export function modelFacts(declared: string, output: unknown): ModelCallFacts {
  const o = record(output);
  const calls = Array.isArray(o?.['toolCalls']) ? (o['toolCalls'] as unknown[]) : [];
  const strategy = o?.['strategy'];
  return {
    declared,
    model: str(o?.['model']),
    endpoint: str(o?.['endpoint']),
    strategy: strategy === 'normal' || strategy === 'degraded' ? strategy : undefined,
    degradedBy: o?.['degradedBy'],
    finishReason: str(o?.['finishReason']),
    toolCalls: calls.flatMap((c) => {
      const call = record(c);
      const id = str(call?.['id']);
      const name = str(call?.['name']);
      return id === undefined || name === undefined ? [] : [{ id, name }];
    }),
  };
}

/** The failure class of a recorded failure: `details.failureClass`, else its code. */
export function failureClassOf(error: WireError | undefined): string | undefined {
  if (error === undefined) return undefined;
  return str(record(error.details)?.['failureClass']) ?? error.code;
}

/** A field of an output object, if any. */
export function fieldOf(output: unknown, field: string): unknown {
  return record(output)?.[field];
}
