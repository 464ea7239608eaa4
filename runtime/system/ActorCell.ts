import type { AnyActor } from 'xstate';
import { scheduleMacrotask } from '../clock/index.js';
import type { Envelope } from '../codec/index.js';
import { ErrorCode, isRuntimeError, type RuntimeError } from '../errors/index.js';
import type { Logger } from '../telemetry/index.js';
import type { DeadLetterReason } from './DeadLetters.js';
import type { ActorStatus, LifecycleEvent, StopReason } from './Lifecycle.js';
import { Mailbox } from './Mailbox.js';
import {
  admit,
  mailboxFullRefusal,
  notRunningRefusal,
  type AdmissionContext,
  type Refusal,
} from './internal/admission.js';
import { createCellActor } from './internal/cellActor.js';
import { DurableRunner } from './internal/cellDurable.js';
import {
  actorFailedError,
  finishedError,
  notDurableError,
  stoppedError,
  unhandledError,
} from './internal/cellErrors.js';
import type { CellHost, CellSettings } from './internal/cellHost.js';
import { OwedReplies } from './internal/cellReplies.js';
import { StepTracker, handles } from './internal/cellStep.js';
import { cellInFlight } from './internal/settleCells.js';

/** Messages processed per turn before the cell yields to the event loop (Akka's "throughput"). */
const THROUGHPUT = 512;

export type { CellHost, CellSettings } from './internal/cellHost.js';

/**
 * One hosted actor incarnation: its bounded mailbox in front of an XState actor, the
 * asks it owes a reply, and the capture of every way XState can fail. Admission decisions live
 * in internal/admission.ts, the durable drain and replay in internal/cellDurable.ts, owed replies
 * in internal/cellReplies.ts, the step in progress in internal/cellStep.ts and the one reach into
 * XState's internals in internal/xstatePatch.ts.
 */
export class ActorCell {
  readonly name: string;
  readonly incarnation: number;
  readonly subject: string;
  status: ActorStatus = 'running';
  error: unknown = undefined;
  output: unknown = undefined;
  processed = 0;

  readonly #host: CellHost;
  readonly #settings: CellSettings;
  readonly #mailbox: Mailbox;
  readonly #actor: AnyActor;
  readonly #logger: Logger;
  readonly #owed: OwedReplies;
  readonly #step: StepTracker;
  readonly #admission: AdmissionContext;
  /** Durable actors: journaling drain and recovery replay. */
  readonly #durable: DurableRunner | undefined;
  /** The in-memory drain is scheduled. */
  #scheduled = false;
  /** Failed with ERR_PERSISTENCE_CONFLICT: another writer owns this actor now. */
  #fenced = false;
  /** The message that was being processed when the actor failed, if any. */
  failedOn: Envelope | undefined;

