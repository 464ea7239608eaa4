import type { AnyStateMachine } from 'xstate';
import { z } from 'zod';
import {
  CheckpointPolicySchema,
  ErrorCode,
  RuntimeError,
  parseOptions,
  type ActorContext,
  type Clock,
  type Disposable,
  type ActorTemplate,
  type CheckpointMigration,
  type CheckpointPolicy,
  type MessageEvent,
} from 'agentvisor/internal';
import {
  createEffects,
  type AgentEffects,
  type ApprovalBroker,
  type ToolDefinition,
} from './effects/index.js';
import {
  AgentResilience,
  AgentResilienceOptionsSchema,
  ResilienceEvents,
  ToolResilienceSchema,
  type AgentResilienceOptions,
  type ResilienceEvent,
} from './resilience/index.js';
import { InputScreen, createInputScreen, type InputScreenOptions } from './guards/index.js';
import { isZodSchema } from './internal/isZodSchema.js';
import { watchAgentTasks, type TaskEvaluator } from './internal/AgentTasks.js';
import { TaskMetrics } from './internal/TaskMetrics.js';

/** Payload schemas of the messages an agent accepts, by message type. */
export type Accepts = Readonly<Record<string, z.ZodType>>;

/** The events an agent's machine receives for its `accepts`: one envelope type per message type. */
export type AgentEvents<TAccepts extends Accepts> = {
  [K in keyof TAccepts & string]: MessageEvent<K, z.output<TAccepts[K]>>;
}[keyof TAccepts & string];

/** What the machine factory of an agent receives, once per incarnation. */
export interface AgentBuildContext {
  /** Effects to register in `setup({ actors })` and invoke by name: `ask`, `model`. */
  readonly effects: AgentEffects;
  /** The hosting actor: name, incarnation, logger, tell and ask as this agent. */
  readonly self: ActorContext;
}

/** What {@link defineAgent} takes. */
export interface AgentConfig<TAccepts extends Accepts, TMachine extends AnyStateMachine> {
  /** Agent name (the default actor name). */
  readonly name: string;
  /** Machine version; checkpoints record it. */
  readonly version: number | string;
  /** One line on what the agent does. */
  readonly description?: string;
  /** Payload schema of each message type the agent accepts; anything else never reaches it. */
  readonly accepts: TAccepts;
  /**
   * Models the agent may call through the `model` effect, by name: a client, or a fallback chain
   * `{ use: [primary, backup, cheaper], coolDownMs }` whose endpoints may set `timeoutMs`,
   * `retry`, `bulkhead` and `breaker`. @default {}
   */
  readonly models?: AgentResilienceOptions['models'];
  /** Tools the agent may call through the `tool` effect, by name. @default {} */
  readonly tools?: Readonly<Record<string, ToolDefinition>>;
  /** Call and step timeouts (the task's is the envelope's deadline). @default { callMs: 120_000, stepMs: 300_000 } */
  readonly timeouts?: AgentResilienceOptions['timeouts'];
  /** Concurrency limit and queue per model endpoint. @default { maxConcurrent: 25, maxQueue: 100 } */
  readonly bulkhead?: AgentResilienceOptions['bulkhead'];
  /** Limits per task: tokens, cost, steps (failure class `budget`). @default none */
  readonly budget?: AgentResilienceOptions['budget'];
  /** The degraded strategy: which model, on which triggers, with which instruction. @default none */
  readonly degrade?: AgentResilienceOptions['degrade'];
  /**
   * Prompt-injection screening of `user` and `tool` messages before each model call: an
   * InputScreen or its options (see createInputScreen). @default none
   */
  readonly screen?: InputScreen | InputScreenOptions;
  /** Breakers of models and tools (share one registry across agents and nodes). @default one per agent */
  readonly breakers?: AgentResilienceOptions['breakers'];
  /** Numbers in `[0, 1)` for retry jitter; a seeded one makes runs reproducible. @default Math.random */
  readonly random?: () => number;
  /** Where the `human` effect asks a person. */
  readonly approvals?: ApprovalBroker;
  /**
   * Tools that may run only after a person approved (a `human` effect decided `approve` earlier in
   * the same task): `true` for every non-idempotent tool, or their names. Checked before deploy
   * by `checkAgent` (`agentvisor verify`). @default false
   */
  readonly requiresApproval?: boolean | readonly string[];
  /** When a durable incarnation checkpoints (used by `spawnDurable` callers and supervisors). */
  readonly checkpoint?: CheckpointPolicy;
  /**
   * Grades each finished task (an ask, once answered): `{ name, score, label?, expected? }`, the
   * shape of OTel's `gen_ai.evaluation.result`. Exported as `agentvisor_quality_score` and, over
   * labelled results (`label` and `expected`), rolling accuracy, precision, recall and F1
   * gauges. Runs live only (never on a journal replay); a throw is logged and dropped. @default none
   */
  readonly evaluate?: TaskEvaluator;
  /** Migrates checkpoints written by other versions of the machine. */
  readonly migrate?: CheckpointMigration;
  /** The machine, or a factory that builds it from the effects of each incarnation. */
  readonly machine: TMachine | ((context: AgentBuildContext) => TMachine);
}

