import { randomUUID } from 'node:crypto';
import {
  ErrorCode,
  RuntimeError,
  isRuntimeError,
  silentLogger,
  type Clock,
  type Disposable,
  type Logger,
} from 'agentvisor/internal';
import type { HumanDecisionType } from '../failureClasses.js';
import {
  type EscalationFacts,
  type Escalation,
  type EscalationResolution,
  type HumanDecision,
  type OpenEscalation,
  type ResolvedEscalation,
} from './Escalation.js';
import {
  closed,
  notFound,
  type EscalationFilter,
  type EscalationStore,
} from './EscalationStore.js';
import { defaultDecision } from './defaultDecision.js';
import { parseDecision } from './parseDecision.js';
import { specAsData } from './specAsData.js';
import { armDeadline, disarmDeadline, type Binding } from './internal/deadlineTimer.js';
import { openRecord, subscribe } from './internal/openRecord.js';

/** What {@link EscalationService.open} takes: the facts, and how long a person has to decide. */
export type OpenEscalationInput = EscalationFacts & {
  /** Time a person has to decide; `Infinity` waits for ever (no timer). */
  readonly deadlineMs: number;
};

/**
 * How the supervisor acts on a decision (restore and retry, resume, skip, restart, stop). Called
 * exactly once per escalation, after the record is resolved in the store.
 */
export type ApplyDecision = (
  record: ResolvedEscalation,
  decision: HumanDecision,
) => Promise<void> | void;

/** Options of {@link EscalationService.resolve}. */
export interface ResolveOptions {
  /** Who decides (recorded). */
  readonly by?: string;
  /** Why (recorded). */
  readonly note?: string;
}

/** Capabilities of {@link EscalationService}. */
export interface EscalationServiceDeps {
  /** Wall time for `raisedAt`/`dueAt`/`decidedAt`, and the deadline timers. */
  readonly clock: Clock;
  /** Escalation ids. @default `crypto.randomUUID` */
  readonly newId?: () => string;
  /** Where listener errors and failures on the deadline path are logged. @default silent */
  readonly logger?: Logger;
}

/** Listener of opened escalations. */
export type EscalationOpenedListener = (record: OpenEscalation) => void;
/** Listener of resolved escalations (by a person or a deadline), called before `apply`. */
export type EscalationResolvedListener = (record: ResolvedEscalation) => void;
/** Listener of decisions whose `apply` threw (the record stays resolved). */
export type ApplyFailedListener = (record: ResolvedEscalation, error: unknown) => void;

/**
 * Escalations to a human: opens them (the record in the store, a deadline timer), takes decisions
 * from people, applies the policy's default when nobody decides in time, and tells the supervisor
 * what to do through the `apply` callback given at `open`. Each escalation is applied exactly
 * once: whoever closes it first in the store (a person or the deadline) wins.
 *
 * The deadline is authoritative by time, not by timer: a decision arriving at or after `dueAt`
 * loses to the default even if the timer has not fired yet (a busy event loop).
 *
 * Bindings live in this process. After a restart, records still `open` in a durable store have no
 * `apply` and no timer here until {@link EscalationService.rebind} binds them again (a supervisor
 * restored from its snapshot does, for its parked children); until then resolving one records the
 * decision but applies nothing.
 *
 * @example
 * const escalations = new EscalationService(createMemoryEscalationStore(), { clock });
 * const record = await escalations.open({ ...facts, deadlineMs: 900_000 }, applyDecision);
 * await escalations.resolve(record.id, { type: 'retry' }, { by: 'alice' });
 */
export class EscalationService {
  readonly #store: EscalationStore;
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #logger: Logger;
  readonly #bindings = new Map<string, Binding>();
  readonly #opened = new Set<EscalationOpenedListener>();
  readonly #resolved = new Set<EscalationResolvedListener>();
  readonly #applyFailed = new Set<ApplyFailedListener>();
  /** Ids this service is closing now: their watch echo is its own decision, applied by it. */
  readonly #settling = new Set<string>();
  readonly #watch: Disposable | undefined;
  #disposed = false;

