import { z } from 'zod';

/** Alert names: Prometheus label-value-safe identifiers (CamelCase by convention). */
const RULE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Label names as Prometheus allows them. */
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A comparison of a threshold rule. */
export const ThresholdOpSchema = z.enum(['>', '>=', '<', '<=', '==', '!=']);

/** A fixed threshold on one signal, with the same hysteresis as the detectors. */
export const ThresholdSchema = z
  .object({
    /** The exact signal compared (`error_rate:timeout`). */
    signal: z.string().min(1),
    op: ThresholdOpSchema,
    value: z.number().refine(Number.isFinite, { error: 'must be a finite number' }),
    /** Pending until the condition held this long. @default 0 */
    forMs: z.number().int().min(0).default(0),
    /** Firing this long after the condition last held. @default 0 */
    keepFiringForMs: z.number().int().min(0).default(0),
  })
  .strict();

/**
 * An inline detector: a `preset` to start from and/or the exact `signal` it watches, plus any
 * detector option (`k`, `minSamples`, `forMs`, …), checked against the detector schema once
 * merged over the preset.
 */
export const InlineDetectorSchema = z.looseObject({
  preset: z.string().min(1).optional(),
  signal: z.string().min(1).optional(),
});

/**
 * One alert rule as data (policy or cluster config). `when.detector` names a built-in detector
 * (`latency_p95`, …) or gives one inline; `when.threshold` compares a signal with a value.
 */
export const AlertRuleSchema = z
  .object({
    /** The alert's name (`alertname`), unique among the rules. */
    name: z.string().regex(RULE_NAME, { error: 'must match [A-Za-z_][A-Za-z0-9_]*' }),
    when: z.union([
      z.object({ detector: z.union([z.string().min(1), InlineDetectorSchema]) }).strict(),
      z.object({ threshold: ThresholdSchema }).strict(),
    ]),
    severity: z.enum(['critical', 'warning', 'info']),
    /** Only this agent's series; all agents when absent. */
    agent: z.string().min(1).optional(),
    /** Extra labels on every alert of the rule. @default {} */
    labels: z.record(z.string().regex(LABEL_NAME), z.string()).default({}),
    /** Annotations (summary, runbook_url, …). @default {} */
    annotations: z.record(z.string(), z.string()).default({}),
  })
  .strict();

/** The rules of one router: names must be unique. */
export const AlertRulesSchema = z.array(AlertRuleSchema).superRefine((rules, ctx) => {
  const seen = new Set<string>();
  rules.forEach((rule, i) => {
    if (seen.has(rule.name))
      ctx.addIssue({
        code: 'custom',
        path: [i, 'name'],
        message: `duplicate rule name ${rule.name}`,
      });
    seen.add(rule.name);
  });
});

/** An alert rule as written. */
export type AlertRuleInput = z.input<typeof AlertRuleSchema>;
/** An alert rule with its defaults. */
export type AlertRule = z.output<typeof AlertRuleSchema>;
/** A threshold rule's condition. */
export type Threshold = z.output<typeof ThresholdSchema>;
/** A comparison operator. */
export type ThresholdOp = z.output<typeof ThresholdOpSchema>;