/** An agent: an XState machine, the schemas of the messages it accepts and a version. */
export interface AgentDefinition<
  TAccepts extends Accepts = Accepts,
  TMachine extends AnyStateMachine = AnyStateMachine,
> extends ActorTemplate {
  readonly kind: 'agent';
  readonly name: string;
  readonly version: number | string;
  readonly description: string | undefined;
  readonly accepts: TAccepts;
  /** Checkpoint policy of durable incarnations. */
  readonly checkpoint: CheckpointPolicy | undefined;
  /** Migration of checkpoints from other machine versions. */
  readonly migrate: CheckpointMigration | undefined;
  /** `timeouts.stepMs`: a cluster node reports an incarnation owing work this long without a transition `stuck`. */
  readonly stepMs?: number;
  /** `timeouts.callMs`: the longest one model or tool call may take. */
  readonly callMs?: number;
  /** The agent's tools, by name. */
  readonly tools?: Readonly<Record<string, ToolDefinition>>;
  /** The tools that need a person's approval first (`requiresApproval` resolved to names). */
  readonly requiresApproval?: readonly string[];
  /**
   * Reports retries, fallbacks, breaker changes, withheld tools, degradations and budget
   * overruns of every incarnation (also logged by the incarnation's logger).
   */
  onResilienceEvent(listener: (event: ResilienceEvent) => void): Disposable;
  /**
   * The resilience state on `clock` (breakers, chains, budgets), shared by every incarnation on
   * that clock; built on first use.
   */
  resilience(clock: Clock): AgentResilience;
  /** @internal the type of the machine, for inference only */
  readonly machineType?: TMachine;
}

// Strict: a misspelt key (`timeout` for `timeouts`) is an error naming it, not a silent default.
const AgentConfigSchema = z.strictObject({
  name: z.string().min(1).max(256),
  version: z.union([z.number().int().nonnegative(), z.string().min(1).max(64)]),
  description: z.string().max(1000).optional(),
  accepts: z.record(
    z.string().min(1).max(256),
    z.custom<z.ZodType>(isZodSchema, 'expected a zod schema'),
  ),
  tools: z
    .record(
      z.string().min(1).max(256),
      z.looseObject({
        input: z.custom<z.ZodType>(isZodSchema, 'expected a zod schema'),
        run: z.custom<unknown>((f) => typeof f === 'function', 'expected a function'),
        idempotent: z.boolean().optional(),
        resilience: z.unknown().optional(),
      }),
    )
    .optional(),
  random: z.custom<unknown>((f) => typeof f === 'function', 'expected a function').optional(),
  approvals: z
    .custom<unknown>(
      (b) =>
        typeof b === 'object' &&
        b !== null &&
        typeof (b as { request?: unknown }).request === 'function',
      'expected an approval broker (createApprovalBroker)',
    )
    .optional(),
  requiresApproval: z.union([z.boolean(), z.array(z.string().min(1).max(256))]).optional(),
  checkpoint: CheckpointPolicySchema.optional(),
  evaluate: z.custom<unknown>((f) => typeof f === 'function', 'expected a function').optional(),
  migrate: z.custom<unknown>((f) => typeof f === 'function', 'expected a function').optional(),
  machine: z.custom<unknown>(
    (m) => typeof m === 'function' || (typeof m === 'object' && m !== null && 'transition' in m),
    'expected an XState machine or a function that returns one',
  ),
});

/**
 * Defines an agent: an XState v5 machine, the zod schema of each message type it accepts, and
 * a version. Messages that fail their schema never reach the machine. The machine receives each
 * message as an event that is its envelope: `event.type`, `event.payload`, `event.id`.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS naming the bad field.
 * @example
 * const echo = defineAgent({
 *   name: 'echo', version: 1,
 *   accepts: { 'echo.say': z.object({ text: z.string() }) },
 *   machine: setup({}).createMachine({ on: { 'echo.say': { actions: respond(({ event }) => event.payload) } } }),
 * });
 * system.spawn('echo', echo);
 */
