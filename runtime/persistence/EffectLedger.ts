import {
  ErrorCode,
  RuntimeError,
  isRuntimeError,
  toWireError,
  type WireError,
} from '../errors/index.js';
import { classifyFailure } from '../errors/index.js';
import type { JournalEntry, JournalEvent } from './Journal.js';

/** A recorded effect outcome. */
export type EffectOutcome =
  | { readonly ok: true; readonly output: unknown }
  | { readonly ok: false; readonly error: WireError };

/** What the ledger knows of an effect key. */
export type EffectRecord =
  | { readonly state: 'new' }
  /** Started before a crash, no outcome: it may or may not have happened. */
  | { readonly state: 'uncertain'; readonly intentSeq: number }
  | { readonly state: 'done'; readonly outcome: EffectOutcome; readonly outcomeSeq: number };

/**
 * A recorded outcome on its way to the machine: `gated` until the replay reaches its place in the
 * journal, `in-flight` from then until the machine took it, `gone` once delivered or dropped.
 */
interface Delivery {
  state: 'gated' | 'in-flight' | 'gone';
}

/** A recorded outcome held until the replay reaches journal position `seq`. */
interface ReplayGate {
  readonly seq: number;
  readonly open: () => void;
  readonly delivery: Delivery | undefined;
}

/** @internal How the ledger writes to the journal (through the actor's fenced persister). */
export interface LedgerWriter {
  append(events: readonly JournalEvent[]): Promise<number[]>;
  now(): number;
}

/**
 * The effect ledger of one durable actor (DESIGN.md "Effects and the ledger"), kept in its
 * journal: an effect is identified by a key derived from the actor's history (the journal
 * sequence of the step that invoked it, and the invoke id), never from a process-local counter,
 * so the same effect gets the same key after a restore. Running one: look the key up → a
 * recorded outcome is returned without running anything; an intent without an outcome is
 * uncertain; otherwise record the intent, run, record the outcome, deliver it.
 */
export class EffectLedger {
  readonly #writer: LedgerWriter;
  readonly #intents = new Map<string, number>();
  readonly #outcomes = new Map<string, { outcome: EffectOutcome; seq: number }>();
  /** Effects running now, by invoke (child) id → key (intentSeq once recorded). Saved in checkpoints. */
  readonly #active = new Map<string, { key: string; intentSeq: number | undefined }>();
  /** Keys of effects that were running when the restored checkpoint was taken, by child id. */
  #restored = new Map<string, string>();
  /** Journal sequence of the step being processed (message or effect outcome). */
  step = 0;
  /** During recovery: recorded outcomes at or below this journal position may be delivered. */
  #replayCursor = Infinity;
  readonly #gates: ReplayGate[] = [];
  /** Recorded outcomes being delivered, by invoke (child) id (see {@link whenSettled}). */
  readonly #deliveries = new Map<string, Delivery>();
  #inFlight = 0;
  readonly #settledWaiters: (() => void)[] = [];
  /** Keys whose recorded failure failed the actor: a restore runs them again under a fresh attempt key. */
  readonly #superseded = new Set<string>();
  /** Errors this ledger delivered from failed outcomes → their keys (to tell what failed the actor). */
  readonly #delivered = new WeakMap<object, string>();

  /** @internal */
  constructor(writer: LedgerWriter) {
    this.#writer = writer;
  }

