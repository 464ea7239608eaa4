import type { AnyActorLogic } from 'xstate';
import { parseOptions } from '../../errors/index.js';
import type { Persister } from '../../persistence/index.js';
import type { Logger } from '../../telemetry/index.js';
import { ActorCell, type CellHost } from '../ActorCell.js';
import { actorKindOf } from './MessageMetrics.js';
import { isActorTemplate, type ActorContext, type ActorTemplate } from '../ActorTemplate.js';
import type { CellRouter } from './CellRouter.js';
import type { HoldBuffers } from './HoldBuffers.js';
import {
  ActorSystemOptionsSchema,
  type ActorSystemConfig,
  type SpawnOptions,
} from './systemOptions.js';
import type { ActorRef } from './systemRefs.js';

/** What spawning needs of its system: its settings, its table of cells and its router. */
export interface SpawnHost {
  readonly config: ActorSystemConfig;
  readonly logger: Logger;
  readonly cellHost: CellHost;
  /** The cell of each hosted name, in spawn order. */
  readonly cells: Map<string, ActorCell>;
  /** The last incarnation number of each name ever spawned. */
  readonly incarnations: Map<string, number>;
  readonly holds: HoldBuffers;
  readonly router: CellRouter;
  context(
    name: string,
    incarnation: number,
    logger: Logger,
    persistence: Persister | undefined,
  ): ActorContext;
  ref(name: string): ActorRef;
}

/**
 * Starts the next incarnation of `name` in a new cell (the caller checked the name): subscribes
 * its subject, enqueues `prepend` first, then, for an actor that is not durable, the messages
 * held for it. A durable actor's held messages wait until its journal is replayed.
 */
export function spawnCell(
  host: SpawnHost,
  name: string,
  logic: AnyActorLogic | ActorTemplate,
  options: SpawnOptions,
  persistence: Persister | undefined,
): ActorRef {
  const mailbox = parseOptions(
    ActorSystemOptionsSchema.shape.mailbox,
    { ...host.config.mailbox, ...options.mailbox },
    'mailbox',
  );
  const incarnation = (host.incarnations.get(name) ?? 0) + 1;
  host.incarnations.set(name, incarnation);
  const logger = host.logger.child({ actor: name, incarnation });
  const template = isActorTemplate(logic) ? logic : undefined;
  const context = host.context(name, incarnation, logger, persistence);
  const built = template === undefined ? (logic as AnyActorLogic) : template.createLogic(context);
  const cell = new ActorCell(host.cellHost, {
    name,
    kind: actorKindOf(template?.name, built as { id?: unknown }),
    subject: host.router.subject(name),
    incarnation,
    logic: built,
    accepts: template?.accepts,
    capacity: mailbox.capacity,
    overflow: mailbox.overflow,
    input: options.input,
    snapshot: options.snapshot,
    logger,
    recentCapacity: options.recentMessages ?? 10,
    persistence,
    attach:
      template?.attach === undefined
        ? undefined
        : (actor, replaying) => {
            template.attach?.(actor, context, replaying);
          },
  });
  host.holds.setOnFailure(name, options.holdOnFailure?.capacity);
  host.cells.set(name, cell);
  host.router.ensureSubscription(name);
  logger.debug({ version: template?.version }, 'spawned');
  cell.start();
  // Messages held while the name had no live incarnation go first, in arrival order.
  if (options.prepend !== undefined) for (const envelope of options.prepend) cell.enqueue(envelope);
  // A durable actor replays its journal first; its held messages follow the replay.
  if (persistence === undefined) host.holds.release(name, cell);
  return host.ref(name);
}
