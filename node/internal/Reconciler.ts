import {
  isOwnedByLive,
  planPlacements,
  type PlacementCandidate,
  type PlannedUnit,
} from '../planPlacements.js';
import type { Counter, MetricsRegistry } from 'agentvisor/internal';
import type { NodeCore } from './NodeCore.js';
import type { UnitHost } from './UnitHost.js';

/**
 * Placement, from one node's side: each pass stops the copies another node owns now, plans where
 * the units without a live owner go (`planPlacements`) and claims those planned for this node (or
 * overdue: not claimed by the planned node within 2 × `deadAfterMs`). A claim is a compare-and-set
 * on the placement table that raises the unit's epoch; the winner starts the unit.
 */
export class Reconciler {
  readonly #core: NodeCore;
  readonly #host: UnitHost;
  readonly #planned: readonly PlannedUnit[];
  readonly #orphanSince = new Map<string, number>();
  /** Set once `minMembers` live nodes were seen: placement starts then. */
  #quorate = false;
  #reconciling = false;
  #again = false;

  constructor(core: NodeCore, host: UnitHost) {
    this.#core = core;
    this.#host = host;
    this.#planned = [...core.units.values()].map((u) => ({
      name: u.name,
      placement: u.placement === 'any' ? {} : u.placement,
    }));
    core.requestReconcile = () => {
      this.request();
    };
  }

  /** Runs a pass now, or once more right after the one running (never two at once). */
  request(): void {
    if (this.#reconciling) {
      this.#again = true;
      return;
    }
    this.#reconciling = true;
    try {
      do {
        this.#again = false;
        this.#reconcile();
      } while (this.#wantsAgain());
    } finally {
      this.#reconciling = false;
    }
  }

  /** The live nodes that may take units, this one included. */
  candidates(): PlacementCandidate[] {
    const core = this.#core;
    const others = core.membership
      .live()
      .filter((m) => m.node !== core.id)
      .map((m) => ({ node: m.node, run: m.run, roles: m.roles, accepting: m.status === 'up' }));
    return [...others, { node: core.id, run: core.run, roles: core.config.roles, accepting: true }];
  }

  // --- internals ---

  /** Read through a method: TypeScript keeps `#again` narrowed across the call otherwise. */
  #wantsAgain(): boolean {
    return this.#again;
  }

  #reconcile(): void {
    const core = this.#core;
    if (core.state !== 'running') return;
    // Copies whose unit another node owns now stop at once, without writing.
    for (const unit of [...core.local.keys()]) {
      const placement = core.placements.get(unit);
      if (!core.isMine(placement) && !core.busy.has(unit)) this.#host.lose(unit, placement);
    }
    // A node whose own heartbeats fail claims nothing: it may be the one cut off.
    if (core.membership.ownSilenceMs > core.config.deadAfterMs) return;
    const live = this.candidates();
    if (!this.#quorate) {
      if (live.length < core.config.minMembers) return;
      this.#quorate = true;
    }
    const plan = planPlacements(this.#planned, core.placements.all(), live);
    const now = core.clock.monotonic();
    for (const unit of [...this.#orphanSince.keys()])
      if (!plan.has(unit)) this.#orphanSince.delete(unit);
    for (const [unit, target] of plan) {
      const since = this.#orphanSince.get(unit) ?? now;
      this.#orphanSince.set(unit, since);
      // The planned node claims at once; when it has not within 2 × deadAfterMs (its view
      // differs, it is slow, or it just died), any eligible node may.
      const overdue = now - since > 2 * core.config.deadAfterMs && this.#eligible(unit);
      const backingOff = this.#host.backingOff(unit, now);
      if ((target === core.id || overdue) && !core.busy.has(unit) && !backingOff)
        core.track(unit, this.#claim(unit));
    }
  }

  #eligible(unit: string): boolean {
    const placement = this.#core.units.get(unit)?.placement;
    const role = placement === undefined || placement === 'any' ? undefined : placement.role;
    return role === undefined || this.#core.config.roles.includes(role);
  }

  async #claim(unit: string): Promise<void> {
    const core = this.#core;
    try {
      const previous = await core.placements.read(unit);
      if (core.state !== 'running' || isOwnedByLive(previous, this.candidates())) return;
      const outcome = await core.placements.claim(unit, { node: core.id, run: core.run }, previous);
      if (!outcome.ok) {
        core.logger.debug({ unit, reason: outcome.reason }, 'claim lost');
        return;
      }
      const epoch = outcome.placement.record?.epoch ?? 0;
      const from = previous?.record?.node;
      core.logger.info({ unit, epoch, from }, 'claimed');
      core.emit({ type: 'claimed', unit, epoch, ...(from === undefined ? {} : { from }) });
      // A unit another node owned comes here: a failover (no unit label: units grow with use).
      if (from !== undefined && from !== core.id) failovers(core.system.metrics).inc();
      await this.#host.startUnit(unit, epoch);
    } catch (err) {
      core.logger.warn({ err, unit }, 'claim failed');
    }
  }
}

const failoverCounters = new WeakMap<MetricsRegistry, Counter>();

/** `agentvisor_failovers_total`: units this node claimed from another owner (dead or overdue). */
function failovers(registry: MetricsRegistry): Counter {
  let counter = failoverCounters.get(registry);
  if (counter === undefined) {
    counter = registry.counter(
      'agentvisor_failovers_total',
      'Units claimed by this node from another owner (failovers)',
      { labelNames: [] },
    );
    failoverCounters.set(registry, counter);
  }
  return counter;
}
