import { z } from 'zod';
import { INJECTION_FAMILIES } from './injectionRules.js';

/** Where screened content comes from; each source has its own {@link ScreenPolicy}. */
export type ContentSource = 'user' | 'retrieved' | 'tool';
/** The content sources, in a fixed order. */
export const CONTENT_SOURCES: readonly ContentSource[] = ['user', 'retrieved', 'tool'];

/**
 * What to do with screened content:
 * - `allow`: pass it on unchanged;
 * - `sanitize`: pass on the sanitised text (hidden text removed, matched spans neutralised);
 * - `escalate`: hold it for a person to decide (the caller routes the result to a human);
 * - `block`: refuse it (`enforce` throws `ERR_INPUT_BLOCKED`, failure class `safety`).
 */
export type ScreenAction = 'allow' | 'sanitize' | 'escalate' | 'block';

const threshold = z.number().min(0).max(1).nullable();

/**
 * The thresholds of one source: the combined score at which each action starts (`null`: never).
 * The strongest action reached wins: `block` over `escalate` over `sanitize`.
 */
export const ScreenPolicySchema = z
  .strictObject({
    /** Score from which the content is sanitised. */
    sanitizeAt: threshold,
    /** Score from which the content goes to a person. */
    escalateAt: threshold,
    /** Score from which the content is refused. */
    blockAt: threshold,
    /** Multipliers of the rule weights by family, e.g. tool-call phrasing in a user's own request. */
    familyWeights: z
      .partialRecord(z.enum(INJECTION_FAMILIES), z.number().min(0).max(1))
      .default({}),
  })
  .refine((p) => ordered(p.sanitizeAt, p.escalateAt) && ordered(p.sanitizeAt, p.blockAt), {
    path: ['sanitizeAt'],
    error: 'must be <= escalateAt and blockAt',
  })
  .refine((p) => ordered(p.escalateAt, p.blockAt), {
    path: ['escalateAt'],
    error: 'must be <= blockAt',
  });
/** A source's policy as callers write it (any field left out keeps the default). */
export type ScreenPolicyOptions = Partial<z.input<typeof ScreenPolicySchema>>;
/** A source's resolved policy. */
export type ScreenPolicy = z.output<typeof ScreenPolicySchema>;

/**
 * Default policies. A user's own message is blocked on a clear attack and escalated on a likely
 * one; tool-call phrasing counts half there (users legitimately ask for tools). Retrieved
 * content and tool output are data, not requests: any signal sanitises them (hidden text out,
 * matched spans neutralised) and only an overwhelming score drops them.
 */
export const DEFAULT_SCREEN_POLICIES: Readonly<Record<ContentSource, ScreenPolicy>> = {
  user: {
    sanitizeAt: 0.4,
    escalateAt: 0.7,
    blockAt: 0.85,
    familyWeights: { 'tool-injection': 0.5 },
  },
  retrieved: { sanitizeAt: 0.3, escalateAt: null, blockAt: 0.97, familyWeights: {} },
  tool: { sanitizeAt: 0.3, escalateAt: null, blockAt: 0.97, familyWeights: {} },
};

// --- internals (for createInputScreen) ---

function ordered(low: number | null, high: number | null): boolean {
  return low === null || high === null || low <= high;
}

const RANK: Readonly<Record<ScreenAction, number>> = {
  allow: 0,
  sanitize: 1,
  escalate: 2,
  block: 3,
};

/** @internal The stronger of two actions. */
export function strongest(a: ScreenAction, b: ScreenAction): ScreenAction {
  return RANK[a] >= RANK[b] ? a : b;
}

/** @internal The action a score reaches under a policy. */
export function actionOf(score: number, policy: ScreenPolicy): ScreenAction {
  if (policy.blockAt !== null && score >= policy.blockAt) return 'block';
  if (policy.escalateAt !== null && score >= policy.escalateAt) return 'escalate';
  if (policy.sanitizeAt !== null && score >= policy.sanitizeAt) return 'sanitize';
  return 'allow';
}
