import { ErrorCode, RuntimeError } from 'agentvisor/internal';
import { IncidentSchema, type Incident, type IncidentStatus } from './Incident.js';

/** Which incidents {@link IncidentStore.list} returns; absent fields match everything. */
export interface IncidentFilter {
  readonly status?: IncidentStatus;
  /** Incidents affecting this agent. */
  readonly agent?: string;
  /** Incidents started at or after this wall time (epoch ms). */
  readonly from?: number;
  /** Incidents started before this wall time (epoch ms). */
  readonly to?: number;
}

/**
 * Where incident records live: memory ({@link createMemoryIncidentStore}), a directory
 * (`createFileIncidentStore`) or a JetStream KV bucket (`createJetStreamIncidentStore`). All
 * three pass one conformance suite: they hand out copies, validate what they read back with
 * {@link IncidentSchema} (ERR_CORRUPT_DATA naming the id otherwise) and list oldest first.
 */
export interface IncidentStore {
  /** Stores a record, replacing any with the same id. */
  put(incident: Incident): Promise<void>;
  /**
   * The record with that id, or `undefined`.
   *
   * @throws {RuntimeError} ERR_CORRUPT_DATA when the stored record is corrupt.
   */
  get(id: string): Promise<Incident | undefined>;
  /**
   * The records matching `filter`, oldest `timestamps.started` first (then by id).
   *
   * @throws {RuntimeError} ERR_CORRUPT_DATA when a stored record is corrupt.
   */
  list(filter?: IncidentFilter): Promise<Incident[]>;
}

/** @internal True when `incident` matches `filter`. */
export function matchesFilter(incident: Incident, filter: IncidentFilter): boolean {
  if (filter.status !== undefined && incident.status !== filter.status) return false;
  if (filter.agent !== undefined && !incident.agents.includes(filter.agent)) return false;
  if (filter.from !== undefined && incident.timestamps.started < filter.from) return false;
  if (filter.to !== undefined && incident.timestamps.started >= filter.to) return false;
  return true;
}

/** @internal Oldest first, then by id. */
export function byStart(a: Incident, b: Incident): number {
  return a.timestamps.started - b.timestamps.started || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** @internal A stored record read back: parsed JSON validated with the schema. */
export function parseStoredIncident(id: string, raw: unknown): Incident {
  const parsed = IncidentSchema.safeParse(raw);
  if (!parsed.success)
    throw new RuntimeError(ErrorCode.CorruptData, `Stored incident ${id} is corrupt`, {
      details: { id, issues: parsed.error.issues },
    });
  return parsed.data;
}

/** An {@link IncidentStore} in this process's memory (tests, single-node setups). */
export function createMemoryIncidentStore(): IncidentStore {
  const records = new Map<string, string>();
  return {
    async put(incident) {
      await Promise.resolve();
      records.set(incident.id, JSON.stringify(parseStoredIncident(incident.id, incident)));
    },
    async get(id) {
      await Promise.resolve();
      const text = records.get(id);
      return text === undefined ? undefined : parseStoredIncident(id, JSON.parse(text));
    },
    async list(filter = {}) {
      await Promise.resolve();
      const all = [...records].map(([id, text]) => parseStoredIncident(id, JSON.parse(text)));
      return all.filter((i) => matchesFilter(i, filter)).sort(byStart);
    },
  };
}
