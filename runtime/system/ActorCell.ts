import { createActor, type AnyActor, type AnyActorLogic } from 'xstate';
import type { z } from 'zod';
import { scheduleMacrotask, type Clock } from '../clock/index.js';
import { type Envelope, ReplyType, encodedSize, messageExpiresAt } from '../codec/index.js';
import { ErrorCode, RuntimeError, isRuntimeError, type WireError } from '../errors/index.js';
import type { BoundCounter, Logger } from '../telemetry/index.js';
import type { Persister } from '../persistence/index.js';
import type { Transport } from '../transport/index.js';
import type { DeadLetterReason } from './DeadLetters.js';
import type { ActorStatus, LifecycleEvent, StopReason } from './Lifecycle.js';
import { Mailbox, type OverflowPolicy } from './Mailbox.js';
import { REPLY_EVENT, type ReplyEmitted } from './respond.js';

/** Messages processed per turn before the cell yields to the event loop (Akka's "throughput"). */
const THROUGHPUT = 512;

/** @internal What a cell needs from its system. */
export interface CellHost {
  readonly clock: Clock;
  readonly transport: Transport;
  nextId(): string;
  deadLetter(reason: DeadLetterReason, to: string, envelope: Envelope, error: RuntimeError): void;
  lifecycle(event: LifecycleEvent): void;
  readonly processed: BoundCounter;
  /**
   * Offers messages still queued when this incarnation ends to the system; true when it holds
   * them for the next incarnation (a supervisor restarting the actor), false to dead-letter them.
   */
  divert(name: string, envelopes: readonly Envelope[], failed: boolean): boolean;
  /** Called after each message reaches the logic, when anyone listens (observability taps). */
  delivered: ((actor: string, envelope: Envelope) => void) | undefined;
  /**
   * Called after a durable actor processed a message whose journal entry is written (what a
   * durable mailbox acknowledges on), when anyone listens. Not called when the message failed it.
   */
  journaled: ((actor: string, envelope: Envelope) => void) | undefined;
}

/** @internal Settings of one cell. */
export interface CellSettings {
  readonly name: string;
  readonly subject: string;
  readonly incarnation: number;
  readonly logic: AnyActorLogic;
  readonly accepts: Readonly<Record<string, z.ZodType>> | undefined;
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  readonly input: unknown;
  readonly snapshot: unknown;
  readonly logger: Logger;
  /** How many of the last delivered messages to keep for failure reports. */
  readonly recentCapacity: number;
  /** Durable actors: journaling, checkpoints, dedupe. */
  readonly persistence: Persister | undefined;
}

/** Messages journaled together (one append) by a durable actor. */
const DURABLE_BATCH = 64;

interface ExecutableAction {
  type: string;
  exec?: ((info: unknown, params: unknown) => unknown) | undefined;
}

interface ActorScopeInternals {
  actionExecutor?: (action: ExecutableAction) => void;
}

