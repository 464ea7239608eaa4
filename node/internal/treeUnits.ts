import type { ActorTemplate, UnitHandle } from 'agentvisor/internal';
import { ErrorCode, RuntimeError } from 'agentvisor/internal';
import {
  createSupervisionTree,
  describeTree,
  type ChildSpec,
  type EscalationStore,
  type SupervisorSpec,
} from 'agentvisor/supervisors';
import type { AnyActorLogic } from 'xstate';
import {
  treeUnitName,
  type ClusterAgent,
  type ClusterNodeConfig,
  type ClusterSubtreeAgent,
  type ClusterUnit,
} from '../ClusterNodeOptions.js';
import { TreeSnapshotWriter } from './TreeSnapshotWriter.js';

/** Agents of the tree's units (names no registry key takes: the registry is merged). */
const TREE_AGENT = 'agentvisor:tree/';

/**
 * The units of the config's `root` tree: one per top-level child, named `<root>/<child>` and
 * placed by `placement[child]` (else anywhere). Each runs its child under a supervisor with the
 * root's flags (intensity, backoff, failure table, human policy), so a child that gives up is
 * restarted as the root would, and the unit's supervisor giving up goes to a person (the root of
 * a `createSupervisionTree`). Workers are durable on the node's stores: wherever the unit lands,
 * they restore from their last checkpoint and journal, and the unit's supervisor from its snapshot
 * (restart history, backoff, parked children) saved beside them (TreeSnapshotWriter.ts).
 * Escalations go to the cluster's `escalations` store: any node lists and decides them, and a
 * parked child that fails over stays parked on its open escalation, which its new owner binds.
 */
export function treeUnits(
  config: ClusterNodeConfig,
  agents: Readonly<Record<string, ClusterAgent>>,
  escalations: EscalationStore,
): { units: ClusterUnit[]; agents: Record<string, ClusterSubtreeAgent> } {
  const { root } = config;
  if (root === undefined) return { units: [], agents: {} };
  const registry: Record<string, ActorTemplate | AnyActorLogic> = {};
  for (const [name, agent] of Object.entries(agents))
    if ('logic' in agent) registry[name] = agent.logic;
  const units: ClusterUnit[] = [];
  const unitAgents: Record<string, ClusterSubtreeAgent> = {};
  for (const child of root.children) {
    const name = treeUnitName(root.id, child.id);
    const agent = `${TREE_AGENT}${name}`;
    units.push({ name, agent, placement: config.placement[child.id] ?? 'any' });
    const supervisor: SupervisorSpec = { ...root, id: `${name}/supervisor`, children: [child] };
    unitAgents[agent] = {
      start: async ({ system, store, journal, epoch }): Promise<UnitHandle> => {
        const logger = system.logger.child({ unit: name });
        const snapshots = { store, journal, clock: system.clock, logger };
        const { writer, snapshot } = await TreeSnapshotWriter.open(
          agent,
          supervisor.id,
          epoch,
          snapshots,
        );
        // Fenced before anything runs: a start that finds another owner's write fails here.
        await writer.claim(snapshot);
        const tree = await createSupervisionTree(
          system,
          { namespace: config.namespace, root: supervisor },
          {
            agents: registry,
            persistence: { store, journal },
            escalationStore: escalations,
            ...(snapshot === undefined ? {} : { snapshot }),
          },
        );
        writer.watch(tree);
        return {
          stop: async () => {
            await writer.close();
            await tree.stop();
            // Its watch goes too: a decision made later reaches the child's next owner.
            tree.escalations.dispose();
          },
          describe: () => describeTree(tree),
        };
      },
    };
  }
  return { units, agents: unitAgents };
}

/**
 * Every worker of the tree names an agent of the registry that is a single actor.
 *
 * @throws {RuntimeError} ERR_UNKNOWN_AGENT (with the worker's path, `root.children[1].agent`);
 *   ERR_INVALID_OPTIONS for an agent that starts a subtree.
 */
export function checkTreeAgents(
  root: SupervisorSpec | undefined,
  agents: Readonly<Record<string, ClusterAgent>>,
): void {
  const visit = (child: ChildSpec, path: string): void => {
    if (child.type === 'supervisor') {
      child.children.forEach((c, i) => {
        visit(c, `${path}.children[${i}]`);
      });
      return;
    }
    if (typeof child.agent !== 'string') return;
    const at = `${path}.agent`;
    const agent = Object.hasOwn(agents, child.agent) ? agents[child.agent] : undefined;
    if (agent === undefined) {
      throw new RuntimeError(
        ErrorCode.UnknownAgent,
        `${at}: no agent named ${JSON.stringify(child.agent)} (known: ${Object.keys(agents).join(', ')})`,
        { details: { path: at, agent: child.agent } },
      );
    }
    if (!('logic' in agent)) {
      throw new RuntimeError(
        ErrorCode.InvalidOptions,
        `${at}: agent ${JSON.stringify(child.agent)} starts a subtree; a tree's worker needs \`logic\``,
        { details: { issues: [{ path: at, message: 'must be a single-actor agent' }] } },
      );
    }
  };
  if (root !== undefined) visit(root, 'root');
}
