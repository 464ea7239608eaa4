import { z } from 'zod';
import {
  BreakerRegistry,
  BudgetOptionsSchema,
  BulkheadOptionsSchema,
  CircuitBreakerOptionsSchema,
  FallbackOptionsSchema,
  RetryOptionsSchema,
} from 'agentvisor/internal';
import { InputScreen, type SemanticValidator } from '../guards/index.js';
import { isZodSchema } from '../internal/isZodSchema.js';
import type { ModelClient } from '../models/index.js';

/** A budget in ms; `Infinity` for none. */
const TimeoutSchema = z.union([z.number().positive(), z.literal(Infinity)]);

const isModelClient = (m: unknown): boolean =>
  typeof m === 'object' && m !== null && typeof (m as ModelClient).complete === 'function';

/** A {@link ModelClient}. */
export const ModelClientSchema = z.custom<ModelClient>(isModelClient, 'expected a ModelClient');

/** Breaker options of one endpoint or tool; the key names it. */
const BreakerOverridesSchema = CircuitBreakerOptionsSchema.omit({ name: true });

/**
 * One model endpoint of a fallback chain with its own call-level resilience; a bare
 * {@link ModelClient} takes every default.
 */
export const ModelEndpointSchema = z.strictObject({
  client: ModelClientSchema,
  /** Budget of one attempt (the call level), in ms. @default the agent's `timeouts.callMs` */
  timeoutMs: TimeoutSchema.optional(),
  /** Retries of this endpoint, or `false` for one attempt. @default {} (3 attempts, see RetryOptionsSchema) */
  retry: z.union([z.literal(false), RetryOptionsSchema]).optional(),
  /** Concurrency limit and queue of this endpoint. @default the agent's `bulkhead` */
  bulkhead: z.union([z.literal(false), BulkheadOptionsSchema.omit({ name: true })]).optional(),
  /** Breaker of this endpoint (key `model:<client.name>`). @default the registry's defaults */
  breaker: BreakerOverridesSchema.optional(),
});
/** What callers pass for one endpoint. */
export type ModelEndpoint = z.input<typeof ModelEndpointSchema>;

/** A model the agent calls by name: a chain of endpoints, tried in order. */
export const ModelDeclarationSchema = z.strictObject({
  /** Endpoints in order of preference: primary → backup → cheaper (LiteLLM `fallbacks`). */
  use: z
    .array(z.union([ModelClientSchema, ModelEndpointSchema]))
    .min(1)
    .max(8),
  /** How long a failing endpoint is skipped, in ms. @default 5_000 (LiteLLM's cooldown) */
  coolDownMs: FallbackOptionsSchema.shape.coolDownMs,
  /** Failure classes after which the next endpoint is tried. @default as FallbackOptionsSchema */
  fallbackOn: FallbackOptionsSchema.shape.fallbackOn,
  /**
   * Zod schema of the structured output: the answer is validated (and asked for as JSON Schema
   * when the request names no format); a rejected answer is sent back with its issues, up to
   * `maxRepairs` times, then the call fails with ERR_INVALID_OUTPUT (`invalid-output`).
   * @default none (the answer is not validated)
   */
  output: z.custom<z.ZodType>(isZodSchema, 'expected a zod schema').optional(),
  /** Checks the schema cannot express, run on a value it accepted. @default [] */
  validators: z
    .array(
      z.custom<SemanticValidator<unknown>>((f) => typeof f === 'function', 'expected a function'),
    )
    .optional(),
  /** Repair requests after the first answer. @default 2 (guardrails-ai's num_reasks) */
  maxRepairs: z.number().int().min(0).max(10).optional(),
});
/** What callers pass for one declared model. */
export type ModelDeclaration = z.input<typeof ModelDeclarationSchema>;

/**
 * What triggers the degraded strategy:
 * - `chain-exhausted`: every endpoint of the model's chain failed or was skipped;
 * - `breaker-open`: the primary endpoint's breaker is open (or isolated) when the call starts;
 * - `budget-low`: what is left of a task budget is at or below `budgetLowRatio` of its limit.
 */
