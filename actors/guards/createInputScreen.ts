import { z } from 'zod';
import { ErrorCode, messageOf, parseOptions, RuntimeError } from 'agentvisor/internal';
import {
  DEFAULT_INJECTION_RULES,
  INJECTION_FAMILIES,
  type InjectionFamily,
  type InjectionRule,
} from './injectionRules.js';
import type { ClassifierVerdict, InjectionClassifier } from './InjectionClassifier.js';
import {
  actionOf,
  CONTENT_SOURCES,
  DEFAULT_SCREEN_POLICIES,
  ScreenPolicySchema,
  strongest,
  type ContentSource,
  type ScreenAction,
  type ScreenPolicy,
  type ScreenPolicyOptions,
} from './ScreenPolicy.js';
import { compileRules, scanText, type CompiledRule, type RawFinding } from './internal/scanText.js';
import { sanitizeText } from './internal/sanitizeText.js';

/** One signal found in screened content. */
export interface ScreenFinding {
  /** The rule's id (`override.ignore-previous`), or `screen.oversized`, `classifier.*`. */
  readonly rule: string;
  readonly family: InjectionFamily | 'screen';
  /** The rule's weight after the source's family multiplier. */
  readonly weight: number;
  /** `[start, end)` in UTF-16 offsets of the screened text. */
  readonly span: readonly [number, number];
  /** The matched text (or what a hidden encoding decodes to), shortened to 80 characters. */
  readonly excerpt: string;
}

const isFunction = (v: unknown): boolean => typeof v === 'function';

/** An {@link InjectionRule} as options validate it. */
const InjectionRuleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+(\.[a-z0-9-]+)*$/, { error: 'expected a dotted lowercase id' }),
  family: z.enum(INJECTION_FAMILIES),
  weight: z.number().gt(0).max(1),
  pattern: z.instanceof(RegExp),
  compact: z.boolean().optional(),
  raw: z.boolean().optional(),
  description: z.string().optional(),
});
const policyPatch = z.record(z.string(), z.unknown()).optional();

/** Options of {@link createInputScreen}, validated at creation. */
export const InputScreenOptionsSchema = z.strictObject({
  /** The rules; replaces the built-in set. @default DEFAULT_INJECTION_RULES */
  rules: z.array(InjectionRuleSchema).readonly().optional(),
  /** Rules added to `rules` (or to the built-in set). @default [] */
  extraRules: z.array(InjectionRuleSchema).readonly().default([]),
  /** A classifier whose score combines with the rules'. */
  classifier: z
    .custom<InjectionClassifier>(isFunction, { error: 'expected a function' })
    .optional(),
  /** How much the classifier's score counts, in `[0, 1]`. @default 1 */
  classifierWeight: z.number().min(0).max(1).default(1),
  /**
   * When the classifier fails (throws, or answers out of range): decide on the rules alone, or
   * escalate or block the content. @default 'rules-only'
   */
  onClassifierError: z.enum(['rules-only', 'escalate', 'block']).default('rules-only'),
  /** Per-source overrides of {@link DEFAULT_SCREEN_POLICIES}. @default {} */
  policies: z
    .strictObject({ user: policyPatch, retrieved: policyPatch, tool: policyPatch })
    .default({}),
  /**
   * Longest text screened, in characters; longer text is blocked (`screen.oversized`): what
   * cannot be screened must not reach a model. @default 200_000
   */
  maxChars: z.number().int().positive().default(200_000),
});
/** What callers pass to {@link createInputScreen}. */
export interface InputScreenOptions {
  rules?: readonly InjectionRule[];
  extraRules?: readonly InjectionRule[];
  classifier?: InjectionClassifier;
  classifierWeight?: number;
  onClassifierError?: 'rules-only' | 'escalate' | 'block';
  policies?: Partial<Record<ContentSource, ScreenPolicyOptions>>;
  maxChars?: number;
}

