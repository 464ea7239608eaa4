import type { AnyActorLogic } from 'xstate';
import { z } from 'zod';
import { isActorTemplate, type ActorTemplate } from 'agentvisor/internal';
import {
  AUTO_SHUTDOWNS,
  DIRECTIVES,
  FAILURE_CLASSES,
  HUMAN_DECISIONS,
  RESTART_TYPES,
  STRATEGIES,
} from '../failureClasses.js';

/** The offending value as a person reads it: `"sometimes"`, `-1`, `Infinity`, `undefined`. */
function got(value: unknown): string {
  if (typeof value !== 'string' && (typeof value !== 'object' || value === null)) {
    return String(value);
  }
  try {
    return JSON.stringify(value);
  } catch {
    return Object.prototype.toString.call(value); // a cycle
  }
}

/** `expected one of "a" | "b", got "c"`: the message every enum field gives (policy files are read by people). */
function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) =>
      `expected one of ${values.map((v) => JSON.stringify(v)).join(' | ')}, got ${got(issue.input)}`,
  });
}

/** A whole number >= 0 (intensity, capacities). */
const count = z
  .number({ error: (i) => `expected a whole number >= 0, got ${got(i.input)}` })
  .int({ error: (i) => `expected a whole number >= 0, got ${got(i.input)}` })
  .nonnegative({ error: (i) => `expected a whole number >= 0, got ${got(i.input)}` });

// Each check carries its own message: a schema-level `error` would also replace the checks'.
const durationMs = z
  .number({ error: (i) => `expected a number of ms, got ${got(i.input)}` })
  .nonnegative({ error: (i) => `expected a number of ms >= 0, got ${got(i.input)}` });
/**
 * A duration that may be infinite: `Infinity` in TypeScript, `infinity` (or YAML's `.inf`) in
 * files. zod 4's `z.number()` rejects infinite numbers, hence the explicit `Infinity` literal.
 */
const durationOrInfinity = z.union(
  [durationMs, z.literal(Infinity), z.literal('infinity').transform(() => Infinity)],
  { error: (i) => `expected a number of ms or "infinity", got ${got(i.input)}` },
);

/**
 * Backoff between restarts (beyond OTP, which restarts at once): the runtime's backoff family in
 * its `proportional` mode (`minMs` → `initialDelayMs`, `maxMs` → `maxDelayMs`, `jitter` → the
 * ratio; supervisors/backoff.ts maps it).
 */
export const BackoffSchema = z
  .strictObject({
    /** First delay. @default 0 (restart at once, as OTP) */
    minMs: durationMs.default(0),
    /** Cap on any delay. @default 30_000 */
    maxMs: durationMs.default(30_000),
    /** Growth per consecutive restart. @default 2 */
    factor: z
      .number({ error: (i) => `expected a number >= 1, got ${got(i.input)}` })
      .min(1, { error: (i) => `expected a number >= 1, got ${got(i.input)}` })
      .default(2),
    /** Random extra fraction of each delay, 0 to 1 (never past `maxMs`). @default 0.2 */
    jitter: z
      .number({ error: (i) => `expected a number from 0 to 1, got ${got(i.input)}` })
      .min(0, { error: (i) => `expected a number from 0 to 1, got ${got(i.input)}` })
      .max(1, { error: (i) => `expected a number from 0 to 1, got ${got(i.input)}` })
      .default(0.2),
    /** Running this long without failing resets the delay to `minMs`. @default 30_000 */
    resetAfterMs: durationMs.default(30_000),
  })
  .refine((b) => b.maxMs >= b.minMs, {
    path: ['maxMs'],
    error: (i) => {
      const b = i.input as { minMs: number; maxMs: number };
      return `must be >= minMs (${got(b.minMs)}), got ${got(b.maxMs)}`;
    },
  });

/** Failure class → directive; `default` covers the classes not listed. */
export const DecisionTableSchema = z.strictObject(
  Object.fromEntries(
    [...FAILURE_CLASSES, 'default'].map((c) => [c, oneOf(DIRECTIVES).optional()]),
  ) as Record<
    (typeof FAILURE_CLASSES)[number] | 'default',
    z.ZodOptional<ReturnType<typeof oneOf<typeof DIRECTIVES>>>
  >,
);

/** What happens when an escalation to a human gets no decision. */
export const HumanPolicySchema = z.strictObject({
  /** Time a person has to decide. @default 900_000 (15 min) */
  deadlineMs: durationMs.default(900_000),
  /** The decision applied (and recorded) when the deadline passes. @default 'stop' */
  default: oneOf(HUMAN_DECISIONS).default('stop'),
});

/** An agent or XState logic given directly (TypeScript only). */
const startable = z.custom<ActorTemplate | AnyActorLogic>(
  (v) => isActorTemplate(v) || (typeof v === 'object' && v !== null && 'transition' in v),
  'expected an agent definition or XState logic',
);

