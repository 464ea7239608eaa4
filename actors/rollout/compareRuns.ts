import { canonicalJson } from './internal/canonicalJson.js';

/** What a run produced, for comparison with its pair. */
export interface RunRecord {
  /** The final answer (text or structured). */
  readonly answer: unknown;
  /** The effects it made: which tools with which arguments (τ-bench compares end states). */
  readonly effects: readonly { readonly tool: string; readonly args: unknown }[];
  /** The states the machine went through. */
  readonly path: readonly string[];
  readonly costUsd: number;
  readonly latencyMs: number;
  readonly steps: number;
}

/**
 * How answers are compared: `exact` (same JSON), `structural` (both parse to JSON objects with
 * the same keys and value types: a schema-shaped answer whose wording varies matches), or a
 * declared comparator (a judge model may sit behind it).
 */
export type AnswerComparator = 'exact' | 'structural' | ((a: unknown, b: unknown) => boolean);

/** A pair of runs compared (stable against candidate, or stable against itself). */
export interface RunComparison {
  readonly answer: boolean;
  /** Same set of tool calls with the same arguments, order ignored. */
  readonly effects: boolean;
  readonly trajectory: boolean;
  /** Calls the reference made and the other did not / the other made in addition. */
  readonly missingEffects: readonly string[];
  readonly extraEffects: readonly string[];
  /** Other minus reference. */
  readonly deltas: { readonly costUsd: number; readonly latencyMs: number; readonly steps: number };
  /** Any of answer, effects, trajectory differs. */
  readonly mismatch: boolean;
}

/**
 * Compares a run with its reference on answer, effect set, trajectory, cost, latency, steps.
 *
 * @example
 * const c = compareRuns(stableRun, shadowRun, 'structural');
 * if (c.missingEffects.length > 0) flag(c);
 */
export function compareRuns(
  reference: RunRecord,
  other: RunRecord,
  comparator: AnswerComparator = 'exact',
): RunComparison {
  const answer =
    typeof comparator === 'function'
      ? comparator(reference.answer, other.answer)
      : comparator === 'exact'
        ? canonicalJson(reference.answer) === canonicalJson(other.answer)
        : shapeOf(reference.answer) === shapeOf(other.answer);
  const ref = reference.effects.map((e) => `${e.tool} ${canonicalJson(e.args)}`);
  const oth = other.effects.map((e) => `${e.tool} ${canonicalJson(e.args)}`);
  const missingEffects = difference(ref, oth);
  const extraEffects = difference(oth, ref);
  const effects = missingEffects.length === 0 && extraEffects.length === 0;
  const trajectory = reference.path.join('>') === other.path.join('>');
  return {
    answer,
    effects,
    trajectory,
    missingEffects,
    extraEffects,
    deltas: {
      costUsd: other.costUsd - reference.costUsd,
      latencyMs: other.latencyMs - reference.latencyMs,
      steps: other.steps - reference.steps,
    },
    mismatch: !answer || !effects || !trajectory,
  };
}

/** Multiset difference: the items of `a` not matched one-for-one in `b`. */
function difference(a: readonly string[], b: readonly string[]): string[] {
  const left = [...b];
  const out: string[] = [];
  for (const item of a) {
    const at = left.indexOf(item);
    if (at >= 0) left.splice(at, 1);
    else out.push(item);
  }
  return out;
}

function shapeOf(value: unknown): string {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return 'string';
    }
  }
  return canonicalJson(shape(parsed));
}

function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shape(value[0])];
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = shape(v);
    return out;
  }
  return value === null ? 'null' : typeof value;
}
