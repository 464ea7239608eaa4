/** A name a selector accepts: exactly this string, or any name the pattern matches. */
export type NameMatcher = string | RegExp;

/**
 * Where a fault may land. Every field given must match the call's {@link CallScope}; a field the
 * call does not have (a tool name on a model call) does not match. Empty: every call.
 */
export interface FaultTarget {
  readonly agent?: NameMatcher;
  /** The actor's name (a path such as `team/researcher`). */
  readonly actor?: NameMatcher;
  readonly subject?: NameMatcher;
  readonly tool?: NameMatcher;
  readonly model?: NameMatcher;
  readonly node?: NameMatcher;
}

/** What a call is: the wrapper's scope (agent, node, namespace) plus the call's own names. */
export interface CallScope {
  readonly agent?: string;
  readonly actor?: string;
  readonly subject?: string;
  readonly tool?: string;
  readonly model?: string;
  readonly node?: string;
  /** The namespace the call belongs to; chaos with `namespaces` set only touches those listed. */
  readonly namespace?: string;
}

/**
 * Content-conditional faults (Toxiproxy #404 and #518): only the first `firstCalls` calls the
 * target matches, and/or only calls whose arguments match `argsMatch` (a pattern tested against
 * the arguments as JSON, or a predicate).
 */
export interface FaultCondition {
  readonly firstCalls?: number;
  readonly argsMatch?: RegExp | ((args: unknown) => boolean);
}

const KEYS = ['agent', 'actor', 'subject', 'tool', 'model', 'node'] as const;

/** True when every field of `target` matches the same field of `scope`. */
export function matchesTarget(target: FaultTarget | undefined, scope: CallScope): boolean {
  if (target === undefined) return true;
  return KEYS.every((key) => {
    const want = target[key];
    if (want === undefined) return true;
    const have = scope[key];
    if (have === undefined) return false;
    return typeof want === 'string' ? want === have : want.test(have);
  });
}

/** True when `args` satisfy the condition's `argsMatch` (always, without one). */
export function matchesArgs(condition: FaultCondition | undefined, args: unknown): boolean {
  const match = condition?.argsMatch;
  if (match === undefined) return true;
  if (typeof match === 'function') return match(args);
  let text: string;
  try {
    text = typeof args === 'string' ? args : JSON.stringify(args);
  } catch {
    text = String(args);
  }
  match.lastIndex = 0;
  return match.test(text);
}
