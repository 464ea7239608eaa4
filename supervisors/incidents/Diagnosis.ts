import type { ReplayChange, ReplayResult } from './internal/sandboxReplay.js';

/** Root-cause categories (MAST's agent and input classes plus infrastructure and configuration). */
export const DIAGNOSIS_CATEGORIES = ['infrastructure', 'agent', 'input', 'configuration'] as const;
/** One of {@link DIAGNOSIS_CATEGORIES}. */
export type DiagnosisCategory = (typeof DIAGNOSIS_CATEGORIES)[number];

/** The subkinds of each category. */
export const DIAGNOSIS_SUBKINDS = {
  infrastructure: [
    'rate-limit',
    'provider-outage',
    'tool-error',
    'transport',
    'node-loss',
    'store',
  ],
  agent: ['invalid-output', 'step-repetition', 'wrong-tool', 'budget'],
  input: ['poison', 'injection'],
  configuration: ['policy', 'version'],
} as const;
/** A subkind of a category. */
export type DiagnosisSubkind = (typeof DIAGNOSIS_SUBKINDS)[DiagnosisCategory][number];

/** The replay that flipped the outcome: what was changed and how the sandbox run ended. */
export interface DiagnosisReplay {
  readonly change: ReplayChange;
  /** The recorded run replayed unchanged (it must fail, or there is nothing to diagnose). */
  readonly baseline: ReplayResult;
  readonly flipped: ReplayResult;
  /** Counterfactual replays tried before this one flipped. */
  readonly replaysTried: number;
}

/** Facts that support a diagnosis. */
export interface DiagnosisEvidence {
  /** The effect changed (`model:<name>`, `tool:<name>`), or the message dropped. */
  readonly effect?: string;
  readonly messageId?: string;
  readonly sender?: string;
  readonly errorCode?: string;
  readonly failureClass?: string;
  /** Restarts of the child seen in supervisor events (a restart loop). */
  readonly restarts?: number;
  /** What was recorded at the decisive step. */
  readonly recorded: unknown;
  /** One sentence for people. */
  readonly summary: string;
}

/**
 * A root cause found by replay: the responsible actor, the decisive journal step (the earliest
 * whose change flips the outcome), its category and subkind, the evidence, and the replay that
 * flipped it.
 */
export interface Diagnosis {
  readonly actor: string;
  /** The journal sequence (of the diagnosed actor) of the decisive step. */
  readonly decisiveSeq: number;
  readonly category: DiagnosisCategory;
  readonly subkind: DiagnosisSubkind;
  readonly evidence: DiagnosisEvidence;
  readonly replay: DiagnosisReplay;
}
