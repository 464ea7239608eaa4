import type { ClusterStatus } from 'agentvisor';

/** Renders what `agentvisor status` prints: nodes, then placements with each unit's actor state. */
export function formatClusterStatus(status: ClusterStatus): string {
  const lines: string[] = [`namespace ${status.namespace}`, '', 'NODES'];
  if (status.nodes.length === 0) lines.push('  (none)');
  for (const { record, ageMs, status: reported } of status.nodes) {
    const state = reported?.state ?? 'not answering';
    const roles = record.roles.length === 0 ? '-' : record.roles.join(',');
    lines.push(
      `  ${record.node.padEnd(16)} ${state.padEnd(14)} units ${String(reported?.units.length ?? record.load).padStart(3)}  roles ${roles}  last heartbeat ${Math.max(0, Math.round(ageMs))} ms ago`,
    );
  }
  lines.push('', 'PLACEMENTS');
  if (status.placements.length === 0) lines.push('  (none)');
  const units = new Map(
    status.nodes.flatMap((n) => (n.status?.units ?? []).map((u) => [u.name, u] as const)),
  );
  for (const { unit, record } of status.placements) {
    if (record === undefined) {
      lines.push(`  ${unit.padEnd(24)} (corrupt entry)`);
      continue;
    }
    const actor = units.get(unit);
    const actorState = actor === undefined ? '' : `  ${actor.status}, ${actor.processed} processed`;
    lines.push(
      `  ${unit.padEnd(24)} ${record.status === 'active' ? record.node : '(released)'}`.padEnd(44) +
        `epoch ${record.epoch}${actorState}`,
    );
  }
  return lines.join('\n');
}