const idSchema = z
  .string({ error: (i) => `expected a string id, got ${got(i.input)}` })
  .min(1, { error: 'expected a non-empty id' })
  .max(200, { error: 'expected an id of at most 200 characters' });

/** Fields every child spec has (OTP child spec, plus agent-specific ones). */
const childCommon = {
  /** Unique among its siblings. */
  id: idSchema,
  /** @default 'permanent' */
  restart: oneOf(RESTART_TYPES).default('permanent'),
  /** Significant children trigger auto shutdown when they end by themselves. @default false */
  significant: z.boolean().default(false),
};

/** A worker: an agent (by registry name in files; an object in TypeScript). */
export const WorkerSpecSchema = z.strictObject({
  ...childCommon,
  /** @default 'worker' */
  type: z
    .literal('worker', {
      error: (i) => `expected one of "worker" | "supervisor", got ${got(i.input)}`,
    })
    .default('worker'),
  /** The agent to run: its name in the agent registry, or (TypeScript) the definition itself. */
  agent: z.union([z.string().min(1), startable], {
    error: (i) => `expected an agent name or an agent definition, got ${got(i.input)}`,
  }),
  /** Actor name to spawn under. @default the id */
  name: z.string().min(1).max(512).optional(),
  /** Input of the machine. */
  input: z.unknown().optional(),
  /** Graceful stop allowance before a forced stop. @default 5000 */
  shutdownMs: durationOrInfinity.default(5_000),
  /** Restart from the last checkpoint or from the initial state. @default 'checkpoint' */
  restartFrom: oneOf(['checkpoint', 'fresh'] as const).default('checkpoint'),
});

/** Supervisor flags (OTP `sup_flags`, plus agent-specific policy). */
const supervisorFlags = {
  /** @default 'one-for-one' */
  strategy: oneOf(STRATEGIES).default('one-for-one'),
  /** Restarts allowed within `periodMs` (more gives up). @default 1 (OTP) */
  intensity: count.default(1),
  /** @default 5000 (OTP) */
  periodMs: z
    .number({ error: (i) => `expected a number of ms > 0, got ${got(i.input)}` })
    .positive({ error: (i) => `expected a number of ms > 0, got ${got(i.input)}` })
    .default(5_000),
  /** @default 'never' (OTP) */
  autoShutdown: oneOf(AUTO_SHUTDOWNS).default('never'),
  /** Backoff between restarts; absent = restart at once (OTP). */
  backoff: BackoffSchema.optional(),
  /** Failure class → directive, over the defaults. */
  onFailure: DecisionTableSchema.prefault({}),
  /** Escalations to a human. */
  human: HumanPolicySchema.prefault({}),
  /** Messages held per child while it restarts or waits for a human. @default 1000 (Pekko's stash) */
  holdCapacity: count.default(1_000),
};

/** Input shape of a supervisor spec (recursive through `children`). */
export interface SupervisorSpecInput {
  id: string;
  type?: 'supervisor';
  restart?: (typeof RESTART_TYPES)[number];
  significant?: boolean;
  shutdownMs?: number | 'infinity';
  strategy?: (typeof STRATEGIES)[number];
  intensity?: number;
  periodMs?: number;
  autoShutdown?: (typeof AUTO_SHUTDOWNS)[number];
  backoff?: z.input<typeof BackoffSchema>;
  onFailure?: z.input<typeof DecisionTableSchema>;
  human?: z.input<typeof HumanPolicySchema>;
  holdCapacity?: number;
  children?: ChildSpecInput[];
}

/** Input shape of a child spec. */
export type ChildSpecInput = z.input<typeof WorkerSpecSchema> | SupervisorSpecInput;

/** A resolved worker spec. */
export type WorkerSpec = z.output<typeof WorkerSpecSchema>;

/** A resolved supervisor spec. */
export interface SupervisorSpec {
  id: string;
  type: 'supervisor';
  restart: (typeof RESTART_TYPES)[number];
  significant: boolean;
  shutdownMs: number;
  strategy: (typeof STRATEGIES)[number];
  intensity: number;
  periodMs: number;
  autoShutdown: (typeof AUTO_SHUTDOWNS)[number];
  backoff?: z.output<typeof BackoffSchema> | undefined;
  onFailure: z.output<typeof DecisionTableSchema>;
  human: z.output<typeof HumanPolicySchema>;
  holdCapacity: number;
  children: ChildSpec[];
}

/** A resolved child spec. */
export type ChildSpec = WorkerSpec | SupervisorSpec;