/**
 * @internal One hosted actor incarnation: its bounded mailbox in front of an XState actor, the
 * asks it owes a reply, and the capture of every way XState can fail.
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
  /** Asks delivered to the machine and not answered yet: id → reply subject. */
  readonly #owed = new Map<string, string>();
  #scheduled = false;
  /** True while journaled messages are replayed after a restore: no replies, no reports. */
  #replaying = false;
  /**
   * True for a durable cell from its creation until its replay is done: its state is the
   * checkpoint's while the persister's position is already past the journal to replay, so no
   * checkpoint may be taken before the replay (it would pair the old state with the new position
   * and processed ids, losing the replayed messages at the next recovery).
   */
  #awaitingReplay: boolean;
  /** True while a message is being handed to the machine (its transitions are that message's step). */
  #inMessage = false;
  /** The message being processed, so a failure can name the message that caused it. */
  #current: Envelope | undefined;
  /** Failed with ERR_PERSISTENCE_CONFLICT: another writer owns this actor now. */
  #fenced = false;
  /** The message that was being processed when the actor failed, if any. */
  failedOn: Envelope | undefined;
  /**
   * The state before the last delivered message, and that message: the start of the step in
   * progress. A failure (during the message, or later in what it started, such as an invoked
   * call without onError) is a failure of that step; resume and retry restart from here.
   */
  #stepBefore: unknown;
  #stepMessage: Envelope | undefined;
  /** Journal sequence of `#stepMessage` (durable actors). */
  #stepSeq: number | undefined;
  /**
   * Durable actors: true when `#stepMessage` was journaled by this incarnation, false when it was
   * replayed (an earlier incarnation processed and acknowledged it: it is never blamed again).
   */
  #stepLive = false;
  /** The last delivered messages, oldest first once full (a ring). */
  readonly #recent: (Envelope | undefined)[];
  #recentNext = 0;

  constructor(host: CellHost, settings: CellSettings) {
    this.#host = host;
    this.#settings = settings;
    this.name = settings.name;
    this.incarnation = settings.incarnation;
    this.subject = settings.subject;
    this.#logger = settings.logger;
    this.#mailbox = new Mailbox(settings.capacity);
    this.#recent = new Array<Envelope | undefined>(settings.recentCapacity);
    this.#awaitingReplay = settings.persistence !== undefined;
    this.#actor = createActor(settings.logic, {
      clock: host.clock,
      ...(settings.input === undefined ? {} : { input: settings.input }),
      ...(settings.snapshot === undefined ? {} : { snapshot: settings.snapshot as never }),
      logger: (...args: unknown[]) => {
        this.#logger.info({ xstate: args }, 'xstate log');
      },
    });
    this.#captureAsyncActionErrors();
    // An error observer is mandatory: without one XState rethrows in a timer and kills the process.
    this.#actor.subscribe({
      error: (err: unknown) => {
        this.fail(err);
      },
      complete: () => {
        this.#onComplete();
      },
    });
    this.#actor.on(REPLY_EVENT, (emitted) => {
      this.#reply(emitted as unknown as ReplyEmitted);
    });
    const persistence = settings.persistence;
    if (persistence !== undefined) {
      // A checkpoint write that failed is not the fault of the last message: nothing is blamed.
      persistence.bind(this.incarnation, (err) => {
        this.fail(err, { blameMessage: false });
      });
      // A transition no message caused (an effect's result arriving) is a settled step.
      this.#actor.subscribe({
        next: () => {
          if (
            !this.#inMessage &&
            !this.#replaying &&
            !this.#awaitingReplay &&
            this.status === 'running'
          ) {
            persistence.settled(this.#persisted);
          }
        },
        error: () => undefined,
      });
    }
  }

  readonly #persisted = (): unknown => this.#actor.getPersistedSnapshot();

  /** Starts the XState actor (which may fail at once, e.g. a bad restored snapshot). */
  start(): void {
    this.#host.lifecycle({
      type: 'started',
      name: this.name,
      incarnation: this.incarnation,
      at: this.#host.clock.now(),
    });
    try {
      this.#actor.start();
    } catch (err) {
      this.fail(err);
    }
    this.#stepBefore = this.#actor.getSnapshot();
  }

  /**
   * The persisted state before the step that failed (or, while running, before the last
   * message): what `resume` and `retry` restore.
   */
  lastGoodSnapshot(): unknown {
    const logic = this.#settings.logic as { getPersistedSnapshot?: (s: unknown) => unknown };
    if (this.#stepBefore === undefined || typeof logic.getPersistedSnapshot !== 'function')
      return undefined;
    return logic.getPersistedSnapshot(this.#stepBefore);
  }

  /** The last delivered messages, oldest first. */
  recentMessages(): Envelope[] {
    const n = this.#recent.length;
    const out: Envelope[] = [];
    for (let i = 0; i < n; i++) {
      const e = this.#recent[(this.#recentNext + i) % n];
      if (e !== undefined) out.push(e);
    }
    return out;
  }

  /**
   * Recovery: the journaled messages after the checkpoint go through the machine again, in
   * order, each followed by the effects it started whose outcomes are recorded (the ledger
   * answers them; nothing runs twice). Replies and reports went out the first time.
   */
  async replay(
    items: readonly { readonly seq: number; readonly envelope: Envelope }[],
  ): Promise<void> {
    const persistence = this.#settings.persistence;
    if (persistence === undefined) return;
    const { ledger } = persistence;
    this.#replaying = true;
    try {
      // Journal order, effects included: an effect that was running at the checkpoint delivers
      // its recorded outcome where the outcome sits in the journal, before later messages.
      for (const { seq, envelope } of items) {
        if (!this.#isRunning()) break;
        ledger.releaseReplay(seq);
        await this.#quiesce();
        ledger.step = seq;
        this.#stepSeq = seq;
        this.#stepLive = false;
        this.#process(envelope, envelope);
        persistence.replayed(seq);
        await this.#quiesce();
      }
      ledger.releaseReplay(Infinity);
      await this.#quiesce();
    } finally {
      ledger.releaseReplay(Infinity);
      this.#replaying = false;
      this.#awaitingReplay = false;
    }
    // The settled checkpoint skipped at start, now that state and position agree.
    if (this.#isRunning()) persistence.settled(this.#persisted);
  }

  /** Lets recorded effect outcomes reach the machine: until its snapshot stops changing. */
  async #quiesce(): Promise<void> {
    let last: unknown = undefined;
    let still = 0;
    for (let round = 0; round < 1_000 && still < 8; round++) {
      await Promise.resolve();
      const now: unknown = this.#actor.getSnapshot();
      still = now === last ? still + 1 : 0;
      last = now;
    }
  }

  /** Writes a checkpoint now (durable actors only); resolves with its revision. */
  checkpointNow(): Promise<number> {
    const persistence = this.#settings.persistence;
    if (persistence === undefined) {
      return Promise.reject(
        new RuntimeError(
          ErrorCode.InvalidOptions,
          `${this.name} is not durable (spawn it with spawnDurable)`,
          {
            details: { actor: this.name },
          },
        ),
      );
    }
    return persistence.checkpointNow(this.#persisted);
  }

  /** Re-reads the status (it changes inside calls that TypeScript's narrowing cannot see). */
  #isRunning(): boolean {
    return this.status === 'running';
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
      this.#host.deadLetter('failed-actor', this.name, envelope, this.#notRunningError(envelope));
      return;
    }
    if (this.status !== 'running') {
      this.#refuse(envelope, this.#notRunningReason(), this.#notRunningError(envelope));
      return;
    }
    if (this.#mailbox.full) {
      const victim = this.#settings.overflow === 'drop-oldest' ? this.#mailbox.shift() : envelope;
      if (victim !== envelope) this.#mailbox.push(envelope);
      if (victim !== undefined) {
        this.#refuse(
          victim,
          'mailbox-full',
          new RuntimeError(
            ErrorCode.MailboxFull,
            `Mailbox of ${this.name} is full (${this.#mailbox.capacity})`,
            {
              details: {
                actor: this.name,
                capacity: this.#mailbox.capacity,
                policy: this.#settings.overflow,
              },
            },
          ),
        );
      }
      return;
    }
    this.#mailbox.push(envelope);
    if (!this.#scheduled) {
      this.#scheduled = true;
      if (this.#settings.persistence === undefined) queueMicrotask(this.#drain);
      else void this.#drainDurable(this.#settings.persistence);
    }
  }

  readonly #drain = (): void => {
    this.#scheduled = false;
    let n = 0;
    while (this.status === 'running') {
      const envelope = this.#mailbox.shift();
      if (envelope === undefined) return;
      this.#deliver(envelope);
      if (++n >= THROUGHPUT && this.#mailbox.size > 0) {
        // Yield to I/O and timers so one busy actor cannot starve the process.
        this.#scheduled = true;
        scheduleMacrotask(this.#drain);
        return;
      }
    }
  };

  #deliver(envelope: Envelope): void {
    const event = this.#admit(envelope);
    if (event !== undefined) this.#process(envelope, event);
  }

  /**
   * A durable actor's mailbox: a batch is admitted, deduplicated on processed ids, journaled in
   * one fenced append (write-ahead), then processed one by one; checkpoints follow the policy.
   */
  async #drainDurable(persistence: Persister): Promise<void> {
    await Promise.resolve(); // let the sender's turn finish, as the in-memory path does
    try {
      while (this.status === 'running' && this.#mailbox.size > 0) {
        const batch: { envelope: Envelope; event: Envelope }[] = [];
        const ids = new Set<string>();
        while (batch.length < DURABLE_BATCH) {
          const envelope = this.#mailbox.shift();
          if (envelope === undefined) break;
          if (persistence.isProcessed(envelope.id) || ids.has(envelope.id)) {
            this.#refuse(
              envelope,
              'duplicate',
              new RuntimeError(
                ErrorCode.DuplicateMessage,
                `${this.name} already processed ${envelope.id}`,
                {
                  details: { actor: this.name, id: envelope.id },
                },
              ),
            );
            continue;
          }
          const event = this.#admit(envelope);
          if (event !== undefined && this.#fitsJournal(envelope, persistence)) {
            ids.add(envelope.id);
            batch.push({ envelope, event });
          }
        }
        if (batch.length === 0) continue;
        let seqs: number[];
        try {
          seqs = await persistence.journalMessages(batch.map((b) => b.envelope));
        } catch (err) {
          // Not journaled, so not processed: the actor fails (a fenced append means another
          // writer owns it) and the batch is answered like the rest of its mailbox. No message is
          // blamed: the previous step finished (and was acknowledged) before this batch came.
          for (const b of batch) this.#mailbox.push(b.envelope);
          this.fail(err, { blameMessage: false });
          return;
        }
        for (let i = 0; i < batch.length; i++) {
          const b = batch[i] as { envelope: Envelope; event: Envelope };
          if (!this.#isRunning()) {
            this.#refuse(b.envelope, this.#notRunningReason(), this.#notRunningError(b.envelope));
            continue;
          }
          // The step starts: a checkpoint taken during it (before an effect) already holds
          // this message, so its journal position must too.
          persistence.beginStep(seqs[i] as number, b.envelope.id);
          this.#stepSeq = seqs[i];
          this.#stepLive = true;
          this.#process(b.envelope, b.event);
          if (this.#isRunning())
            persistence.applied(b.envelope.id, seqs[i] as number, this.#persisted);
          // Journaled (above) and processed: unless it failed the actor (reported as `failed`).
          if (!this.#hasFailed()) this.#host.journaled?.(this.name, b.envelope);
        }
      }
    } finally {
      this.#scheduled = false;
      if (this.status === 'running' && this.#mailbox.size > 0) {
        this.#scheduled = true;
        void this.#drainDurable(persistence);
      }
    }
  }

  /**
   * A durable actor's one size and encodability check, before anything is journaled: the encoded
   * envelope must fit the journal's record (less the record's overhead), encode at all (no BigInt
   * beyond 64 bits) and nest no deeper than the codec's bound. What passes always journals; what
   * does not is refused here with its code (ERR_MESSAGE_TOO_LARGE, ERR_MALFORMED_MESSAGE), so a
   * journal refusal can never fail the actor and blame a message that was already acknowledged.
   */
  #fitsJournal(envelope: Envelope, persistence: Persister): boolean {
    const size = encodedSize(envelope, { maxBytes: persistence.maxMessageBytes });
    if (size.ok) return true;
    const { error } = size;
    this.#refuse(
      envelope,
      'malformed-message',
      new RuntimeError(error.code, `${this.name} refused ${envelope.type}: ${error.message}`, {
        cause: error,
        details: { ...error.details, actor: this.name, type: envelope.type },
      }),
    );
    return false;
  }

  /**
   * Checks deadline and payload schema; refuses (dead letter, error reply) or returns the event.
   * Nothing thrown here escapes: a schema that throws (a broken refine, or a recursive schema
   * overflowing the stack on a deep payload) refuses the message with a code.
   */
  #admit(envelope: Envelope): Envelope | undefined {
    // A monotonic deadline on this clock (from the budget it arrived with), not a wall time set
    // by another machine's clock.
    const expiresAt = messageExpiresAt(envelope, this.#host.clock);
    if (expiresAt !== undefined && expiresAt < this.#host.clock.monotonic()) {
      this.#refuse(
        envelope,
        'expired',
        new RuntimeError(
          ErrorCode.Timeout,
          `Message ${envelope.id} expired before ${this.name} took it`,
          {
            details: { deadline: envelope.deadline, budgetMs: envelope.budgetMs },
          },
        ),
      );
      return undefined;
    }
    let event = envelope;
    const accepts = this.#settings.accepts;
    if (accepts !== undefined) {
      const schema = accepts[envelope.type];
      if (schema === undefined) {
        this.#refuse(
          envelope,
          'unknown-type',
          new RuntimeError(
            ErrorCode.UnknownMessageType,
            `${this.name} does not accept messages of type ${envelope.type}`,
            {
              details: { actor: this.name, type: envelope.type, accepts: Object.keys(accepts) },
            },
          ),
        );
        return undefined;
      }
      let parsed: ReturnType<z.ZodType['safeParse']>;
      try {
        parsed = schema.safeParse(envelope.payload);
      } catch (cause) {
        this.#refuseThrown(envelope, cause);
        return undefined;
      }
      if (!parsed.success) {
        this.#refuse(
          envelope,
          'invalid-message',
          new RuntimeError(
            ErrorCode.InvalidMessage,
            `Payload of ${envelope.type} for ${this.name} is invalid: ${parsed.error.issues[0]?.message ?? ''}`,
            {
              details: {
                actor: this.name,
                type: envelope.type,
                issues: parsed.error.issues.map((i) => ({
                  path: i.path.map(String),
                  message: i.message,
                })),
              },
            },
          ),
        );
        return undefined;
      }
      if (parsed.data !== envelope.payload) event = { ...envelope, payload: parsed.data };
    }
    return event;
  }

  /** A payload schema threw instead of answering: the message is refused, never the process. */
  #refuseThrown(envelope: Envelope, cause: unknown): void {
    // A RangeError here is the stack overflowing on a payload nested too deep for the schema.
    const overflow = cause instanceof RangeError;
    this.#refuse(
      envelope,
      overflow ? 'malformed-message' : 'invalid-message',
      new RuntimeError(
        overflow ? ErrorCode.MalformedMessage : ErrorCode.InvalidMessage,
        overflow
          ? `Payload of ${envelope.type} for ${this.name} nests too deep to validate`
          : `Payload schema of ${envelope.type} for ${this.name} threw while validating`,
        { cause, details: { actor: this.name, type: envelope.type } },
      ),
    );
  }

  /** Hands an admitted message to the machine and reports it if the current state ignores it. */
  #process(envelope: Envelope, event: Envelope): void {
    if (envelope.replyTo !== undefined && !this.#replaying)
      this.#owed.set(envelope.id, envelope.replyTo);
    const before = this.#actor.getSnapshot() as Snapshot;
    this.#stepBefore = before;
    this.#stepMessage = envelope;
    this.#current = envelope;
    this.#inMessage = true;
    if (this.#recent.length > 0) {
      this.#recent[this.#recentNext] = envelope;
      this.#recentNext = (this.#recentNext + 1) % this.#recent.length;
    }
    this.#actor.send(event);
    this.#inMessage = false;
    this.#current = undefined;
    if (this.#replaying) return;
    this.processed++;
    this.#host.processed.inc();
    this.#host.delivered?.(this.name, envelope);
    // XState keeps the same snapshot object when no transition was enabled, and also when an
    // enabled transition only ran actions (no assign, no target). Only in that rare case ask the
    // machine whether it had a transition; then the message was not handled in its state: report
    // it rather than let an ask wait for its deadline.
    if (
      this.status === 'running' &&
      this.#actor.getSnapshot() === before &&
      (envelope.replyTo === undefined || this.#owed.has(envelope.id)) && // an answered ask was handled
      !canHandle(before, event)
    ) {
      this.#unhandled(envelope);
    }
  }

  #unhandled(envelope: Envelope): void {
    const error = new RuntimeError(
      ErrorCode.Unhandled,
      `${this.name} has no transition for ${envelope.type} in its current state`,
      {
        details: { actor: this.name, type: envelope.type },
      },
    );
    if (envelope.replyTo !== undefined && this.#owed.delete(envelope.id)) {
      this.#sendReply(envelope.replyTo, envelope.id, undefined, error.toWire());
    }
    this.#host.deadLetter('unhandled', this.name, envelope, error);
  }

  /** Dead-letters a message and answers it with the error when it was an ask. */
  #refuse(envelope: Envelope, reason: DeadLetterReason, error: RuntimeError): void {
    if (envelope.replyTo !== undefined)
      this.#sendReply(envelope.replyTo, envelope.id, undefined, error.toWire());
    this.#host.deadLetter(reason, this.name, envelope, error);
  }

  // --- replies ---

  #reply(emitted: ReplyEmitted): void {
    if (this.#replaying) return; // answered the first time
    const to = emitted.to as ReplyEmitted['to'] | undefined;
    if (to?.replyTo === undefined) return; // answering a tell: nobody waits for it
    this.#owed.delete(to.id);
    this.#sendReply(to.replyTo, to.id, emitted.payload, emitted.error);
  }

  #sendReply(
    subject: string,
    inReplyTo: string,
    payload: unknown,
    error: WireError | undefined,
  ): void {
    const reply: Envelope = {
      v: 1,
      id: this.#host.nextId(),
      type: error === undefined ? ReplyType.Ok : ReplyType.Error,
      to: subject,
      from: this.name,
      correlationId: inReplyTo,
      payload: error ?? payload,
    };
    this.#host.transport.publish(subject, reply);
  }

  // --- failure and exit ---

  /**
   * XState ignores the promise an `async` action returns, so its rejection would be unhandled
   * (fatal on Node 20). Every action this actor executes goes through its scope's executor:
   * wrap it so a returned promise that rejects fails the actor instead.
   */
  #captureAsyncActionErrors(): void {
    const scope = (this.#actor as unknown as { _actorScope?: ActorScopeInternals })._actorScope;
    const original = scope?.actionExecutor;
    if (scope === undefined || original === undefined) return;
    scope.actionExecutor = (action: ExecutableAction) => {
      const exec = action.exec;
      // XState's built-in actions (types `xstate.*`: assign, emit, sendTo, raise…) never return a
      // promise; only user functions can. Wrapping those alone keeps the hot path allocation-free.
      if (exec !== undefined && !action.type.startsWith('xstate.')) {
        action.exec = (info, params) => {
          const result = exec(info, params);
          if (isPromiseLike(result)) {
            result.then(undefined, (err: unknown) => {
              this.fail(err);
            });
          }
          return result;
        };
      }
      original(action);
    };
  }

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
    const stepOwned = this.#settings.persistence === undefined || this.#stepLive;
    this.failedOn = blame
      ? (this.#current ?? (stepOwned ? this.#stepMessage : undefined))
      : undefined;
    // During a replay the message is not blamed again; a recorded effect failure that failed
    // the actor still is, so the next restore runs that effect anew instead of looping on it.
    if (blame) {
      const replayed =
        this.failedOn === undefined || this.#stepSeq === undefined || this.#replaying;
      this.#settings.persistence?.markFailed(replayed ? undefined : this.#stepSeq, err);
    }
    this.#logger.error(
      {
        err,
        msgId: this.#current?.id,
        type: this.#current?.type,
        correlationId: this.#current?.correlationId,
      },
      `actor ${this.name} failed`,
    );
    if ((this.#actor.getSnapshot() as { status: string }).status === 'active') this.#actor.stop();
    const wire = new RuntimeError(ErrorCode.ActorFailed, `${this.name} failed`, {
      cause: err,
      details: { actor: this.name },
    });
    this.#release(wire, 'failed-actor');
    this.#host.lifecycle({
      type: 'failed',
      name: this.name,
      incarnation: this.incarnation,
      error: err,
      ...(this.failedOn === undefined ? {} : { message: this.failedOn }),
      at: this.#host.clock.now(),
    });
  }

  #onComplete(): void {
    const snapshot = this.#actor.getSnapshot() as { status: string; output?: unknown };
    if (this.status !== 'running' || snapshot.status !== 'done') return;
    this.status = 'done';
    this.output = snapshot.output;
    const error = new RuntimeError(
      ErrorCode.ActorStopped,
      `${this.name} finished before answering`,
      { details: { actor: this.name } },
    );
    this.#release(error, 'stopped-actor');
    this.#host.lifecycle({
      type: 'done',
      name: this.name,
      incarnation: this.incarnation,
      output: snapshot.output,
      at: this.#host.clock.now(),
    });
  }

  /** Stops the actor; queued messages go to dead letters and owed asks get ERR_ACTOR_STOPPED. */
  stop(reason: StopReason): void {
    const wasRunning = this.status === 'running';
    if (wasRunning) {
      this.status = 'stopped';
      this.#actor.stop();
      const error = new RuntimeError(ErrorCode.ActorStopped, `${this.name} stopped (${reason})`, {
        details: { actor: this.name, reason },
      });
      this.#release(error, 'stopped-actor');
    } else {
      this.status = 'stopped';
    }
    this.#host.lifecycle({
      type: 'stopped',
      name: this.name,
      incarnation: this.incarnation,
      reason,
      at: this.#host.clock.now(),
    });
  }

  /** Answers every owed ask with `error` and dead-letters what is still queued. */
  #release(error: RuntimeError, reason: DeadLetterReason): void {
    if (this.#fenced) {
      // A stale copy answers nothing, not even with the fencing error: the owner's copy got
      // the same messages (one subject) and its reply must be the one the asker takes.
      this.#owed.clear();
      for (const envelope of this.#mailbox.takeAll())
        this.#host.deadLetter(reason, this.name, envelope, error);
      return;
    }
    const wire = error.toWire();
    for (const [id, subject] of this.#owed) this.#sendReply(subject, id, undefined, wire);
    this.#owed.clear();
    const queued = this.#mailbox.takeAll();
    if (this.#host.divert(this.name, queued, reason === 'failed-actor')) return;
    for (const envelope of queued) this.#refuse(envelope, reason, error);
  }

  #notRunningReason(): DeadLetterReason {
    return this.status === 'failed' ? 'failed-actor' : 'stopped-actor';
  }

  #notRunningError(envelope: Envelope): RuntimeError {
    const code = this.status === 'failed' ? ErrorCode.ActorFailed : ErrorCode.ActorStopped;
    return new RuntimeError(
      code,
      `${this.name} is ${this.status}; ${envelope.type} not delivered`,
      {
        details: { actor: this.name, status: this.status },
        ...(this.status === 'failed' ? { cause: this.error } : {}),
      },
    );
  }
}

interface Snapshot {
  can?: (event: Envelope) => boolean;
}

function canHandle(snapshot: Snapshot, event: Envelope): boolean {
  if (typeof snapshot.can !== 'function') return true; // not a machine: no notion of unhandled
  try {
    return snapshot.can(event);
  } catch {
    return true; // a throwing guard already failed the actor through XState
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
