import type { UnitChildReport, UnitReport } from 'agentvisor/internal';
import type { SupervisionTree } from './createSupervisionTree.js';
import type { Supervisor } from './Supervisor.js';

/**
 * What a supervision tree runs, as a cluster unit reports it (`UnitHandle.describe`): every child
 * at every level, parents before their children, with its status (`parked` while a person
 * decides) and restarts, and the escalations still open.
 *
 * @example
 * start: async ({ system, store, journal }) => {
 *   const tree = await createSupervisionTree(system, policy, { agents, persistence: { store, journal } });
 *   return { stop: () => tree.stop(), describe: () => describeTree(tree) };
 * }
 */
export function describeTree(tree: SupervisionTree): UnitReport {
  const children: UnitChildReport[] = [];
  const walk = (supervisor: Supervisor) => {
    for (const child of supervisor.whichChildren()) {
      children.push({
        id: child.id,
        name: child.name,
        type: child.type,
        status: child.status,
        restarts: child.restarts,
      });
      const sub = child.type === 'supervisor' ? tree.find(child.id) : undefined;
      if (sub !== undefined && sub !== supervisor) walk(sub);
    }
  };
  walk(tree.root);
  return { children, openEscalations: tree.escalations.openCount() };
}
