import type { ScenarioHistory } from './runScenario.js';

/** A checker's verdict; `violations` names what broke it (empty when it holds). */
export interface CheckResult {
  readonly checker: string;
  readonly ok: boolean;
  readonly violations: readonly string[];
}

/**
 * No non-idempotent effect completed twice: `effects` is the log of completed side effects by
 * key (a charge id, a request id); a key seen more than once is a violation.
 */
export function noDuplicateEffects(effects: readonly string[]): CheckResult {
  const seen = new Map<string, number>();
  for (const key of effects) seen.set(key, (seen.get(key) ?? 0) + 1);
  const violations = [...seen].filter(([, n]) => n > 1).map(([key, n]) => `${key} ×${n}`);
  return { checker: 'no-duplicate-effects', ok: violations.length === 0, violations };
}

/**
 * No acknowledged message lost: every request answered `ok` must be in `received` (what the
 * system under test durably holds at the end: processed ids, recovered state).
 */
export function noLostAcknowledged(
  history: ScenarioHistory,
  received: ReadonlySet<string>,
): CheckResult {
  const violations = history.outcomes
    .filter((o) => o.outcome === 'ok' && !received.has(o.id))
    .map((o) => `${o.id} acknowledged at ${o.at} ms, not found`);
  return { checker: 'no-lost-acknowledged', ok: violations.length === 0, violations };
}
