import type { AnyStateMachine } from 'xstate';
import { z } from 'zod';
import {
  parseOptions,
  type ActorContext,
  type ActorTemplate,
  type CheckpointMigration,
  type CheckpointPolicy,
  type MessageEvent,
} from 'agentvisor';
import {
  createEffects,
  type AgentEffects,
  type ApprovalBroker,
  type ToolDefinition,
} from './effects/index.js';
import type { ModelClient } from './models/index.js';

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
  /** Models the agent may call through the `model` effect, by name. @default {} */
  readonly models?: Readonly<Record<string, ModelClient>>;
  /** Tools the agent may call through the `tool` effect, by name. @default {} */
  readonly tools?: Readonly<Record<string, ToolDefinition>>;
  /** Where the `human` effect asks a person. */
  readonly approvals?: ApprovalBroker;
  /** When a durable incarnation checkpoints (used by `spawnDurable` callers and supervisors). */
  readonly checkpoint?: CheckpointPolicy;
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
  /** @internal the type of the machine, for inference only */
  readonly machineType?: TMachine;
}

const isZodSchema = (value: unknown): boolean => value instanceof z.ZodType;

const AgentConfigSchema = z.object({
  name: z.string().min(1).max(256),
  version: z.union([z.number().int().nonnegative(), z.string().min(1).max(64)]),
  description: z.string().max(1000).optional(),
  accepts: z.record(
    z.string().min(1).max(256),
    z.custom<z.ZodType>(isZodSchema, 'expected a zod schema'),
  ),
  models: z
    .record(
      z.string().min(1),
      z.custom<ModelClient>(
        (m) =>
          typeof m === 'object' && m !== null && typeof (m as ModelClient).complete === 'function',
        'expected a ModelClient',
      ),
    )
    .optional(),
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
  parseOptions(
    AgentConfigSchema,
    config,
    `agent ${typeof config.name === 'string' ? config.name : ''}`.trim(),
  );
  const models = config.models ?? {};
  const machine = config.machine;
  return {
    kind: 'agent',
    name: config.name,
    version: config.version,
    description: config.description,
    accepts: config.accepts,
    checkpoint: config.checkpoint,
    migrate: config.migrate,
    createLogic(self: ActorContext) {
      if (typeof machine !== 'function') return machine;
      return machine({
        effects: createEffects(self, {
          models,
          tools: config.tools ?? {},
          approvals: config.approvals,
        }),
        self,
      });
    },
  };
}
