import {
  shardOf,
  type OwnershipListener,
  type ShardOwnership,
  type UnitContext,
  type UnitHandle,
} from 'agentvisor/internal';
import { mailboxShardUnit, type ClusterActorAgent } from '../ClusterNodeOptions.js';
import type { NodeCore } from './NodeCore.js';
import type { UnitHost } from './UnitHost.js';

/** Agent of the mailbox's shard units (a name no registry key can take: the registry is merged). */
export const SHARD_AGENT = 'agentvisor:mailbox-shard';

/**
 * Shard ownership driven by the cluster's placement of the shard units: a shard is acquired when
 * its unit starts here and lost when the unit stops (drained, fenced, closed). Its epoch is the
 * placement's, so it grows with every change of owner.
 */
export class PlacedShards implements ShardOwnership {
  #listener: OwnershipListener | undefined;
  readonly #owned = new Map<number, number>();

  start(listener: OwnershipListener): Promise<void> {
    this.#listener = listener;
    return Promise.resolve();
  }

  owned(): ReadonlyMap<number, number> {
    return this.#owned;
  }

  acquire(shard: number, epoch: number): void {
    this.release(shard);
    this.#owned.set(shard, epoch);
    this.#listener?.({ type: 'acquired', shard, epoch });
  }

  release(shard: number): void {
    const epoch = this.#owned.get(shard);
    if (epoch === undefined) return;
    this.#owned.delete(shard);
    this.#listener?.({ type: 'lost', shard, epoch, reason: 'released' });
  }

  stop(): Promise<void> {
    for (const shard of [...this.#owned.keys()]) this.release(shard);
    this.#listener = undefined;
    return Promise.resolve();
  }
}

/**
 * A mailbox shard unit (Akka Cluster Sharding's shard): restores the shard's actors here, then
 * consumes the shard. Stopping gives the shard up (its unacknowledged messages go to the next
 * owner) and stops the actors, writing nothing.
 */
export async function startShardUnit(
  core: NodeCore,
  host: UnitHost,
  shards: PlacedShards,
  { unit, epoch }: UnitContext,
): Promise<UnitHandle> {
  const mailbox = core.config.mailbox;
  if (mailbox === undefined) throw new Error('no mailbox section');
  const shard = Number(unit.slice(mailboxShardUnit(0).length - 1));
  const actors = mailbox.actors.filter((a) => shardOf(a.name, mailbox.shards) === shard);
  const stopActors = () => {
    for (const { name } of actors)
      if (core.system.describe(name) !== undefined) core.system.stop(name, 'shutdown');
  };
  try {
    for (const actor of actors) {
      // A copy left from before (failed, fenced) goes first; stopping writes nothing.
      if (core.system.describe(actor.name) !== undefined) core.system.stop(actor.name, 'shutdown');
      const agent = core.agents[actor.agent] as ClusterActorAgent;
      await host.spawnActor(actor.name, actor.agent, agent, actor.input);
    }
  } catch (error) {
    stopActors();
    throw error;
  }
  shards.acquire(shard, epoch);
  return {
    stop: () => {
      shards.release(shard);
      stopActors();
      return Promise.resolve();
    },
  };
}