export const DEGRADE_TRIGGERS = ['chain-exhausted', 'breaker-open', 'budget-low'] as const;
/** One of {@link DEGRADE_TRIGGERS}. */
export type DegradeTrigger = (typeof DEGRADE_TRIGGERS)[number];

/** The degraded path an agent declares, and when it is taken. */
export const DegradeOptionsSchema = z.strictObject({
  /** The declared model the degraded path calls (e.g. a cheaper one, or a local one). */
  model: z.string().min(1).max(256),
  /** What triggers the switch. @default ['chain-exhausted'] */
  when: z.array(z.enum(DEGRADE_TRIGGERS)).min(1).default(['chain-exhausted']),
  /**
   * A system message put first on the degraded path: the simpler strategy, e.g. "answer directly
   * in one step, without tools". @default none
   */
  instruction: z.string().min(1).max(4_000).optional(),
  /** `budget-low` fires at or below this share of a limit left. @default 0.2 */
  budgetLowRatio: z.number().gt(0).lt(1).default(0.2),
});
/** What callers pass as `degrade`. */
export type DegradeOptions = z.input<typeof DegradeOptionsSchema>;

/** Per-tool resilience; the rest of a tool's definition is its schema, run, idempotency, verify. */
export const ToolResilienceSchema = z.strictObject({
  /** Budget of one run, in ms. @default the agent's `timeouts.callMs` */
  timeoutMs: TimeoutSchema.optional(),
  /**
   * Retries of a run, or `false`. @default {} when the tool is idempotent, `false` otherwise (a
   * retry could repeat a side effect)
   */
  retry: z.union([z.literal(false), RetryOptionsSchema]).optional(),
  /** Breaker of this tool (key `tool:<name>`). @default the registry's defaults */
  breaker: BreakerOverridesSchema.optional(),
});

/** The resilience part of an agent's configuration, validated by {@link defineAgent}. */
export const AgentResilienceOptionsSchema = z.strictObject({
  /** Declared models by name: a bare client, or a chain with per-endpoint options. @default {} */
  models: z
    .record(z.string().min(1).max(256), z.union([ModelClientSchema, ModelDeclarationSchema]))
    .default({}),
  /** Timeouts at the call and step levels; the task level is the envelope's deadline. */
  timeouts: z
    .strictObject({
      /** One attempt of a model or tool call, in ms. @default 120_000 (anchors §8) */
      callMs: TimeoutSchema.default(120_000),
      /** One effect: every attempt and fallback, in ms. @default 300_000 (anchors §8) */
      stepMs: TimeoutSchema.default(300_000),
    })
    .prefault({}),
  /**
   * Concurrency limit and queue per model endpoint, or `false` for none.
   * @default { maxConcurrent: 25, maxQueue: 100 } (resilience4j's 25, with a queue: an agent
   *   waits for a slot rather than fail)
   */
  bulkhead: z
    .union([z.literal(false), BulkheadOptionsSchema.omit({ name: true })])
    .default({ maxConcurrent: 25, maxQueue: 100 }),
  /** Limits per task (`taskId` of the model effect): tokens, cost, steps. @default none */
  budget: BudgetOptionsSchema.optional(),
  /** The degraded strategy and its trigger. @default none (failures go to the machine) */
  degrade: DegradeOptionsSchema.optional(),
  /**
   * Screening of untrusted messages (`user`, `tool`) before each model call: an InputScreen
   * (`defineAgent` also takes its options and creates it). Blocked input fails the call with ERR_INPUT_BLOCKED (`safety`); sanitised and
   * tool content reaches the model marked untrusted. @default none
   */
  screen: z.instanceof(InputScreen).optional(),
  /**
   * The breakers of models and tools; pass a shared registry (e.g. synced through NATS KV with
   * `syncBreakersWithKv`) so agents and nodes open and close together. @default one per agent
   */
  breakers: z.instanceof(BreakerRegistry).optional(),
});
/** What callers pass (as part of the agent's config). */
export type AgentResilienceOptions = z.input<typeof AgentResilienceOptionsSchema>;
/** The resolved options. */
export type AgentResilienceConfig = z.output<typeof AgentResilienceOptionsSchema>;
