import type { BoundCounter, MetricsRegistry } from 'agentvisor/internal';
import type { AgentVersion } from './RolloutSpec.js';
import { routingHash } from './routingHash.js';

/** Which side of a rollout a conversation is on. */
export type RolloutRole = 'stable' | 'candidate';

/**
 * Where one message goes:
 * - `reason` `hash`: a new conversation, placed by its key's hash against the candidate weight;
 *   `pinned`: a follow-up, on the version its conversation started on; `checkpoint`: a durable
 *   conversation already running, on its checkpoint's machine version; `parked`: a follow-up of
 *   an in-flight candidate conversation after a rollback with `inFlightOnRollback: 'park'` (the
 *   caller puts it in the inbox instead of delivering it);
 * - `shadow`: the candidate also gets a copy (its effects simulated, its reply dropped).
 */
export interface RouteDecision {
  readonly role: RolloutRole;
  readonly version: AgentVersion;
  readonly reason: 'hash' | 'pinned' | 'checkpoint' | 'parked';
  readonly shadow: boolean;
}

/** The traffic a router applies now (set by the controller at each step). */
export interface RouterTraffic {
  /** Share of new conversations for the candidate, in `[0, 1]`. */
  readonly weight: number;
  /** Share of stable conversations the candidate shadows, in `[0, 1]`. */
  readonly shadowSample: number;
  /** Follow-ups of candidate conversations are parked (after a rollback with `park`). */
  readonly parkCandidate: boolean;
}

/** What a router is built from. */
export interface RolloutRouterOptions {
  readonly rolloutId: string;
  readonly agent: string;
  readonly stable: AgentVersion;
  readonly candidate: AgentVersion;
  /** The machine version of a conversation's durable checkpoint, when it has one. */
  readonly versionOf?: (key: string) => AgentVersion | undefined;
  /** Counts routed messages as `agentvisor_rollout_routed_total{agent,version,reason}`. */
  readonly metrics?: MetricsRegistry;
}

/**
 * Sticky routing of conversations between the stable and candidate versions of one agent. A
 * conversation is placed once, by a stable hash of its key and the rollout id, and every
 * follow-up lands on the same version until {@link RolloutRouter.release}; one that already runs
 * on a durable checkpoint keeps that checkpoint's version (never migrated mid-task).
 */
export class RolloutRouter {
  readonly #options: RolloutRouterOptions;
  readonly #pins = new Map<string, RolloutRole>();
  #traffic: RouterTraffic = { weight: 0, shadowSample: 0, parkCandidate: false };
  readonly #counters = new Map<string, BoundCounter>();

  constructor(options: RolloutRouterOptions) {
    this.#options = options;
  }

  /** The traffic now. */
  get traffic(): RouterTraffic {
    return this.#traffic;
  }

  /** Applies new weights; conversations already placed keep their side. */
  setTraffic(traffic: RouterTraffic): void {
    this.#traffic = traffic;
  }

  /** Places a message of the conversation `key` (and pins the conversation on first sight). */
  route(key: string): RouteDecision {
    const { stable, candidate, rolloutId } = this.#options;
    let role = this.#pins.get(key);
    let reason: RouteDecision['reason'] = 'pinned';
    if (role === undefined) {
      const existing = this.#options.versionOf?.(key);
      if (existing !== undefined) {
        role = existing === candidate ? 'candidate' : 'stable';
        reason = 'checkpoint';
      } else {
        role = routingHash(key, rolloutId) < this.#traffic.weight ? 'candidate' : 'stable';
        reason = 'hash';
      }
      this.#pins.set(key, role);
    }
    if (role === 'candidate' && this.#traffic.parkCandidate) reason = 'parked';
    const shadow =
      role === 'stable' &&
      this.#traffic.shadowSample > 0 &&
      routingHash(key, `${rolloutId}:shadow`) < this.#traffic.shadowSample;
    const version = role === 'candidate' ? candidate : stable;
    this.#count(version, reason);
    return { role, version, reason, shadow };
  }

  /** Forgets a finished conversation (its next message is placed anew). */
  release(key: string): void {
    this.#pins.delete(key);
  }

  /** Conversations placed and not released, per side. */
  inFlight(): { stable: number; candidate: number } {
    let candidate = 0;
    for (const role of this.#pins.values()) if (role === 'candidate') candidate += 1;
    return { stable: this.#pins.size - candidate, candidate };
  }

  #count(version: AgentVersion, reason: string): void {
    const metrics = this.#options.metrics;
    if (metrics === undefined) return;
    const id = `${version}|${reason}`;
    let counter = this.#counters.get(id);
    if (counter === undefined) {
      counter = metrics
        .counter('agentvisor_rollout_routed_total', 'Messages routed by a rollout', {
          labelNames: ['agent', 'version', 'reason'],
        })
        .bind({ agent: this.#options.agent, version: String(version), reason });
      this.#counters.set(id, counter);
    }
    counter.inc();
  }
}
