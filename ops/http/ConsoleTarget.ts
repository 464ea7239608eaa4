import type { AnyActorLogic } from 'xstate';
import type { ActorSystem, ActorTemplate, CheckpointStore, Journal } from 'agentvisor/internal';
import type { ClusterNode } from 'agentvisor/node';
import type { SupervisionTree } from 'agentvisor/supervisors';

/**
 * An embedded system the console shows: the actor system, and what runs on it — a supervision
 * tree (tree, escalations, supervisor events) and the checkpoint store and journal its durable
 * actors use (journal, reasoning chain, checkpoints). What is absent is answered 404
 * `ERR_ROUTE_NOT_FOUND` by the endpoints that need it.
 */
export interface EmbeddedConsoleTarget {
  readonly system: ActorSystem;
  /** The tree from `createSupervisionTree(system, …)`. */
  readonly tree?: SupervisionTree | undefined;
  /** The store and journal of the system's durable actors (the tree's `persistence`). */
  readonly persistence?: { readonly store: CheckpointStore; readonly journal: Journal } | undefined;
  /** Agents the tree's policy names (its `deps.agents`): what a fork of one of its actors runs. */
  readonly agents?: Readonly<Record<string, ActorTemplate | AnyActorLogic>> | undefined;
}

/**
 * What {@link serveConsole} serves: an embedded system, or a ClusterNode (its status, members
 * and actors; pass its tree and persistence through an embedded target to show more).
 */
export type ConsoleTarget = EmbeddedConsoleTarget | ClusterNode;

/** @internal The parts of a target, normalized. */
export interface ConsoleSources {
  readonly system: ActorSystem;
  readonly tree: SupervisionTree | undefined;
  readonly persistence: EmbeddedConsoleTarget['persistence'];
  readonly node: ClusterNode | undefined;
  readonly agents: Readonly<Record<string, ActorTemplate | AnyActorLogic>>;
}

/** @internal Normalizes a target. */
export function sourcesOf(target: ConsoleTarget): ConsoleSources {
  if ('membership' in target) {
    return {
      system: target.system,
      tree: undefined,
      persistence: undefined,
      node: target,
      agents: {},
    };
  }
  return {
    system: target.system,
    tree: target.tree,
    persistence: target.persistence,
    node: undefined,
    agents: target.agents ?? {},
  };
}
