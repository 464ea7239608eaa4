import type { NodeStatus, UnitStatus } from '../ClusterEvent.js';
import type { NodeCore } from './NodeCore.js';

/**
 * A node's report of itself: the units it runs, with their actor state; a subtree unit whose
 * handle describes itself lists its children (parked ones included) with their actors' counters,
 * and its open escalations.
 */
export function nodeStatus(core: NodeCore, startedAt: number): NodeStatus {
  const units: UnitStatus[] = [...core.local].map(([name, local]) => {
    const info = local.handle === undefined ? core.system.describe(name) : undefined;
    const base = {
      name,
      agent: core.units.get(name)?.agent ?? '',
      epoch: local.epoch,
      status:
        (info?.status === 'running' && core.stuck.has(name) ? 'stuck' : info?.status) ??
        (local.status === 'starting'
          ? 'starting'
          : local.status === 'failed'
            ? 'failed'
            : 'running'),
      incarnation: info?.incarnation ?? 0,
      processed: info?.processed ?? 0,
      mailboxSize: info?.mailboxSize ?? 0,
    } as const;
    const report = core.describeUnit(name, local.handle);
    if (report === undefined) return base;
    const children = report.children.map((child) => {
      const actor = child.type === 'worker' ? core.system.describe(child.name) : undefined;
      return {
        ...child,
        ...(core.stuck.has(child.name) ? { status: 'stuck' } : {}),
        incarnation: actor?.incarnation ?? 0,
        processed: actor?.processed ?? 0,
        mailboxSize: actor?.mailboxSize ?? 0,
      };
    });
    return {
      ...base,
      processed: children.reduce((sum, c) => sum + c.processed, 0),
      mailboxSize: children.reduce((sum, c) => sum + c.mailboxSize, 0),
      children,
      openEscalations: report.openEscalations,
    };
  });
  return {
    node: core.id,
    run: core.run,
    roles: core.config.roles,
    namespace: core.config.namespace,
    state: core.state,
    startedAt,
    units,
  };
}