/** A supervisor (root or nested). `children` is recursive. */
export const SupervisorSpecSchema: z.ZodType<SupervisorSpec, SupervisorSpecInput> = z
  .strictObject({
    ...childCommon,
    type: z.literal('supervisor').default('supervisor'),
    /** Supervisors wait for their subtree: @default Infinity (OTP) */
    shutdownMs: durationOrInfinity.default(Infinity),
    ...supervisorFlags,
    get children(): z.ZodDefault<z.ZodArray<typeof ChildSpecSchema>> {
      return z.array(ChildSpecSchema).default([]);
    },
  })
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.children.forEach((child, i) => {
      if (seen.has(child.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['children', i, 'id'],
          message: `duplicate id ${JSON.stringify(child.id)}`,
          input: child.id,
        });
      }
      seen.add(child.id);
      // OTP: significant is invalid for permanent children, and with auto_shutdown never.
      if (child.significant && child.restart === 'permanent') {
        ctx.addIssue({
          code: 'custom',
          path: ['children', i, 'significant'],
          message: 'a permanent child cannot be significant',
          input: true,
        });
      }
      if (child.significant && spec.autoShutdown === 'never') {
        ctx.addIssue({
          code: 'custom',
          path: ['children', i, 'significant'],
          message: 'significant children need autoShutdown "any-significant" or "all-significant"',
          input: true,
        });
      }
    });
    if (spec.strategy === 'dynamic' && spec.children.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['children'],
        message: `strategy "dynamic" takes exactly one child spec (the template), got ${spec.children.length}`,
        input: spec.children.length,
      });
    }
  }) as unknown as z.ZodType<SupervisorSpec, SupervisorSpecInput>;

/**
 * A child: a worker or a nested supervisor, chosen by `type` (default worker). Chosen before
 * validating, not by a union, so each error names the exact field (`children[2].restart`) rather
 * than "no union member matched".
 */
export const ChildSpecSchema: z.ZodType<ChildSpec, ChildSpecInput> = z.lazy(() =>
  z.unknown().transform((value, ctx) => {
    const isSupervisor =
      typeof value === 'object' &&
      value !== null &&
      (value as { type?: unknown }).type === 'supervisor';
    const result = (isSupervisor ? SupervisorSpecSchema : WorkerSpecSchema).safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      ctx.addIssue({
        code: 'custom',
        message: issue.message,
        path: issue.path,
        input: issue.input,
      });
    }
    return z.NEVER;
  }),
) as unknown as z.ZodType<ChildSpec, ChildSpecInput>;

/** A policy file: the tree and its namespace. */
export const PolicySchema = z
  .strictObject({
    /** Namespace of the actor system. @default 'default' */
    namespace: z.string().min(1).max(64).default('default'),
    root: SupervisorSpecSchema,
  })
  .superRefine((policy, ctx) => {
    checkActorNames(policy.root, ctx);
  });

/** Where an actor name is used: the path of the field that gives it, and its parent's path. */
interface NameUse {
  readonly path: (string | number)[];
  readonly parent: string;
}

/**
 * Every supervisor and worker of a tree runs as an actor named by its id (a worker: its `name`,
 * else its id), so one name at two places would run both under one actor. Siblings with the same
 * id are already refused by their supervisor; this refuses the rest, with an issue at each path.
 * A dynamic supervisor's template is not an actor (its instances are named when started).
 */
function checkActorNames(root: SupervisorSpec, ctx: z.RefinementCtx): void {
  const seen = new Map<string, NameUse>();
  const reported = new Set<string>();
  const use = (name: string, here: NameUse) => {
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, here);
      return;
    }
    const siblings =
      first.parent === here.parent && first.path.at(-1) === 'id' && here.path.at(-1) === 'id';
    if (siblings) return;
    for (const [at, other] of [
      [first, here],
      [here, first],
    ] as const) {
      const key = pathText(at.path);
      if (reported.has(key)) continue;
      reported.add(key);
      ctx.addIssue({
        code: 'custom',
        path: at.path,
        message: `actor name ${JSON.stringify(name)} is also used at ${pathText(other.path.slice(0, -1))}`,
        input: name,
      });
    }
  };
  const walk = (spec: SupervisorSpec, path: (string | number)[]) => {
    use(spec.id, { path: [...path, 'id'], parent: pathText(path.slice(0, -2)) });
    if (spec.strategy === 'dynamic') return;
    spec.children.forEach((child, i) => {
      const at = [...path, 'children', i];
      if (child.type === 'supervisor') walk(child, at);
      else if (child.name !== undefined)
        use(child.name, { path: [...at, 'name'], parent: pathText(path) });
      else use(child.id, { path: [...at, 'id'], parent: pathText(path) });
    });
  };
  walk(root, ['root']);
}

/** `root.children[1].id` for `['root', 'children', 1, 'id']`. */
function pathText(path: readonly (string | number)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** What a policy file or object contains. */
export type PolicyInput = z.input<typeof PolicySchema>;
/** A validated policy. */
export type Policy = z.output<typeof PolicySchema>;
