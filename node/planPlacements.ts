import type { Placement } from 'agentvisor/internal';

/**
 * Where a unit may run: on a preferred node (`node`), on nodes with a role (`role`), or anywhere
 * (`{}`, the config's `any`). A preferred node that is not alive does not stop failover: the
 * unit then goes where it would go without the preference (Akka's role-restricted shard
 * allocation, with a home node).
 */
export interface PlacementSpec {
  readonly node?: string | undefined;
  readonly role?: string | undefined;
}

/** A live member as placement sees it. */
export interface PlacementCandidate {
  readonly node: string;
  readonly run: string;
  readonly roles: readonly string[];
  /** False while the node drains: it keeps what it owns but takes nothing new. */
  readonly accepting: boolean;
}

/** One unit to place. */
export interface PlannedUnit {
  readonly name: string;
  readonly placement: PlacementSpec;
}

/** True when `placement` is active and owned by a live run of its node. */
export function isOwnedByLive(
  placement: Placement | undefined,
  live: readonly PlacementCandidate[],
): boolean {
  const record = placement?.record;
  if (record?.status !== 'active') return false;
  return live.some((m) => m.node === record.node && m.run === record.run);
}

/**
 * Plans where the units without a live owner go: each in name order to the preferred node when
 * it is live and eligible, otherwise to the eligible live node with the fewest units (units it
 * owns plus those planned so far), ties broken by node id. Pure and deterministic: nodes that see
 * the same members and placements plan the same thing, so normally only the planned node claims
 * (and the compare-and-set settles the rest).
 *
 * @returns unit name → node id, for every unit without a live owner that some live node may run.
 */
export function planPlacements(
  units: readonly PlannedUnit[],
  placements: ReadonlyMap<string, Placement>,
  live: readonly PlacementCandidate[],
): Map<string, string> {
  const load = new Map<string, number>(live.map((m) => [m.node, 0]));
  const orphans: PlannedUnit[] = [];
  for (const unit of units) {
    const placement = placements.get(unit.name);
    if (isOwnedByLive(placement, live)) {
      const owner = placement?.record?.node as string;
      load.set(owner, (load.get(owner) ?? 0) + 1);
    } else {
      orphans.push(unit);
    }
  }
  const plan = new Map<string, string>();
  orphans.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const unit of orphans) {
    const { node: preferred, role } = unit.placement;
    const eligible = live.filter(
      (m) => m.accepting && (role === undefined || m.roles.includes(role)),
    );
    if (eligible.length === 0) continue;
    const home = eligible.find((m) => m.node === preferred);
    const target =
      home ??
      eligible.reduce((best, m) => {
        const lm = load.get(m.node) ?? 0;
        const lb = load.get(best.node) ?? 0;
        return lm < lb || (lm === lb && m.node < best.node) ? m : best;
      });
    plan.set(unit.name, target.node);
    load.set(target.node, (load.get(target.node) ?? 0) + 1);
  }
  return plan;
}
