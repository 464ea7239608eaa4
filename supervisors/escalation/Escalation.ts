import { z } from 'zod';
import { EnvelopeSchema, type Envelope, type WireError } from 'agentvisor/internal';
import {
  FAILURE_CLASSES,
  HUMAN_DECISIONS,
  type FailureClass,
  type HumanDecisionType,
} from '../failureClasses.js';

// --- types ---

/**
 * What a person decided about an escalation (see {@link HUMAN_DECISIONS}), with its payload:
 * - `retry`: restore the last good state and deliver the failed message again;
 * - `resume`: restore the last good state, with `context` merged into the restored context;
 * - `skip`: as resume, and answer the failed message with `result` (what the step should have
 *   produced);
 * - `restart-fresh`: start from the initial state;
 * - `stop`: stop the child for good.
 */
export type HumanDecision =
  | { readonly type: 'retry' }
  | { readonly type: 'resume'; readonly context?: Readonly<Record<string, unknown>> }
  | { readonly type: 'skip'; readonly result: unknown }
  | { readonly type: 'restart-fresh' }
  | { readonly type: 'stop' };

/** Where the child's state would be restored from: an in-memory snapshot or a stored checkpoint. */
export type EscalationCheckpoint =
  | { readonly kind: 'last-good-snapshot'; readonly snapshot: unknown }
  | { readonly kind: 'checkpoint'; readonly ref: string };

/** The parked child an escalation is about. */
export interface EscalationChild {
  /** Child id in its supervisor. */
  readonly id: string;
  /** Actor name it runs under. */
  readonly name: string;
  /** The incarnation that failed. */
  readonly incarnation: number;
  /** The child spec as data (see {@link specAsData}): functions and agents are described, not kept. */
  readonly spec: unknown;
}

/** How an escalation was closed. */
export interface EscalationResolution {
  readonly decision: HumanDecision;
  /** `human` through `resolve`; `deadline` when the default was applied at `dueAt`. */
  readonly decidedBy: 'human' | 'deadline';
  /** Who decided (a user name, from the API or CLI). */
  readonly by?: string;
  /** Why, in the decider's words. */
  readonly note?: string;
  /** Wall time of the decision, epoch ms. */
  readonly decidedAt: number;
}

/** The context of an escalation: everything a person needs to decide, as given by the supervisor. */
export interface EscalationFacts {
  /** Id of the supervisor that parked the child. */
  readonly supervisor: string;
  readonly child: EscalationChild;
  readonly failureClass: FailureClass;
  /** The failure and its causes, outermost first. */
  readonly errorChain: readonly WireError[];
  /**
   * Wall ms (epoch) of the supervisor's recent restarts (the intensity window), newest first:
   * meaningful in another process and after a restart, unlike the monotonic window itself.
   */
  readonly restartHistory: readonly number[];
  /** What a retry or resume would restore, when there is anything. */
  readonly lastCheckpoint: EscalationCheckpoint | undefined;
  /** The child's most recent messages, oldest first (the caller caps how many). */
  readonly lastMessages: readonly Envelope[];
  /** The message being processed when the child failed, when known. */
  readonly failedMessage?: Envelope;
  /** Applied and recorded when nobody decides by `dueAt` (the policy's `human.default`). */
  readonly defaultDecision: HumanDecisionType;
}

/** Fields every escalation record has, open or resolved. */
interface EscalationHeader extends EscalationFacts {
  /** Record format version. */
  readonly v: 1;
  readonly id: string;
  /** Wall time the escalation was opened, epoch ms. */
  readonly raisedAt: number;
  /**
   * Wall time at which the default decision applies, epoch ms. `Infinity` means never; JSON has no
   * Infinity and writes `null`, which {@link EscalationSchema} reads back as `Infinity`.
   */
  readonly dueAt: number;
}

/** An escalation waiting for a decision. */
export interface OpenEscalation extends EscalationHeader {
  readonly status: 'open';
  readonly resolution?: undefined;
}

/** An escalation that has been decided (by a person or by its deadline). */
export interface ResolvedEscalation extends EscalationHeader {
  readonly status: 'resolved';
  readonly resolution: EscalationResolution;
}

/**
 * The record of an escalation to a human: JSON-safe data, so it can be stored, listed by the API
 * and shown by the dashboard. Discriminated on `status`.
 */
