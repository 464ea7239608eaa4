import { ErrorCode, Listeners, RuntimeError, type Disposable } from 'agentvisor/internal';
import {
  EscalationSchema,
  type Escalation,
  type EscalationResolution,
  type EscalationStatus,
  type ResolvedEscalation,
} from './Escalation.js';

/** Which escalations {@link EscalationStore.list} returns; absent fields match everything. */
export interface EscalationFilter {
  readonly status?: EscalationStatus;
  /** Id of the supervisor that opened them. */
  readonly supervisor?: string;
}

/**
 * Where escalation records live. The {@link EscalationService} keeps no record of its own: the
 * store is the source of truth, so the API, CLI and dashboard read it, and several services (one
 * per node) can share one.
 *
 * This is the plug point for persistence: {@link createMemoryEscalationStore} keeps records in
 * the process (tests, single-node setups); durable stores (a NATS KV bucket, a file) implement the
 * same four methods. Every implementation must:
 * - hand out copies: mutating a record a method returned never changes what is stored;
 * - validate what it reads back with {@link EscalationSchema}, failing with ERR_INVALID_MESSAGE
 *   (naming the id) for a record that does not pass;
 * - make {@link EscalationStore.resolve} an atomic compare-and-set from `open` to `resolved`
 *   (a KV revision check), because a person and a deadline, possibly on different nodes, race to
 *   close the same escalation and exactly one must win.
 */
export interface EscalationStore {
  /** Stores a record, replacing any with the same id. */
  put(record: Escalation): Promise<void>;
  /**
   * The record with that id, or `undefined`.
   *
   * @throws {RuntimeError} ERR_INVALID_MESSAGE when the stored record is corrupt.
   */
  get(id: string): Promise<Escalation | undefined>;
  /**
   * The records matching `filter`, oldest `raisedAt` first.
   *
   * @throws {RuntimeError} ERR_INVALID_MESSAGE when a stored record is corrupt (one that cannot be
   *   read cannot be filtered either: it is reported, not hidden).
   */
  list(filter?: EscalationFilter): Promise<Escalation[]>;
  /**
   * Closes an open escalation with `resolution`, atomically: of two concurrent calls, one wins and
   * the other fails with ERR_ESCALATION_CLOSED. Returns the resolved record.
   *
   * @throws {RuntimeError} ERR_ESCALATION_NOT_FOUND when there is no record with that id.
   * @throws {RuntimeError} ERR_ESCALATION_CLOSED when the record is already resolved.
   * @throws {RuntimeError} ERR_INVALID_MESSAGE when the stored record is corrupt.
   */
  resolve(id: string, resolution: EscalationResolution): Promise<ResolvedEscalation>;
  /**
   * Optional: calls `listener` with every record resolved in the store, by any process that
   * shares it (JetStream: a KV watch; memory: every service on the store). An
   * {@link EscalationService} uses it to apply a decision made elsewhere to a child it holds.
   */
  watchResolved?(listener: (record: ResolvedEscalation) => void): Disposable;
  /**
   * Optional, with {@link EscalationStore.appliedAt}: records that the decision of a resolved
   * escalation reached its child (beside the record, which stays as resolved). A supervisor
   * taking a child over after a failover applies a decision made while nobody held the child,
   * and never one applied already. A store without them: a resolved record counts as applied.
   */
  markApplied?(id: string, at: number): Promise<void>;
  /** When the decision of escalation `id` was applied (wall ms), or `undefined` if not yet. */
  appliedAt?(id: string): Promise<number | undefined>;
}

/** Who receives {@link EscalationStore.watchResolved} calls. */
export type ResolvedListener = (record: ResolvedEscalation) => void;

/**
 * An {@link EscalationStore} in the memory of this process: records are kept as
 * `structuredClone` copies and checked with {@link EscalationSchema} on every read, as a durable
 * store would. Compare-and-set is trivially atomic (one thread, no await inside an operation).
 *
 * @example
 * const escalations = new EscalationService(createMemoryEscalationStore(), { clock });
 */
export function createMemoryEscalationStore(): EscalationStore {
  const records = new Map<string, unknown>();
  const watchers = new Listeners<ResolvedEscalation>();
  const applied = new Map<string, number>();

  const read = (id: string): Escalation | undefined => {
    const raw = records.get(id);
    return raw === undefined ? undefined : parseRecord(id, raw);
  };

  return {
    put: (record) =>
      settle(() => {
        records.set(record.id, structuredClone(record));
      }),
    get: (id) => settle(() => read(id)),
    list: (filter = {}) =>
      settle(() => {
        const out: Escalation[] = [];
        for (const id of records.keys()) {
          const record = read(id);
          if (record === undefined) continue;
          if (filter.status !== undefined && record.status !== filter.status) continue;
          if (filter.supervisor !== undefined && record.supervisor !== filter.supervisor) continue;
          out.push(record);
        }
        // Stable: records raised in the same ms keep their insertion order.
        return out.sort((a, b) => a.raisedAt - b.raisedAt);
      }),
    resolve: (id, resolution) =>
      settle(() => {
        const current = read(id);
        if (current === undefined) throw notFound(id);
        if (current.status !== 'open') throw closed(current);
        const next: ResolvedEscalation = { ...current, status: 'resolved', resolution };
        records.set(id, structuredClone(next));
        // After this turn, as a remote watch would: the caller settles first.
        queueMicrotask(() => {
          watchers.emit(structuredClone(next));
        });
        return structuredClone(next);
      }),
    watchResolved: (listener) => watchers.add(listener),
    markApplied: (id, at) =>
      settle(() => {
        applied.set(id, at);
      }),
    appliedAt: (id) => settle(() => applied.get(id)),
  };
}

// --- internals ---

/** Runs `fn` now and returns its result, or its throw, as a promise. */
function settle<T>(fn: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    resolve(fn());
  });
}

/**
 * @internal Checks a stored record (every store's read path); the clone keeps the caller away
 * from the stored object.
 */
export function parseRecord(id: string, raw: unknown): Escalation {
  const result = EscalationSchema.safeParse(structuredClone(raw));
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  const summary = issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`));
  throw new RuntimeError(
    ErrorCode.InvalidMessage,
    `Stored escalation ${JSON.stringify(id)} is corrupt: ${summary.join('; ')}`,
    { details: { id, issues } },
  );
}

/** @internal Shared with the service: an id no store knows. */
export function notFound(id: string): RuntimeError {
  return new RuntimeError(ErrorCode.EscalationNotFound, `No escalation ${JSON.stringify(id)}`, {
    details: { id },
  });
}

/**
 * @internal Shared by every store and the service: an escalation decided already, naming the
 * winner (who, what, when) in the message and in `details`.
 */
export function closed(record: ResolvedEscalation): RuntimeError {
  const { decidedBy, decision, decidedAt, by } = record.resolution;
  const who = by === undefined ? decidedBy : `${decidedBy} ${JSON.stringify(by)}`;
  const at = new Date(decidedAt).toISOString();
  return new RuntimeError(
    ErrorCode.EscalationClosed,
    `Escalation ${JSON.stringify(record.id)} is already resolved by ${who} (${decision.type}) at ${at}`,
    {
      details: {
        id: record.id,
        decidedBy,
        ...(by === undefined ? {} : { by }),
        decision: decision.type,
        decidedAt,
      },
    },
  );
}