/** Per-call options of {@link InputScreen.screen}. */
export interface ScreenOptions {
  /** Where the text comes from. @default 'user' */
  readonly source?: ContentSource;
  /** Aborts the classifier call; the screen then rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/** The outcome of screening one text. */
export interface ScreenResult {
  readonly action: ScreenAction;
  readonly source: ContentSource;
  /** Combined score in `[0, 1]`: the rules' and the classifier's, noisy-OR. */
  readonly score: number;
  /** The rules' score alone. */
  readonly ruleScore: number;
  /** The classifier's verdict, or why there is none; absent without a classifier. */
  readonly classifier?: ClassifierVerdict | { readonly error: string };
  readonly findings: readonly ScreenFinding[];
  /**
   * The text to pass on: the original for `allow`, the sanitised text for `sanitize` and
   * `escalate`, empty for `block`.
   */
  readonly text: string;
  /** The sanitised text, whatever the action. */
  readonly sanitized: string;
}

/**
 * Screens text for prompt injection before it reaches a model: weighted rules on a normalised
 * copy of the text (so zero-width splits, homoglyphs, fullwidth letters, leetspeak and spaced
 * letters do not hide a phrase), hidden-text detectors (zero-width, bidi overrides, Unicode tags,
 * HTML comments, CSS-hidden elements, base64 blobs carrying instructions), and an optional
 * classifier, combined into a score that the source's policy turns into an action.
 */
export class InputScreen {
  readonly #rules: readonly CompiledRule[];
  readonly #policies: Readonly<Record<ContentSource, ScreenPolicy>>;
  readonly #classifier: InjectionClassifier | undefined;
  readonly #classifierWeight: number;
  readonly #onClassifierError: 'rules-only' | 'escalate' | 'block';
  readonly #maxChars: number;

  /** @internal Use {@link createInputScreen}. */
  constructor(
    rules: readonly InjectionRule[],
    policies: Record<ContentSource, ScreenPolicy>,
    config: z.output<typeof InputScreenOptionsSchema>,
  ) {
    this.#rules = compileRules(rules);
    this.#policies = policies;
    this.#classifier = config.classifier;
    this.#classifierWeight = config.classifierWeight;
    this.#onClassifierError = config.onClassifierError;
    this.#maxChars = config.maxChars;
  }

  /** The resolved policy of `source`. */
  policy(source: ContentSource): ScreenPolicy {
    return this.#policies[source];
  }