export type Escalation = OpenEscalation | ResolvedEscalation;

/** One of an escalation's states. */
export type EscalationStatus = Escalation['status'];

// --- schemas ---

const humanDecisionTypes = HUMAN_DECISIONS.map((d) => JSON.stringify(d)).join(' | ');

/** Both decision schemas; the record's accepts a skip without result (a deadline's default). */
function decisionSchema(resultRequired: boolean) {
  const result = resultRequired
    ? z.unknown().refine((r) => r !== undefined, 'expected a `result` for skip (null for none)')
    : z.unknown();
  return z.discriminatedUnion(
    'type',
    [
      z.strictObject({ type: z.literal('retry') }),
      z.strictObject({
        type: z.literal('resume'),
        context: z.record(z.string(), z.unknown()).exactOptional(),
      }),
      z.strictObject({
        type: z.literal('skip'),
        // JSON drops `result: undefined`, so a recorded default skip comes back without the key.
        result: resultRequired ? result : result.optional().transform((r): unknown => r),
      }),
      z.strictObject({ type: z.literal('restart-fresh') }),
      z.strictObject({ type: z.literal('stop') }),
    ],
    {
      error: (issue) =>
        `expected \`type\` one of ${humanDecisionTypes}, got ${describeType(issue.input)}`,
    },
  );
}

function describeType(input: unknown): string {
  if (typeof input !== 'object' || input === null)
    return `a ${input === null ? 'null' : typeof input}`;
  // JSON.stringify returns undefined for undefined (no `type` key).
  const json = JSON.stringify((input as { type?: unknown }).type) as string | undefined;
  return json ?? 'no type';
}

/**
 * A decision coming from outside (HTTP API, CLI, a TypeScript caller): strict, and a `skip` must
 * carry a `result` (`null` when there is none to give).
 */
export const HumanDecisionSchema: z.ZodType<HumanDecision> = decisionSchema(true);

/** A wire error, its causes nested. */
const WireErrorSchema: z.ZodType<WireError> = z.strictObject({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).exactOptional(),
  get cause(): z.ZodExactOptional<z.ZodType<WireError>> {
    return WireErrorSchema.exactOptional();
  },
});

/** An envelope as recorded: JSON drops a `payload` that was undefined. */
const RecordedEnvelopeSchema = EnvelopeSchema.extend({
  payload: z
    .unknown()
    .optional()
    .transform((p): unknown => p),
});

const CheckpointSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('last-good-snapshot'), snapshot: z.unknown() }),
  z.strictObject({ kind: z.literal('checkpoint'), ref: z.string() }),
]);

const epochMs = z.number().int().nonnegative();

const header = {
  v: z.literal(1),
  id: z.string().min(1),
  supervisor: z.string(),
  child: z.strictObject({
    id: z.string(),
    name: z.string(),
    incarnation: z.number().int().nonnegative(),
    spec: z.unknown(),
  }),
  failureClass: z.enum(FAILURE_CLASSES),
  errorChain: z.array(WireErrorSchema),
  restartHistory: z.array(z.number()),
  // A required key that may hold undefined (JSON drops it): optional input, required output.
  lastCheckpoint: CheckpointSchema.optional().transform((c) => c),
  lastMessages: z.array(RecordedEnvelopeSchema),
  failedMessage: RecordedEnvelopeSchema.exactOptional(),
  raisedAt: epochMs,
  // Infinity (no deadline) is `null` after JSON.
  dueAt: z.union([epochMs, z.literal(Infinity), z.null().transform(() => Infinity)]),
  defaultDecision: z.enum(HUMAN_DECISIONS),
};

const ResolutionSchema = z.strictObject({
  decision: decisionSchema(false),
  decidedBy: z.enum(['human', 'deadline']),
  by: z.string().exactOptional(),
  note: z.string().exactOptional(),
  decidedAt: epochMs,
});

/**
 * An escalation record read back from a store (or any outside source): every record a store
 * returns passes it, so a corrupt or foreign record is caught at the boundary.
 */
export const EscalationSchema: z.ZodType<Escalation> = z.discriminatedUnion('status', [
  z.strictObject({ ...header, status: z.literal('open') }),
  z.strictObject({ ...header, status: z.literal('resolved'), resolution: ResolutionSchema }),
]);