  /** @internal Loads intents and outcomes read back from the journal during recovery. */
  load(entries: readonly JournalEntry[], restoredActive: Readonly<Record<string, string>>): void {
    for (const { seq, event } of entries) {
      const data = event.data as { key?: unknown; effectKey?: unknown } | undefined;
      if (event.kind === 'note' && typeof data?.effectKey === 'string')
        this.#superseded.add(data.effectKey);
      if (typeof data?.key !== 'string') continue;
      if (event.kind === 'effect-intent') this.#intents.set(data.key, seq);
      if (event.kind === 'effect-outcome')
        this.#outcomes.set(data.key, {
          outcome: (event.data as { outcome: EffectOutcome }).outcome,
          seq,
        });
    }
    this.#restored = new Map(Object.entries(restoredActive));
  }

  /** @internal Recovery starts: hold recorded outcomes until the replay reaches them. */
  holdReplay(): void {
    this.#replayCursor = 0;
  }

  /** @internal The replay reached journal position `seq` (exclusive): deliver outcomes before it. */
  releaseReplay(seq: number): void {
    this.#replayCursor = seq;
    for (let i = this.#gates.length - 1; i >= 0; i--) {
      const gate = this.#gates[i] as ReplayGate;
      if (gate.seq < seq) {
        this.#gates.splice(i, 1);
        if (gate.delivery?.state === 'gated') {
          gate.delivery.state = 'in-flight';
          this.#inFlight++;
        }
        gate.open();
      }
    }
  }

  /**
   * Resolves when a recorded outcome at `seq` may be delivered (undefined: at once, as outside
   * recovery). With `childId` (the invoke id of the effect that delivers it), the outcome counts
   * as on its way to the machine from the moment it may be delivered until {@link delivered}
   * says the machine took it: {@link whenSettled} waits for it.
   */
  whenReplayed(seq: number, childId?: string): Promise<void> | undefined {
    const now = seq < this.#replayCursor;
    const delivery = childId === undefined ? undefined : this.#track(childId, now);
    if (now) return undefined;
    return new Promise((open) => this.#gates.push({ seq, open, delivery }));
  }

  #track(childId: string, now: boolean): Delivery {
    this.delivered(childId); // a child id runs one effect at a time: an older one is over
    const delivery: Delivery = { state: now ? 'in-flight' : 'gated' };
    if (now) this.#inFlight++;
    this.#deliveries.set(childId, delivery);
    return delivery;
  }

  /**
   * @internal The effect invoked as `childId` is over in the machine: its outcome was delivered
   * (the machine processed its done or error event) or it was stopped (its outcome never will be).
   */
  delivered(childId: string): void {
    const delivery = this.#deliveries.get(childId);
    if (delivery === undefined) return;
    this.#deliveries.delete(childId);
    const wasInFlight = delivery.state === 'in-flight';
    delivery.state = 'gone';
    if (wasInFlight && --this.#inFlight === 0) {
      for (const settle of this.#settledWaiters.splice(0)) settle();
    }
  }

  /** @internal The actor stopped: no recorded outcome will reach it any more. */
  abandonDeliveries(): void {
    for (const childId of [...this.#deliveries.keys()]) this.delivered(childId);
  }

  /**
   * The effects settled signal: resolves once every recorded outcome that may be delivered has
   * reached the machine (none in flight; outcomes still gated by the replay do not count). A
   * recovery awaits it between journal positions, so an outcome lands where it sits in the
   * journal, before the next replayed message.
   */
  whenSettled(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((settle) => this.#settledWaiters.push(settle));
  }

  /** @internal True when no recorded outcome is on its way to the machine (see {@link whenSettled}). */
  get isSettled(): boolean {
    return this.#inFlight === 0;
  }

  /** The key of the effect invoked as `childId`: restored if it was running at the checkpoint, else from the current step. */
  keyFor(childId: string): string {
    const restored = this.#restored.get(childId);
    let key: string;
    if (restored !== undefined) {
      this.#restored.delete(childId);
      key = restored;
    } else {
      key = `${this.step}/${childId}`;
    }
    // A recorded failure that failed the actor is not delivered again: the effect runs anew.
    key = this.#attemptOf(key);
    // Registered at once (synchronously, when XState starts the invoked child): a checkpoint
    // taken from now on carries the key, so a restore re-runs the effect under the same key.
    this.#active.set(childId, { key, intentSeq: this.#intents.get(key) });
    return key;
  }

  /** `key`, or its first attempt (`key@2`, `key@3`, …) whose failure did not fail the actor. */
  #attemptOf(key: string): string {
    if (!this.#superseded.has(key)) return key;
    const base = key.replace(/@\d+$/, '');
    let attempt = Number(/@(\d+)$/.exec(key)?.[1] ?? 1);
    let next: string;
    do next = `${base}@${++attempt}`;
    while (this.#superseded.has(next));
    return next;
  }

  /**
   * The error a failed outcome of `key` is delivered as (live or replayed). Remembered, so that
   * when it fails the actor ({@link failedBy}) the next restore runs the effect again instead of
   * delivering the same failure, which would fail it again.
   */
  failure(key: string, error: WireError): RuntimeError {
    const rebuilt = RuntimeError.fromWire(error);
    this.#delivered.set(rebuilt, key);
    return rebuilt;
  }

  /** @internal The key of the effect whose delivered failure is `error` (the actor failed on it). */
  failedBy(error: unknown): string | undefined {
    return typeof error === 'object' && error !== null ? this.#delivered.get(error) : undefined;
  }

  /** What is recorded for `key`. */
  lookup(key: string): EffectRecord {
    const done = this.#outcomes.get(key);
    if (done !== undefined) return { state: 'done', outcome: done.outcome, outcomeSeq: done.seq };
    const intent = this.#intents.get(key);
    if (intent !== undefined) return { state: 'uncertain', intentSeq: intent };
    return { state: 'new' };
  }

  /** Records that an effect is about to run (before any side effect). */
  async intent(childId: string, key: string, effect: string, input: unknown): Promise<void> {
    const existing = this.#intents.get(key);
    if (existing !== undefined) {
      this.#active.set(childId, { key, intentSeq: existing });
      return;
    }
    const [seq] = await this.#writer.append([
      {
        id: `i:${key}`,
        kind: 'effect-intent',
        at: this.#writer.now(),
        data: { key, effect, input },
      },
    ]);
    this.#intents.set(key, seq as number);
    this.#active.set(childId, { key, intentSeq: seq });
  }

  /** Records an effect's outcome (before it is delivered to the machine); returns its sequence. */
  async outcome(
    childId: string,
    key: string,
    effect: string,
    outcome: EffectOutcome,
  ): Promise<number> {
    const existing = this.#outcomes.get(key);
    if (existing !== undefined) return existing.seq;
    const [seq] = await this.#writer.append([
      {
        id: `o:${key}`,
        kind: 'effect-outcome',
        at: this.#writer.now(),
        data: { key, effect, outcome },
      },
    ]);
    this.#outcomes.set(key, { outcome, seq: seq as number });
    this.#active.delete(childId);
    return seq as number;
  }

  /** Marks a running effect as gone without an outcome (its invoking state was left). */
  abandon(childId: string): void {
    this.#active.delete(childId);
  }

  /** Effects running now (child id → key), saved in a checkpoint. */
  activeEffects(): Record<string, string> {
    return Object.fromEntries([...this.#active].map(([id, a]) => [id, a.key]));
  }

  /** The lowest journal sequence a running effect's intent sits at (journal truncation keeps it). */
  lowestActiveSeq(): number | undefined {
    let low: number | undefined;
    for (const a of this.#active.values()) {
      if (a.intentSeq !== undefined)
        low = low === undefined ? a.intentSeq : Math.min(low, a.intentSeq);
    }
    return low;
  }
}

/** The error an uncertain, non-idempotent, unverifiable effect raises: failure class `uncertain-effect`. */
export function uncertainEffect(effect: string, key: string, actor: string): RuntimeError {
  return new RuntimeError(
    ErrorCode.UncertainEffect,
    `${effect} ${key} of ${actor} started before a crash and has no recorded outcome; it is not idempotent and has no verify: a person must decide`,
    { details: { effect, key, actor, failureClass: 'uncertain-effect' } },
  );
}

/**
 * The outcome of a thrown error, for the ledger. The wire form keeps what classification reads
 * and a plain wire form drops (a `failureClass` tag, an HTTP status, a system error code): the
 * class the live error has goes into `details.failureClass` when the rebuilt error would be
 * classed otherwise, so a supervisor decides the same with and without persistence.
 */
export function failedOutcome(error: unknown): EffectOutcome & { readonly ok: false } {
  const wire = toWireError(error);
  const failureClass = classifyFailure(error);
  const facts = plainErrorFacts(error);
  const kept: WireError =
    facts === undefined ? wire : { ...wire, details: { ...wire.details, ...facts } };
  if (classifyFailure(RuntimeError.fromWire(kept)) === failureClass)
    return { ok: false, error: kept };
  return { ok: false, error: { ...kept, details: { ...kept.details, failureClass } } };
}

/** The `code` and `status` of an error that is not a RuntimeError (its wire code is ERR_UNKNOWN). */
function plainErrorFacts(error: unknown): Record<string, unknown> | undefined {
  if (!(error instanceof Error) || isRuntimeError(error)) return undefined;
  const { code, status, statusCode } = error as {
    code?: unknown;
    status?: unknown;
    statusCode?: unknown;
  };
  const facts: Record<string, unknown> = {};
  if (typeof code === 'string' || typeof code === 'number') facts['originalCode'] = code;
  const httpStatus = typeof status === 'number' ? status : statusCode;
  if (typeof httpStatus === 'number') facts['status'] = httpStatus;
  return Object.keys(facts).length === 0 ? undefined : facts;
}
