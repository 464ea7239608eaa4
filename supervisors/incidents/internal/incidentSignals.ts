import type { Incident, IncidentSignal } from '../Incident.js';

/** Severity a signal asks for when it names none. */
const DEFAULT_SEVERITY = 3;

/** The causation and correlation ids a signal carries. */
function chainOf(signal: IncidentSignal): string[] {
  return [signal.causationId, signal.correlationId].filter((id): id is string => id !== undefined);
}

const union = (a: readonly string[], b: readonly string[]): string[] => [...new Set([...a, ...b])];

/**
 * True when `signal` belongs to `incident`: within `windowMs` of its last signal, and about the
 * same agent or on the same causation chain (its causation or correlation id is one the
 * incident's signals carried, or one of their sources).
 */
export function relatedTo(incident: Incident, signal: IncidentSignal, windowMs: number): boolean {
  const last = Math.max(...incident.signals.map((s) => s.at), incident.timestamps.started);
  if (Math.abs(signal.at - last) > windowMs) return false;
  if (incident.agents.includes(signal.agent)) return true;
  return chainOf(signal).some((id) => incident.chain.includes(id));
}

/** A new open incident from its first signal, detected at `now`. */
export function newIncident(id: string, signal: IncidentSignal, now: number): Incident {
  return {
    id,
    title: signal.summary ?? `${signal.kind} on ${signal.agent}`,
    severity: signal.severity ?? DEFAULT_SEVERITY,
    status: 'open',
    timestamps: { started: Math.min(signal.at, now), detected: now },
    agents: [signal.agent],
    nodes: signal.node === undefined ? [] : [signal.node],
    signals: [signal],
    chain: chainOf(signal),
    links: [signal.source],
    notes: [],
    actionItems: [],
  };
}

/**
 * `incident` with `signal` joined: its agent, node, chain ids and source added, the severity
 * raised to the signal's when higher, `started` moved back when the signal shows the impact began
 * earlier.
 */
export function joinSignal(incident: Incident, signal: IncidentSignal): Incident {
  return {
    ...incident,
    severity: Math.min(incident.severity, signal.severity ?? DEFAULT_SEVERITY),
    timestamps: {
      ...incident.timestamps,
      started: Math.min(incident.timestamps.started, signal.at),
    },
    agents: union(incident.agents, [signal.agent]),
    nodes: union(incident.nodes, signal.node === undefined ? [] : [signal.node]),
    signals: [...incident.signals, signal],
    chain: union(incident.chain, chainOf(signal)),
    links: union(incident.links, [signal.source]),
  };
}