  constructor(store: EscalationStore, deps: EscalationServiceDeps) {
    this.#store = store;
    this.#clock = deps.clock;
    this.#newId = deps.newId ?? randomUUID;
    this.#logger = deps.logger ?? silentLogger();
    // A decision made by another service (another node) on a child bound here applies here.
    this.#watch = store.watchResolved?.((record) => {
      this.#onResolvedElsewhere(record);
    });
  }
  // --- public API ---
  /**
   * Opens an escalation: stores the record (`raisedAt` now, `dueAt` after `deadlineMs`), arms
   * the deadline and emits `opened`. `apply` is called once with the decision, whoever makes it.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS when `deadlineMs` is negative or not a number.
   * @throws {RuntimeError} ERR_CLOSED after {@link EscalationService.dispose}.
   */
  async open(input: OpenEscalationInput, apply: ApplyDecision): Promise<OpenEscalation> {
    this.#assertOpen();
    const { deadlineMs } = input;
    // Negated so that NaN is refused too.
    if (!(deadlineMs >= 0)) {
      throw new RuntimeError(
        ErrorCode.InvalidOptions,
        `Expected \`deadlineMs\` >= 0, got ${String(deadlineMs)}`,
        { details: { deadlineMs } },
      );
    }
    const raisedAt = this.#clock.now();
    const record = openRecord(input, this.#newId(), raisedAt);
    await this.#store.put(record);
    if (!this.#disposed) {
      const binding: Binding = {
        apply,
        dueAt: record.dueAt,
        defaultDecision: record.defaultDecision,
        timer: undefined,
      };
      this.#bindings.set(record.id, binding);
      this.#arm(record.id, binding);
    }
    this.#emit(this.#opened, (listener) => {
      listener(record);
    });
    return record;
  }

  /**
   * Binds an escalation still open in the store to `apply` again and re-arms its deadline (one
   * already past applies the default at once). For a process that restarted: the bindings of the
   * one that opened it were lost with it.
   *
   * An escalation resolved while nobody held its child (its node died, and the decision was made
   * on another node before this one took the child over) and not applied yet is applied here,
   * after this call returns, and marked applied: exactly once across a failover.
   *
   * @returns The record (open, or resolved and about to be applied), or `undefined` when the
   *   store has no such escalation or its decision was applied already.
   * @throws {RuntimeError} ERR_CLOSED after {@link EscalationService.dispose}.
   */
  async rebind(id: string, apply: ApplyDecision): Promise<Escalation | undefined> {
    this.#assertOpen();
    const record = await this.#store.get(id);
    if (record === undefined || this.#disposed) return undefined;
    if (record.status === 'resolved') {
      const store = this.#store;
      if (store.appliedAt === undefined || (await store.appliedAt(id)) !== undefined) {
        return undefined;
      }
      // After the caller has parked the child again: the decision finds it waiting.
      void Promise.resolve().then(() => this.#applyResolved(record, apply));
      return record;
    }
    const previous = this.#bindings.get(id);
    if (previous !== undefined) this.#disarm(previous);
    const { dueAt, defaultDecision } = record;
    const binding: Binding = { apply, dueAt, defaultDecision, timer: undefined };
    this.#bindings.set(id, binding);
    this.#arm(id, binding);
    return record;
  }

  /**
   * A person's decision: validated, recorded (compare-and-set in the store), the timer
   * cancelled, `resolved` emitted, then `apply` awaited. If `apply` throws, the escalation stays
   * resolved, `apply-failed` is emitted and the error is rethrown as is.
   *
   * @throws {RuntimeError} ERR_INVALID_DECISION when `decision` fails `HumanDecisionSchema`
   *   (`details.issues`).
   * @throws {RuntimeError} ERR_ESCALATION_NOT_FOUND when no escalation has that id.
   * @throws {RuntimeError} ERR_ESCALATION_CLOSED when it is already resolved, or its deadline has
   *   passed (the default is then applied, if it was not already).
   * @throws {RuntimeError} ERR_CLOSED after {@link EscalationService.dispose}.
   */
  async resolve(
    id: string,
    decision: unknown,
    options: ResolveOptions = {},
  ): Promise<ResolvedEscalation> {
    this.#assertOpen();
    const valid = parseDecision(id, decision);
    const current = await this.#store.get(id);
    if (current === undefined) throw notFound(id);
    if (current.status === 'resolved') throw closed(current);
    const now = this.#clock.now();
    if (now >= current.dueAt) {
      // Too late: the default applies (its timer may be behind), and this decision is refused.
      await this.#expire(id, current.defaultDecision);
      const after = await this.#store.get(id);
      if (after?.status === 'resolved') throw closed(after);
      throw new RuntimeError(
        ErrorCode.EscalationClosed,
        `Escalation ${JSON.stringify(id)} passed its deadline; its default decision applies`,
        { details: { id, dueAt: current.dueAt, decidedBy: 'deadline' } },
      );
    }
    return this.#settle(id, valid, {
      decision: valid,
      decidedBy: 'human',
      ...(options.by === undefined ? {} : { by: options.by }),
      ...(options.note === undefined ? {} : { note: options.note }),
      decidedAt: now,
    });
  }

  /** The record with that id, or `undefined` (from the store). */
  get(id: string): Promise<Escalation | undefined> {
    return this.#store.get(id);
  }

  /** Escalations matching `filter`, oldest first (from the store). */
  list(filter: EscalationFilter = {}): Promise<Escalation[]> {
    return this.#store.list(filter);
  }

  /** Number of escalations this service opened that are still waiting for a decision. */
  openCount(): number {
    return this.#bindings.size;
  }

  /** Calls `listener` with each escalation opened here. Listener errors are logged, not raised. */
  onOpened(listener: EscalationOpenedListener): Disposable {
    return subscribe(this.#opened, listener);
  }

  /** Calls `listener` with each escalation resolved here, before its `apply` runs. */
  onResolved(listener: EscalationResolvedListener): Disposable {
    return subscribe(this.#resolved, listener);
  }

  /** Calls `listener` when an `apply` throws (the escalation stays resolved). */
  onApplyFailed(listener: ApplyFailedListener): Disposable {
    return subscribe(this.#applyFailed, listener);
  }

  /**
   * Cancels every deadline timer and forgets the bindings and listeners; records stay in the
   * store as they are. Later `open` and `resolve` calls fail with ERR_CLOSED.
   */
  dispose(): void {
    this.#disposed = true;
    this.#watch?.[Symbol.dispose]();
    for (const binding of this.#bindings.values()) this.#disarm(binding);
    this.#bindings.clear();
    this.#opened.clear();
    this.#resolved.clear();
    this.#applyFailed.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  // --- internals ---

  /** Closes the escalation in the store, then tells listeners and the supervisor. */
  async #settle(
    id: string,
    decision: HumanDecision,
    resolution: EscalationResolution,
  ): Promise<ResolvedEscalation> {
    // The record keeps the decision as data; `apply` gets it as given (a skip result may be rich).
    this.#settling.add(id);
    let record: ResolvedEscalation;
    try {
      record = await this.#store.resolve(id, {
        ...resolution,
        decision: specAsData(decision) as HumanDecision,
      });
    } finally {
      this.#settling.delete(id);
    }
    const binding = this.#bindings.get(id);
    this.#bindings.delete(id);
    if (binding !== undefined) this.#disarm(binding);
    this.#emit(this.#resolved, (listener) => {
      listener(record);
    });
    if (binding === undefined) return record;
    try {
      await binding.apply(record, decision);
    } catch (error) {
      this.#emit(this.#applyFailed, (listener) => {
        listener(record, error);
      });
      throw error;
    }
    await this.#markApplied(record);
    return record;
  }

  /** A decision made by another service on the store: applied when its child is bound here. */
  #onResolvedElsewhere(record: ResolvedEscalation): void {
    if (this.#settling.has(record.id)) return;
    const binding = this.#bindings.get(record.id);
    if (binding === undefined) return;
    this.#bindings.delete(record.id);
    this.#disarm(binding);
    void this.#applyResolved(record, binding.apply);
  }

  /** Tells listeners, applies a recorded decision and marks it applied; failures are reported. */
  async #applyResolved(record: ResolvedEscalation, apply: ApplyDecision): Promise<void> {
    this.#emit(this.#resolved, (listener) => {
      listener(record);
    });
    try {
      await apply(record, record.resolution.decision);
    } catch (error) {
      this.#emit(this.#applyFailed, (listener) => {
        listener(record, error);
      });
      this.#logger.error({ err: error, escalation: record.id }, 'escalation decision failed');
      return;
    }
    await this.#markApplied(record);
  }

  /** Records that the decision reached its child (a failed write is logged: it was applied). */
  async #markApplied(record: ResolvedEscalation): Promise<void> {
    try {
      await this.#store.markApplied?.(record.id, this.#clock.now());
    } catch (error) {
      this.#logger.warn({ err: error, escalation: record.id }, 'escalation applied mark failed');
    }
  }

  /** Applies the default decision; losing the race to a person is not an error. */
  async #expire(id: string, defaultType: HumanDecisionType): Promise<void> {
    const decision = defaultDecision(defaultType);
    try {
      await this.#settle(id, decision, {
        decision,
        decidedBy: 'deadline',
        decidedAt: this.#clock.now(),
      });
    } catch (error) {
      if (isRuntimeError(error, ErrorCode.EscalationClosed)) return;
      // Nobody awaits a deadline: the failure is logged. A store failure leaves the escalation
      // open, and the next `resolve` on it (now past `dueAt`) applies the default again.
      this.#logger.error({ err: error, escalation: id }, 'escalation deadline failed');
    }
  }

  #arm(id: string, binding: Binding): void {
    armDeadline(
      this.#clock,
      binding,
      () => this.#bindings.get(id) === binding,
      () => void this.#expire(id, binding.defaultDecision),
    );
  }

  #disarm(binding: Binding): void {
    disarmDeadline(this.#clock, binding);
  }

  #emit<TListener>(listeners: Set<TListener>, call: (listener: TListener) => void): void {
    for (const listener of [...listeners]) {
      try {
        call(listener);
      } catch (error) {
        // A listener (dashboard, logger) must never break escalations.
        this.#logger.warn({ err: error }, 'escalation listener threw');
      }
    }
  }

  #assertOpen(): void {
    if (this.#disposed) {
      throw new RuntimeError(ErrorCode.Closed, 'The escalation service is disposed');
    }
  }
}