  constructor(host: CellHost, settings: CellSettings) {
    this.#host = host;
    this.#settings = settings;
    this.name = settings.name;
    this.incarnation = settings.incarnation;
    this.subject = settings.subject;
    this.#logger = settings.logger;
    this.#mailbox = new Mailbox(settings.capacity, host.messages.depth(settings.kind));
    this.#owed = new OwedReplies(host, settings.name);
    this.#step = new StepTracker(settings.recentCapacity);
    this.#admission = { actor: settings.name, accepts: settings.accepts, clock: host.clock };
    const persistence = settings.persistence;
    this.#actor = createCellActor(host, settings, {
      fail: (err) => {
        this.fail(err);
      },
      complete: () => {
        this.#onComplete();
      },
      replaying: () => this.#replaying(),
      reply: (emitted) => {
        if (!this.#replaying()) this.#owed.emitted(emitted); // else answered the first time
      },
      transitioned:
        persistence === undefined
          ? undefined
          : () => {
              this.#durable?.transitioned();
            },
    });
    // A checkpoint write that failed is not the fault of the last message: nothing is blamed.
    persistence?.bind(this.incarnation, (err) => {
      this.fail(err, { blameMessage: false });
    });
    this.#durable =
      persistence &&
      new DurableRunner(
        {
          name: settings.name,
          mailbox: this.#mailbox,
          step: this.#step,
          isRunning: () => this.#isRunning(),
          hasFailed: () => this.#hasFailed(),
          refuse: (envelope, refusal) => {
            this.#refuse(envelope, refusal);
          },
          notRunning: (envelope) => this.#notRunning(envelope),
          admit: (envelope) => this.#admit(envelope),
          process: (envelope, event) => {
            this.#process(envelope, event);
          },
          fail: (err, options) => {
            this.fail(err, options);
          },
          persisted: this.#persisted,
          journaled: (envelope) => this.#host.journaled?.(this.name, envelope),
        },
        persistence,
      );
  }

  readonly #persisted = (): unknown => this.#actor.getPersistedSnapshot();

  /** @internal What this cell has in flight (internal/settleCells.ts); undefined when idle. */
  inFlight(): Promise<unknown> | undefined {
    const queued = this.#scheduled || (this.#isRunning() && this.#mailbox.size > 0);
    return cellInFlight(queued || this.#durable?.draining === true, this.#settings.persistence);
  }

  /** Starts the XState actor (which may fail at once, e.g. a bad restored snapshot). */
  start(): void {
    this.#lifecycle({ type: 'started' });
    try {
      this.#actor.start();
    } catch (err) {
      this.fail(err);
    }
    this.#step.before = this.#actor.getSnapshot();
  }

  /**
   * The persisted state before the step that failed (or, while running, before the last
   * message): what `resume` and `retry` restore.
   */
  lastGoodSnapshot(): unknown {
    return this.#step.persistedBefore(this.#settings.logic);
  }

  /** The last delivered messages, oldest first. */
  recentMessages(): Envelope[] {
    return this.#step.recentMessages();
  }

  /**
   * Recovery: the journaled messages after the checkpoint go through the machine again, in
   * order, each followed by the effects it started whose outcomes are recorded (the ledger
   * answers them; nothing runs twice). Replies and reports went out the first time.
   */
  async replay(
    items: readonly { readonly seq: number; readonly envelope: Envelope }[],
  ): Promise<void> {
    await this.#durable?.replay(items);
  }

  /** Writes a checkpoint now (durable actors only); resolves with its revision. */
  checkpointNow(): Promise<number> {
    const persistence = this.#settings.persistence;
    if (persistence === undefined) return Promise.reject(notDurableError(this.name));
    return persistence.checkpointNow(this.#persisted);
  }

  /** Re-reads the status (it changes inside calls that TypeScript's narrowing cannot see). */
  #isRunning(): boolean {
    return this.status === 'running';
  }

  /** A durable actor is replaying its journal: no replies, no reports. */
  #replaying(): boolean {
    return this.#durable?.replaying === true;
  }

  #hasFailed(): boolean {
    return this.status === 'failed';
  }

  /** Number of messages waiting. */
  get mailboxSize(): number {
    return this.#mailbox.size;
  }

  /** The XState actor (for snapshots and inspection). */
  get actor(): AnyActor {
    return this.#actor;
  }

  // --- delivery ---

  /** Accepts a message into the mailbox, or dead-letters it with its reason. */
  enqueue(envelope: Envelope): void {
    if (this.#fenced) {
      // Another writer owns this actor: its copy there got the message too; answer nothing.
      this.#host.deadLetter('failed-actor', this.name, envelope, this.#notRunning(envelope).error);
      return;
    }
    if (this.status !== 'running') {
      this.#refuse(envelope, this.#notRunning(envelope));
      return;
    }
    if (this.#mailbox.full) {
      const victim = this.#settings.overflow === 'drop-oldest' ? this.#mailbox.shift() : envelope;
      if (victim !== envelope) this.#mailbox.push(envelope);
      if (victim !== undefined) {
        this.#refuse(
          victim,
          mailboxFullRefusal(this.name, this.#mailbox.capacity, this.#settings.overflow),
        );
      }
      return;
    }
    this.#mailbox.push(envelope);
    if (this.#durable !== undefined) {
      this.#durable.schedule();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#drain);
    }
  }

  readonly #drain = (): void => {
    this.#scheduled = false;
    let n = 0;
    while (this.status === 'running') {
      const envelope = this.#mailbox.shift();
      if (envelope === undefined) return;
      const event = this.#admit(envelope);
      if (event !== undefined) this.#process(envelope, event);
      if (++n >= THROUGHPUT && this.#mailbox.size > 0) {
        // Yield to I/O and timers so one busy actor cannot starve the process.
        this.#scheduled = true;
        scheduleMacrotask(this.#drain);
        return;
      }
    }
  };

  /** Deadline and payload schema (internal/admission.ts): the event, or undefined when refused. */
  #admit(envelope: Envelope): Envelope | undefined {
    const admission = admit(envelope, this.#admission);
    if (admission.admit) return admission.event;
    this.#refuse(envelope, admission);
    return undefined;
  }

  /** Hands an admitted message to the machine and reports it if the current state ignores it. */
  #process(envelope: Envelope, event: Envelope): void {
    if (!this.#replaying()) this.#owed.owe(envelope);
    const before: unknown = this.#actor.getSnapshot();
    const started = this.#host.clock.monotonic();
    this.#step.begin(envelope, before);
    this.#actor.send(event);
    this.#step.end();
    if (this.#replaying()) {
      // Replay meets the state the first run met: what was refused unhandled then is again.
      if (this.#actor.getSnapshot() === before && !handles(before, event)) {
        this.#settings.persistence?.processedUnhandled(envelope.id);
      }
      return;
    }
    const seconds = (this.#host.clock.monotonic() - started) / 1_000;
    this.processed++;
    this.#host.processed.inc();
    this.#host.delivered?.(this.name, envelope);
    // XState keeps the same snapshot object when no transition was enabled, and also when an
    // enabled transition only ran actions (no assign, no target). Only in that rare case ask the
    // machine whether it had a transition; then the message was not handled in its state: report
    // it rather than let an ask wait for its deadline.
    const unhandled =
      this.status === 'running' &&
      this.#actor.getSnapshot() === before &&
      (envelope.replyTo === undefined || this.#owed.has(envelope.id)) && // an answered ask was handled
      !handles(before, event);
    const outcome = this.status !== 'running' ? 'failed' : unhandled ? 'unhandled' : 'ok';
    // An unhandled type not in `accepts` is any string a sender chose: one bounded label for all.
    const type =
      outcome === 'ok' || this.#settings.accepts?.[envelope.type] !== undefined
        ? envelope.type
        : '_other';
    this.#host.messages.record(this.#settings.kind, type, outcome, seconds);
    if (unhandled) this.#unhandled(envelope);
  }

  #unhandled(envelope: Envelope): void {
    // A durable actor remembers the refusal, so a retry of this id gets it again (not a duplicate).
    this.#settings.persistence?.processedUnhandled(envelope.id);
    const error = unhandledError(this.name, envelope.type);
    this.#owed.answerOwed(envelope, error);
    this.#host.deadLetter('unhandled', this.name, envelope, error);
  }

  /** Dead-letters a message and answers it with the error when it was an ask. */
  #refuse(envelope: Envelope, { reason, error, unanswered }: Refusal): void {
    if (unanswered !== true) this.#owed.refuse(envelope, error);
    this.#host.deadLetter(reason, this.name, envelope, error);
  }

  // --- failure and exit ---

  /**
   * Fails this incarnation with `err` (XState errors land here; so can the actor's own logic).
   * The message in progress (or the last one) is blamed, and marked in the journal so recovery
   * does not replay it, unless `blameMessage` is false (a failed checkpoint write) or `err` is
   * ERR_PERSISTENCE_CONFLICT: another writer owns the actor now, and a fenced writer writes
   * nothing (a mark could land before the new owner's first append and fence it instead).
   */
  fail(err: unknown, options: { blameMessage?: boolean } = {}): void {
    if (this.status !== 'running') return;
    this.status = 'failed';
    this.error = err;
    this.#fenced = isRuntimeError(err, ErrorCode.PersistenceConflict);
    const blame = options.blameMessage !== false && !this.#fenced;
    // The step that failed: the message in progress, or the last one, whose work failed later.
    // A durable actor's replayed message was acknowledged by an earlier incarnation: never blamed.
    const persistence = this.#settings.persistence;
    this.failedOn = blame ? this.#step.blamed(persistence !== undefined) : undefined;
    // During a replay the message is not blamed again; a recorded effect failure that failed
    // the actor still is, so the next restore runs that effect anew instead of looping on it.
    if (blame) {
      const replayed =
        this.failedOn === undefined || this.#step.seq === undefined || this.#replaying();
      persistence?.markFailed(replayed ? undefined : this.#step.seq, err);
    }
    const current = this.#step.current;
    this.#logger.error(
      { err, msgId: current?.id, type: current?.type, correlationId: current?.correlationId },
      `actor ${this.name} failed`,
    );
    if ((this.#actor.getSnapshot() as { status: string }).status === 'active') this.#actor.stop();
    this.#release(actorFailedError(this.name, err), 'failed-actor');
    const message = this.failedOn;
    this.#lifecycle({ type: 'failed', error: err, ...(message === undefined ? {} : { message }) });
  }

  #onComplete(): void {
    const snapshot = this.#actor.getSnapshot() as { status: string; output?: unknown };
    if (this.status !== 'running' || snapshot.status !== 'done') return;
    this.status = 'done';
    this.output = snapshot.output;
    this.#release(finishedError(this.name), 'stopped-actor');
    this.#lifecycle({ type: 'done', output: snapshot.output });
  }

  /** Stops the actor; queued messages go to dead letters and owed asks get ERR_ACTOR_STOPPED. */
  stop(reason: StopReason): void {
    const wasRunning = this.status === 'running';
    if (wasRunning) {
      this.status = 'stopped';
      this.#actor.stop();
      this.#release(stoppedError(this.name, reason), 'stopped-actor');
    } else {
      this.status = 'stopped';
    }
    this.#lifecycle({ type: 'stopped', reason });
  }

  /** Reports a lifecycle event of this incarnation, now. */
  #lifecycle({ type, ...facts }: LifecycleFacts): void {
    const at = this.#host.clock.now();
    const event = { type, name: this.name, incarnation: this.incarnation, ...facts, at };
    this.#host.lifecycle(event as LifecycleEvent);
  }

  /**
   * The incarnation ends: every owed ask is answered with `error`, what is still queued is
   * dead-lettered, and no recorded outcome is awaited any more (a replay waiting for it ends).
   */
  #release(error: RuntimeError, reason: DeadLetterReason): void {
    this.#settings.persistence?.ledger.abandonDeliveries();
    if (this.#fenced) {
      // A stale copy answers nothing, not even with the fencing error: the owner's copy got
      // the same messages (one subject) and its reply must be the one the asker takes.
      this.#owed.clear();
      for (const envelope of this.#mailbox.takeAll())
        this.#host.deadLetter(reason, this.name, envelope, error);
      return;
    }
    this.#owed.answerAll(error);
    const queued = this.#mailbox.takeAll();
    if (this.#host.divert(this.name, queued, reason === 'failed-actor')) return;
    for (const envelope of queued) this.#refuse(envelope, { reason, error });
  }

  #notRunning(envelope: Envelope): Refusal {
    return notRunningRefusal(
      envelope,
      this.name,
      this.status as Exclude<ActorStatus, 'running'>,
      this.error,
    );
  }
}

/** A lifecycle event without what the cell adds (name, incarnation, time). */
type LifecycleFacts = Facts<LifecycleEvent>;
type Facts<E> = E extends unknown ? Omit<E, 'name' | 'incarnation' | 'at'> : never;
