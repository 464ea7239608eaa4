import type { ClusterStatus, UnitStatus } from 'agentvisor/node';

/**
 * Renders what `agentvisor status` prints: nodes (a silent one with an old heartbeat is `dead`),
 * then placements with each unit's actor state, a subtree unit's children (parked ones included,
 * with restarts and processed counts) and its open escalations.
 */
export function formatClusterStatus(status: ClusterStatus): string {
  const lines: string[] = [`namespace ${status.namespace}`, '', 'NODES'];
  if (status.nodes.length === 0) lines.push('  (none)');
  for (const { record, ageMs, status: reported, dead } of status.nodes) {
    const state = reported?.state ?? (dead ? 'dead' : 'not answering');
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
    const escalations =
      actor?.openEscalations === undefined || actor.openEscalations === 0
        ? ''
        : `, escalations open ${actor.openEscalations}`;
    lines.push(
      `  ${unit.padEnd(24)} ${record.status === 'active' ? record.node : '(released)'}`.padEnd(44) +
        `epoch ${record.epoch}${actorState}${escalations}`,
    );
    if (actor !== undefined) lines.push(...childLines(actor));
  }
  return lines.join('\n');
}

function childLines(unit: UnitStatus): string[] {
  return (unit.children ?? []).map(
    (c) =>
      `    ${c.id.padEnd(22)} ${c.status.padEnd(11)} restarts ${c.restarts}, ${c.processed} processed`,
  );
}