  /**
   * Screens `text` and decides an action by the source's policy. Never throws for `block`
   * (so the result can be recorded); use {@link enforce} for that.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS when `text` is not a string or `source` is unknown.
   * @throws `signal.reason` when aborted.
   */
  async screen(text: string, options: ScreenOptions = {}): Promise<ScreenResult> {
    const source = options.source ?? 'user';
    checkArguments(text, source);
    const { signal } = options;
    if (signal?.aborted === true) throw signal.reason;
    const policy = this.#policies[source];
    if (text.length > this.#maxChars) {
      const finding: ScreenFinding = {
        rule: 'screen.oversized',
        family: 'screen',
        weight: 1,
        span: [0, text.length],
        excerpt: `${text.length} characters, over the ${this.#maxChars} screened`,
      };
      return {
        action: 'block',
        source,
        score: 1,
        ruleScore: 1,
        findings: [finding],
        text: '',
        sanitized: '',
      };
    }
    const scan = scanText(text, this.#rules);
    const findings = scan.findings.map((f) => weighted(f, policy));
    const ruleScore = noisyOr(findings);
    let score = ruleScore;
    let classifier: ClassifierVerdict | { error: string } | undefined;
    let forced: ScreenAction | undefined;
    if (this.#classifier !== undefined) {
      const verdict = await this.#classify(text, source, signal);
      classifier = verdict;
      if ('error' in verdict) {
        if (this.#onClassifierError !== 'rules-only') forced = this.#onClassifierError;
      } else {
        score = 1 - (1 - ruleScore) * (1 - this.#classifierWeight * verdict.score);
      }
    }
    const action = strongest(actionOf(score, policy), forced ?? 'allow');
    const sanitized = sanitizeText(text, findings, scan.hidden);
    return {
      action,
      source,
      score,
      ruleScore,
      ...(classifier === undefined ? {} : { classifier }),
      findings,
      text: action === 'allow' ? text : action === 'block' ? '' : sanitized,
      sanitized,
    };
  }

  /**
   * Screens `text` and throws when it is blocked; otherwise returns the result (the caller
   * passes on `result.text`, and routes `escalate` to a person).
   *
   * @throws {RuntimeError} ERR_INPUT_BLOCKED (`details.failureClass` `safety`, `details.score`,
   *   `details.findings`) when the action is `block`; see {@link screen} for the rest.
   */
  async enforce(text: string, options: ScreenOptions = {}): Promise<ScreenResult> {
    const result = await this.screen(text, options);
    if (result.action === 'block') throw blockedError(result);
    return result;
  }

  async #classify(
    text: string,
    source: ContentSource,
    signal: AbortSignal | undefined,
  ): Promise<ClassifierVerdict | { error: string }> {
    const classify = this.#classifier;
    if (classify === undefined) return { error: 'no classifier' };
    try {
      // Typed as a verdict, but a pluggable classifier (another model) can answer anything.
      const verdict: unknown = await classify(text, {
        source,
        ...(signal === undefined ? {} : { signal }),
      });
      const { score, label } = (verdict ?? {}) as Partial<ClassifierVerdict>;
      if (typeof score !== 'number' || !(score >= 0 && score <= 1) || typeof label !== 'string') {
        return {
          error: `classifier answered ${JSON.stringify(verdict)}, not { score in [0, 1], label }`,
        };
      }
      return { score, label };
    } catch (err) {
      // An abort is the caller's decision, not a classifier failure.
      if (signal?.aborted === true) throw signal.reason;
      return { error: messageOf(err) };
    }
  }
}

/**
 * An input screen. Without options: the built-in rules, no classifier, the default policies.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when an option is malformed (a rule without a
 *   pattern, a weight outside `(0, 1]`, thresholds out of order, an unknown source).
 * @example
 * const screen = createInputScreen({ classifier: createModelClassifier(judge) });
 * const checked = await screen.enforce(page, { source: 'retrieved' });
 * messages.push({ role: 'user', content: markUntrusted(checked.text, 'retrieved') });
 */
export function createInputScreen(options: InputScreenOptions = {}): InputScreen {
  const config = parseOptions(InputScreenOptionsSchema, options, 'input screen');
  const rules = [...(config.rules ?? DEFAULT_INJECTION_RULES), ...config.extraRules];
  const ids = new Set<string>();
  for (const rule of rules) {
    if (ids.has(rule.id)) {
      throw new RuntimeError(
        ErrorCode.InvalidOptions,
        `Invalid input screen options: rule id ${rule.id} is used twice`,
        {
          details: {
            what: 'input screen',
            issues: [{ path: 'rules', message: `duplicate id ${rule.id}` }],
          },
        },
      );
    }
    ids.add(rule.id);
  }
  const policies = {} as Record<ContentSource, ScreenPolicy>;
  for (const source of CONTENT_SOURCES) {
    policies[source] = parseOptions(
      ScreenPolicySchema,
      { ...DEFAULT_SCREEN_POLICIES[source], ...config.policies[source] },
      `input screen policies.${source}`,
    );
  }
  return new InputScreen(rules, policies, config);
}

/** The error of a blocked result: `ERR_INPUT_BLOCKED`, failure class `safety`. */
export function blockedError(result: ScreenResult): RuntimeError {
  const rules = [...new Set(result.findings.map((f) => f.rule))];
  return new RuntimeError(
    ErrorCode.InputBlocked,
    `Input from ${result.source} blocked by screening: score ${result.score.toFixed(2)}${rules.length === 0 ? '' : ` (${rules.slice(0, 5).join(', ')})`}`,
    {
      details: {
        failureClass: 'safety',
        source: result.source,
        score: result.score,
        ruleScore: result.ruleScore,
        findings: result.findings.map((f) => ({
          rule: f.rule,
          span: [...f.span],
          excerpt: f.excerpt,
        })),
        ...(result.classifier === undefined ? {} : { classifier: result.classifier }),
      },
    },
  );
}

// --- internals ---

function checkArguments(text: unknown, source: unknown): void {
  if (typeof text !== 'string') {
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `Expected the screened text to be a string, got ${typeof text}`,
      {
        details: {
          what: 'screen',
          issues: [{ path: 'text', message: `expected string, got ${typeof text}` }],
        },
      },
    );
  }
  if (!(CONTENT_SOURCES as readonly unknown[]).includes(source)) {
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `Expected \`source\` to be one of ${CONTENT_SOURCES.join(', ')}, got ${JSON.stringify(source)}`,
      { details: { what: 'screen', issues: [{ path: 'source', message: 'unknown source' }] } },
    );
  }
}

function weighted(finding: RawFinding, policy: ScreenPolicy): ScreenFinding {
  const multiplier = policy.familyWeights[finding.family] ?? 1;
  return multiplier === 1 ? finding : { ...finding, weight: finding.weight * multiplier };
}

/**
 * Noisy-OR of the strongest match of each rule: independent signals add up (two 0.5 signals
 * make 0.75) but never pass 1, and repeating one phrase ten times counts once.
 */
function noisyOr(findings: readonly ScreenFinding[]): number {
  const byRule = new Map<string, number>();
  for (const f of findings) byRule.set(f.rule, Math.max(byRule.get(f.rule) ?? 0, f.weight));
  let clear = 1;
  for (const weight of byRule.values()) clear *= 1 - weight;
  return 1 - clear;
}
