import type { AnyActorLogic } from 'xstate';
import type { Clock } from '../../clock/index.js';
import { Persister, type PersistenceOptions, type Recovered } from '../../persistence/index.js';
import { isActorTemplate, type ActorTemplate } from '../ActorTemplate.js';
import type { MetricsRegistry } from '../../telemetry/index.js';
import { actorKindOf } from './MessageMetrics.js';
import { probeRestore } from './probeRestore.js';
import { spawnCell, type SpawnHost } from './spawnCell.js';
import type { SpawnOptions } from './systemOptions.js';
import type { ActorRef } from './systemRefs.js';

/** What a durable spawn needs beyond {@link SpawnHost}. */
export interface DurableSpawnHost extends SpawnHost {
  readonly clock: Clock;
  /** Where persistence timings are counted (the system's registry). */
  readonly metrics: MetricsRegistry;
  /** The persister of each durable name's latest incarnation. */
  readonly persisters: Map<string, Persister>;
  /** Names ever spawned durable (from the start of their recovery). */
  readonly durableNames: Set<string>;
  /** Throws when `name` cannot be spawned now (see `ActorSystem.spawn`). */
  checkSpawn(name: string): void;
  /** Gives up `name` (see `ActorSystem.release`). */
  release(name: string): void;
}

/**
 * The body of `ActorSystem.spawnDurable`: holds arriving messages, lets the previous
 * incarnation's writes settle, recovers (newest restorable checkpoint, journal tail), starts the
 * cell from the recovered snapshot, replays, then releases the held messages in order.
 *
 * Lifecycle event order depends on the exact awaits here (supervisors and their model tests see
 * it): the system returns this promise as it is, without another async step around it.
 */
export async function spawnDurable(
  host: DurableSpawnHost,
  name: string,
  logic: AnyActorLogic | ActorTemplate,
  options: SpawnOptions & { persistence: PersistenceOptions },
): Promise<ActorRef> {
  host.checkSpawn(name);
  const capacity = options.mailbox?.capacity ?? host.config.mailbox.capacity;
  // Messages that arrive during recovery wait in a hold, in order, like during a restart.
  host.holds.ensure(name, capacity);
  host.durableNames.add(name);
  host.router.ensureSubscription(name);
  // The previous incarnation's last writes (a failure note, a checkpoint) land first.
  await host.persisters.get(name)?.settle();
  // The template's checkpoint policy and migration apply unless the caller names its own.
  const template = isActorTemplate(logic) ? logic : undefined;
  const persistenceOptions: PersistenceOptions = {
    ...(template?.checkpoint === undefined ? {} : { policy: template.checkpoint }),
    ...(template?.migrate === undefined ? {} : { migrate: template.migrate }),
    ...options.persistence,
  };
  const logger = host.logger.child({ actor: name });
  const persister = new Persister(name, persistenceOptions, {
    clock: host.clock,
    logger,
    metrics: host.metrics,
    kind: actorKindOf(template?.name, template === undefined ? (logic as { id?: unknown }) : {}),
  });
  let recovered: Recovered;
  try {
    recovered = await persister.recover({
      validate: (snapshot) => {
        const context = () => host.context(name, 0, host.logger.child({ actor: name }), persister);
        probeRestore(logic, context, host.clock, snapshot);
      },
    });
  } catch (err) {
    host.release(name);
    throw err;
  }
  host.checkSpawn(name);
  const spawnOptions: SpawnOptions =
    recovered.snapshot === undefined ? options : { ...options, snapshot: recovered.snapshot };
  host.persisters.set(name, persister);
  const ref = spawnCell(host, name, logic, spawnOptions, persister);
  const cell = host.cells.get(name);
  if (cell !== undefined) {
    await cell.replay(recovered.replay);
    host.holds.release(name, cell);
  }
  return ref;
}
