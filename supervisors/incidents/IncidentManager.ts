import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  ErrorCode,
  RuntimeError,
  disposable,
  parseOptions,
  type Clock,
  type Disposable,
} from 'agentvisor/internal';
import {
  IncidentSignalSchema,
  type Incident,
  type IncidentSignal,
  type IncidentUpdate,
} from './Incident.js';
import type { IncidentFilter, IncidentStore } from './IncidentStore.js';
import { joinSignal, newIncident, relatedTo } from './internal/incidentSignals.js';
import { updateIncident } from './updateIncident.js';

/** Options of {@link IncidentManager}. */
export const IncidentManagerOptionsSchema = z.strictObject({
  /**
   * A signal joins an open (or mitigated) incident when it comes within this many ms of the
   * incident's last signal and shares its agent or its causation chain. @default 900_000 (15 min)
   */
  windowMs: z.number().int().positive().default(900_000),
});
/** Options of {@link IncidentManager}, as given. */
export type IncidentManagerOptions = z.input<typeof IncidentManagerOptionsSchema>;

/** What {@link IncidentManager.signal} did with a signal. */
export interface SignalOutcome {
  readonly incident: Incident;
  /** True when the signal opened the incident, false when it joined an open one. */
  readonly opened: boolean;
}

/** Dependencies of {@link IncidentManager}. */
export interface IncidentManagerDeps {
  readonly store: IncidentStore;
  readonly clock: Clock;
  /** New incident ids. @default randomUUID */
  readonly newId?: () => string;
}

/**
 * Opens incidents from signals and keeps them: an escalation opened, a critical alert, a rollout
 * rollback or a person declaring one each becomes an {@link IncidentSignal}; one that is related to
 * an open incident (same agent or same causation chain, within `windowMs` of its last signal)
 * joins it instead of opening another. Calls are applied one at a time, in call order, so a burst
 * of signals from several sources opens one incident.
 */
export class IncidentManager {
  readonly #store: IncidentStore;
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #windowMs: number;
  readonly #listeners = new Set<(incident: Incident) => void>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(deps: IncidentManagerDeps, options: IncidentManagerOptions = {}) {
    const config = parseOptions(IncidentManagerOptionsSchema, options, 'incidents');
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#newId = deps.newId ?? randomUUID;
    this.#windowMs = config.windowMs;
  }

  /**
   * Takes a signal: joins the related open incident, or opens one. `detected` is the time the
   * first signal arrived here; `started` the signal's own time (the impact's start).
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS for a signal the schema refuses (paths in details).
   */
  signal(signal: IncidentSignal): Promise<SignalOutcome> {
    return this.#serial(async () => {
      const parsed = parseOptions(IncidentSignalSchema, signal, 'incident signal');
      const now = this.#clock.now();
      const open = [
        ...(await this.#store.list({ status: 'open' })),
        ...(await this.#store.list({ status: 'mitigated' })),
      ];
      const related = open
        .filter((incident) => relatedTo(incident, parsed, this.#windowMs))
        .sort((a, b) => b.timestamps.started - a.timestamps.started)[0];
      const incident =
        related === undefined
          ? newIncident(this.#newId(), parsed, now)
          : joinSignal(related, parsed);
      await this.#store.put(incident);
      this.#emit(incident);
      return { incident, opened: related === undefined };
    });
  }

  /** Declares an incident by hand (it never joins another). */
  declare(options: {
    title: string;
    severity: number;
    agents: readonly string[];
    by: string;
    started?: number;
  }): Promise<Incident> {
    return this.#serial(async () => {
      const now = this.#clock.now();
      const [first = 'unknown', ...rest] = options.agents;
      const signal = parseOptions(
        IncidentSignalSchema,
        {
          kind: 'manual',
          agent: first,
          at: options.started ?? now,
          source: `manual:${options.by}`,
          severity: options.severity,
          summary: options.title,
        },
        'incident declaration',
      );
      let incident = newIncident(this.#newId(), signal, now);
      incident = { ...incident, title: options.title, agents: [first, ...rest] };
      await this.#store.put(incident);
      this.#emit(incident);
      return incident;
    });
  }

  /**
   * Applies an update (see {@link updateIncident}) and stores it.
   *
   * @throws {RuntimeError} ERR_INCIDENT_NOT_FOUND; ERR_INCIDENT_TIMESTAMP; ERR_INCIDENT_TRANSITION.
   */
  update(id: string, update: IncidentUpdate): Promise<Incident> {
    return this.#serial(async () => {
      const incident = await this.get(id);
      const next = updateIncident(incident, update, this.#clock.now());
      await this.#store.put(next);
      this.#emit(next);
      return next;
    });
  }

  /**
   * The incident with that id.
   *
   * @throws {RuntimeError} ERR_INCIDENT_NOT_FOUND when there is none.
   */
  async get(id: string): Promise<Incident> {
    const incident = await this.#store.get(id);
    if (incident === undefined)
      throw new RuntimeError(ErrorCode.IncidentNotFound, `No incident ${id}`, { details: { id } });
    return incident;
  }

  /** The stored incidents matching `filter`, oldest first. */
  list(filter?: IncidentFilter): Promise<Incident[]> {
    return this.#store.list(filter);
  }

  /** Calls `listener` with each incident opened or changed here. */
  onChanged(listener: (incident: Incident) => void): Disposable {
    this.#listeners.add(listener);
    return disposable(() => {
      this.#listeners.delete(listener);
    });
  }

  #emit(incident: Incident): void {
    for (const listener of this.#listeners) listener(incident);
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