export function defineAgent<TAccepts extends Accepts, TMachine extends AnyStateMachine>(
  config: AgentConfig<TAccepts, TMachine>,
): AgentDefinition<TAccepts, TMachine> {
  const label = `agent ${typeof config.name === 'string' ? config.name : ''}`.trim();
  const { resilienceOptions, rest } = splitResilience(config);
  parseOptions(AgentConfigSchema, rest, label);
  const resilienceConfig = parseOptions(AgentResilienceOptionsSchema, resilienceOptions, label);
  const tools = config.tools ?? {};
  const degrade = resilienceConfig.degrade;
  if (degrade !== undefined && !(degrade.model in resilienceConfig.models)) {
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `${label}: degrade.model ${degrade.model} is not a declared model`,
      {
        details: {
          issues: [{ path: 'degrade.model', message: `not one of the declared models` }],
          declared: Object.keys(resilienceConfig.models),
        },
      },
    );
  }
  for (const [name, tool] of Object.entries(tools)) {
    if (tool.resilience !== undefined) {
      parseOptions(ToolResilienceSchema, tool.resilience, `${label} tool ${name}`);
    }
  }
  const machine = config.machine;
  const events = new ResilienceEvents();
  // One resilience state per clock: breakers, cool-downs and budgets outlive incarnations.
  const byClock = new WeakMap<Clock, AgentResilience>();
  const resilienceOn = (clock: Clock): AgentResilience => {
    let built = byClock.get(clock);
    if (built === undefined) {
      built = new AgentResilience(resilienceConfig, tools, {
        clock,
        random: config.random,
        agent: config.name,
      });
      built.onEvent((e) => {
        events.emit(e);
      });
      byClock.set(clock, built);
    }
    return built;
  };
  return {
    kind: 'agent',
    name: config.name,
    version: config.version,
    description: config.description,
    accepts: config.accepts,
    checkpoint: config.checkpoint,
    migrate: config.migrate,
    stepMs: resilienceConfig.timeouts.stepMs,
    callMs: resilienceConfig.timeouts.callMs,
    tools,
    requiresApproval: approvalTools(config.requiresApproval, tools, label),
    onResilienceEvent: (listener) => events.add(listener),
    resilience: resilienceOn,
    attach(actor, self, replaying) {
      watchAgentTasks(actor, replaying, {
        agent: config.name,
        accepts: config.accepts,
        clock: self.clock,
        logger: self.logger,
        metrics: TaskMetrics.of(self.metrics),
        evaluate: config.evaluate,
      });
    },
    createLogic(self: ActorContext) {
      if (typeof machine !== 'function') return machine;
      const resilience = resilienceOn(self.clock);
      resilience.logger = self.logger;
      resilience.watchBreakers(self.metrics);
      return machine({
        effects: createEffects(self, { resilience, tools, approvals: config.approvals }),
        self,
      });
    },
  };
}

/** `requiresApproval` as tool names; a name that is not a declared tool is refused. */
function approvalTools(
  requires: boolean | readonly string[] | undefined,
  tools: Readonly<Record<string, ToolDefinition>>,
  label: string,
): readonly string[] {
  if (requires === undefined || requires === false) return [];
  if (requires === true) {
    return Object.entries(tools)
      .filter(([, tool]) => tool.idempotent !== true)
      .map(([name]) => name);
  }
  const unknown = requires.filter((name) => !(name in tools));
  if (unknown.length > 0) {
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `${label}: requiresApproval names ${unknown.join(', ')}, not declared tools`,
      {
        details: {
          issues: unknown.map((name) => ({
            path: 'requiresApproval',
            message: `${name} is not a declared tool`,
          })),
          declared: Object.keys(tools),
        },
      },
    );
  }
  return requires;
}

const RESILIENCE_KEYS = [
  'models',
  'timeouts',
  'bulkhead',
  'budget',
  'degrade',
  'breakers',
  'screen',
] as const;

/** The resilience fields of a config (validated by their own schema) and the rest. */
function splitResilience(config: object): {
  resilienceOptions: Record<string, unknown>;
  rest: Record<string, unknown>;
} {
  const resilienceOptions: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if ((RESILIENCE_KEYS as readonly string[]).includes(key)) {
      if (value === undefined) continue;
      // Screening options make the screen here (createInputScreen validates them).
      resilienceOptions[key] =
        key === 'screen' && !(value instanceof InputScreen)
          ? createInputScreen(value as InputScreenOptions)
          : value;
    } else rest[key] = value;
  }
  return { resilienceOptions, rest };
}
