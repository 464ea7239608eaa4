import { ErrorCode, RuntimeError, formatPath, type OptionIssue } from '../../errors/index.js';
import {
  DETECTOR_PRESETS,
  DetectorOptionsSchema,
  isDetectorPreset,
  presetOfSignal,
  type DetectorConfig,
} from '../anomaly/index.js';
import { AlertRulesSchema, type AlertRule, type Threshold } from './AlertRuleSchema.js';
import type { Severity } from './Alert.js';

/** A validated rule, its condition resolved (presets merged, defaults applied). */
export type ResolvedAlertRule = {
  readonly name: string;
  readonly severity: Severity;
  readonly agent: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** True when the rule watches samples of `signal`. */
  readonly matches: (signal: string) => boolean;
} & (
  | { readonly kind: 'detector'; readonly detector: DetectorConfig }
  | { readonly kind: 'threshold'; readonly threshold: Threshold }
);

/**
 * Validates alert rules and resolves their detectors.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS with `details.issues` naming each path
 *   (`rules[2].when.detector.k`); ERR_UNKNOWN_DETECTOR when a rule names a detector that is not
 *   built in (`details`: `path`, `detector`, `known`).
 */
export function parseAlertRules(input: unknown): ResolvedAlertRule[] {
  const parsed = AlertRulesSchema.safeParse(input);
  if (!parsed.success) {
    throw invalid(
      parsed.error.issues.map((i) => ({
        path: formatPath(['rules', ...i.path]),
        message: i.message,
      })),
    );
  }
  const issues: OptionIssue[] = [];
  const rules = parsed.data.map((rule, i) => resolve(rule, i, issues));
  if (issues.length > 0) throw invalid(issues);
  return rules.filter((r): r is ResolvedAlertRule => r !== undefined);
}

function resolve(
  rule: AlertRule,
  index: number,
  issues: OptionIssue[],
): ResolvedAlertRule | undefined {
  const common = {
    name: rule.name,
    severity: rule.severity,
    agent: rule.agent,
    labels: rule.labels,
    annotations: rule.annotations,
  };
  if ('threshold' in rule.when) {
    const { threshold } = rule.when;
    return { ...common, kind: 'threshold', threshold, matches: (s) => s === threshold.signal };
  }
  const at = `rules[${index}].when.detector`;
  const ref = rule.when.detector;
  const { preset, signal, ...options } = typeof ref === 'string' ? { preset: ref } : ref;
  if (preset !== undefined && !isDetectorPreset(preset)) {
    throw new RuntimeError(
      ErrorCode.UnknownDetector,
      `Unknown detector ${JSON.stringify(preset)} at ${at}; known: ${Object.keys(DETECTOR_PRESETS).join(', ')}`,
      {
        details: {
          path: typeof ref === 'string' ? at : `${at}.preset`,
          detector: preset,
          known: Object.keys(DETECTOR_PRESETS),
        },
      },
    );
  }
  if (preset === undefined && signal === undefined) {
    issues.push({ path: at, message: 'an inline detector needs a preset or a signal' });
    return undefined;
  }
  const merged = DetectorOptionsSchema.safeParse({
    ...(preset === undefined ? {} : DETECTOR_PRESETS[preset]),
    ...options,
  });
  if (!merged.success) {
    for (const i of merged.error.issues)
      issues.push({
        path: i.path.length === 0 ? at : `${at}.${formatPath(i.path)}`,
        message: i.message,
      });
    return undefined;
  }
  const matches =
    signal !== undefined
      ? (s: string) => s === signal
      : (s: string) => presetOfSignal(s) === preset;
  return { ...common, kind: 'detector', detector: merged.data, matches };
}

function invalid(issues: readonly OptionIssue[]): RuntimeError {
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return new RuntimeError(ErrorCode.InvalidOptions, `Invalid alert rules: ${summary}`, {
    details: { what: 'alert rules', issues },
  });
}
