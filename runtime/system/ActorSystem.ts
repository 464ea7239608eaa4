import { disposable } from '../events/index.js';
import { z } from 'zod';
import { createActor, type AnyActorLogic } from 'xstate';
import { type Clock, systemClock } from '../clock/index.js';
import {
  type Envelope,
  ReplyType,
  stampReceivedDeadline,
  stampSendDeadline,
} from '../codec/index.js';
import { ErrorCode, RuntimeError, isRuntimeError, parseOptions } from '../errors/index.js';
import {
  createMetricsRegistry,
  silentLogger,
  type BoundCounter,
  type Logger,
  type MetricsRegistry,
} from '../telemetry/index.js';
import {
  LocalTransport,
  createSubjects,
  isReplyAddress,
  type Disposable,
  type Subjects,
  type Transport,
} from '../transport/index.js';
import { Persister, type PersistenceOptions, type Recovered } from '../persistence/index.js';
import { ActorCell, type CellHost } from './ActorCell.js';
import { isActorTemplate, type ActorContext, type ActorTemplate } from './ActorTemplate.js';
import { DeadLetters, type DeadLetterReason } from './DeadLetters.js';
import { askOptionsError, checkTellOptions } from './MessageOptions.js';
import { createIdGenerator } from './ids.js';
import { HoldBuffers } from './internal/HoldBuffers.js';
import { stopGracefully } from './internal/stopGracefully.js';
import { SystemEvents } from './internal/SystemEvents.js';
import type { LifecycleListener, StopReason } from './Lifecycle.js';
import {
  ActorSystemOptionsSchema,
  type ActorSystemConfig,
  type ActorSystemDeps,
  type ActorSystemOptions,
  type AskOptions,
  type GracefulStopOutcome,
  type SpawnOptions,
  type StopOptions,
  type TellOptions,
} from './internal/systemOptions.js';
import {
  info,
  unwrapReply,
  type ActorInfo,
  type ActorRef,
  type MessageListener,
} from './internal/systemRefs.js';

export {
  ActorSystemOptionsSchema,
  SHUTDOWN_EVENT,
  type ActorSystemOptions,
  type ActorSystemDeps,
  type SpawnOptions,
  type StopOptions,
  type GracefulStopOutcome,
  type TellOptions,
  type AskOptions,
} from './internal/systemOptions.js';
export type { MessageListener, ActorRef, ActorInfo } from './internal/systemRefs.js';

const SpawnNameSchema = z.string().min(1).max(512);

/**
 * Hosts XState actors under names: bounded mailboxes, tell/ask over a transport, dead letters,
 * lifecycle events for supervisors, and capture of every XState failure so none crashes the process.
 *
 * @example
 * const system = createActorSystem();
 * system.spawn('counter', counterMachine);
 * system.tell('counter', 'inc');
 * const n = await system.ask('counter', 'get');
 */
export class ActorSystem {
  readonly namespace: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly transport: Transport;
  readonly deadLetters: DeadLetters;
  readonly subjects: Subjects;

  readonly #config: ActorSystemConfig;
  readonly #ownsTransport: boolean;
  readonly #cells = new Map<string, ActorCell>();
  readonly #subscriptions = new Map<string, Disposable>();
  readonly #incarnations = new Map<string, number>();
  readonly #events: SystemEvents;
  /** The persister of each durable name's latest incarnation. */
  readonly #persisters = new Map<string, Persister>();
  /** Names ever spawned durable (from the start of their recovery). */
  readonly #durableNames = new Set<string>();
  /** Messages held for the next incarnation of a name, oldest first. */
  readonly #holds: HoldBuffers;
  readonly #subjectCache = new Map<string, string>();
  readonly #nextId = createIdGenerator();
  readonly #host: { -readonly [K in keyof CellHost]: CellHost[K] };
  readonly #rejectedSub: Disposable;
  #state: 'running' | 'stopping' | 'stopped' = 'running';
  readonly #shutdownHooks: (() => Promise<void> | void)[] = [];

  /** @internal Use {@link createActorSystem}. */
  constructor(config: ActorSystemConfig, deps: ActorSystemDeps) {
    this.#config = config;
    this.namespace = config.namespace;
    this.clock = deps.clock ?? systemClock;
    this.logger = (deps.logger ?? silentLogger()).child({ ns: config.namespace });
    this.metrics = deps.metrics ?? createMetricsRegistry();
    this.#ownsTransport = deps.transport === undefined;
    this.transport =
      deps.transport ??
      new LocalTransport(
        { maxMessageBytes: config.maxMessageBytes, namespace: config.namespace },
        { clock: this.clock },
      );
    this.subjects = createSubjects(config.namespace);
    this.deadLetters = new DeadLetters(
      this.metrics.counter(
        'agentvisor_dead_letters_total',
        'Messages that reached no actor, by reason',
      ),
      this.logger,
    );
    const processed: BoundCounter = this.metrics
      .counter('agentvisor_messages_processed_total', 'Messages delivered to actor logic')
      .bind({});
    const lifecycleCounter = this.metrics.counter(
      'agentvisor_actor_lifecycle_total',
      'Actor lifecycle events, by type',
    );
    this.#holds = new HoldBuffers({
      replyError: (envelope, error) => {
        this.#replyError(envelope, error);
      },
      deadLetter: (reason, to, envelope, error) => {
        this.#deadLetter(reason, to, envelope, error);
      },
    });
    this.#host = {
      clock: this.clock,
      transport: this.transport,
      nextId: this.#nextId,
      processed,
      delivered: undefined,
      journaled: undefined,
      divert: (name, envelopes, failed) => this.#holds.divert(name, envelopes, failed),
      deadLetter: (reason, to, envelope, error) => {
        this.#deadLetter(reason, to, envelope, error);
      },
      lifecycle: (event) => {
        // A copy fenced out by another writer stops taking messages from the transport at once.
        if (event.type === 'failed' && isRuntimeError(event.error, ErrorCode.PersistenceConflict))
          this.detach(event.name);
        lifecycleCounter.inc({ type: event.type });
        this.#events.emitLifecycle(event);
      },
    };
    this.#events = new SystemEvents(this.logger, this.#host);
    // Bytes from outside the process that fail to decode or validate never reach an actor.
    this.#rejectedSub = this.transport.onRejected(({ subject, error, bytes }) => {
      this.deadLetters.publish({
        reason:
          error.code === ErrorCode.InvalidMessage
            ? 'invalid-message'
            : error.code === ErrorCode.ForeignNamespace
              ? 'foreign-namespace'
              : 'malformed-message',
        to: subject,
        bytes,
        error,
        at: this.clock.now(),
      });
    });
  }

  // --- actors ---

  /**
   * Hosts `logic` (XState logic or an {@link ActorTemplate} such as an agent definition) under
   * `name` and starts it. A name whose previous actor failed, finished or stopped can be reused:
   * the new actor is its next incarnation.
   *
   * @throws {RuntimeError} ERR_ACTOR_EXISTS when an actor runs under `name`; ERR_INVALID_OPTIONS
   *   for a bad name or mailbox; ERR_CLOSED when the system is stopping.
   */
  spawn(name: string, logic: AnyActorLogic | ActorTemplate, options: SpawnOptions = {}): ActorRef {
    this.#checkSpawn(name);
    return this.#spawn(name, logic, options, undefined);
  }

  /**
   * Hosts a durable actor: its messages are journaled before they are processed, its state is
   * checkpointed by policy, and it starts from its newest valid checkpoint plus the journal after
   * it (messages that arrive meanwhile wait, in order). A message id it already processed is
   * not processed again.
   *
   * @throws {RuntimeError} ERR_CHECKPOINT_VERSION for a checkpoint of another machine version
   *   without a migration; ERR_CORRUPT_DATA for an unreadable journal; as `spawn` otherwise.
   */
  async spawnDurable(
    name: string,
    logic: AnyActorLogic | ActorTemplate,
    options: SpawnOptions & { persistence: PersistenceOptions },
  ): Promise<ActorRef> {
    this.#checkSpawn(name);
    const capacity = options.mailbox?.capacity ?? this.#config.mailbox.capacity;
    // Messages that arrive during recovery wait in a hold, in order, like during a restart.
    this.#holds.ensure(name, capacity);
    this.#durableNames.add(name);
    this.#ensureSubscription(name);
    // The previous incarnation's last writes (a failure note, a checkpoint) land first.
    await this.#persisters.get(name)?.settle();
    // The template's checkpoint policy and migration apply unless the caller names its own.
    const template = isActorTemplate(logic) ? logic : undefined;
    const persistenceOptions: PersistenceOptions = {
      ...(template?.checkpoint === undefined ? {} : { policy: template.checkpoint }),
      ...(template?.migrate === undefined ? {} : { migrate: template.migrate }),
      ...options.persistence,
    };
    const persister = new Persister(name, persistenceOptions, {
      clock: this.clock,
      logger: this.logger.child({ actor: name }),
    });
    let recovered: Recovered;
    try {
      recovered = await persister.recover({
        validate: (snapshot) => {
          this.#probeRestore(name, logic, persister, snapshot);
        },
      });
    } catch (err) {
      this.release(name);
      throw err;
    }
    this.#checkSpawn(name);
    const spawnOptions: SpawnOptions =
      recovered.snapshot === undefined ? options : { ...options, snapshot: recovered.snapshot };
    this.#persisters.set(name, persister);
    const ref = this.#spawn(name, logic, spawnOptions, persister);
    const cell = this.#cells.get(name);
    if (cell !== undefined) {
      await cell.replay(recovered.replay);
      this.#holds.release(name, cell);
    }
    return ref;
  }

  /**
   * Throws when `logic` cannot restore `snapshot`: XState turns a failed restore into an `error`
   * snapshot of an actor that was never started (nothing runs), which recovery then skips.
   */
  #probeRestore(
    name: string,
    logic: AnyActorLogic | ActorTemplate,
    persistence: Persister,
    snapshot: unknown,
  ): void {
    const probeLogic = isActorTemplate(logic)
      ? logic.createLogic(
          this.#contextFor(name, 0, this.logger.child({ actor: name }), persistence),
        )
      : logic;
    const restored = createActor(probeLogic, {
      snapshot: snapshot as never,
      clock: this.clock,
    }).getSnapshot() as { status?: unknown; error?: unknown };
    const was = (snapshot as { status?: unknown } | null | undefined)?.status;
    if (restored.status === 'error' && was !== 'error') {
      throw restored.error instanceof Error ? restored.error : new Error(String(restored.error));
    }
  }

  #checkSpawn(name: string): void {
    if (this.#state !== 'running')
      throw new RuntimeError(ErrorCode.Closed, `Actor system is ${this.#state}`);
    parseOptions(SpawnNameSchema, name, 'actor name');
    const existing = this.#cells.get(name);
    if (existing?.status === 'running') {
      throw new RuntimeError(ErrorCode.ActorExists, `An actor named ${name} is already running`, {
        details: { name, incarnation: existing.incarnation },
      });
    }
  }

  #spawn(
    name: string,
    logic: AnyActorLogic | ActorTemplate,
    options: SpawnOptions,
    persistence: Persister | undefined,
  ): ActorRef {
    const mailbox = parseOptions(
      ActorSystemOptionsSchema.shape.mailbox,
      { ...this.#config.mailbox, ...options.mailbox },
      'mailbox',
    );
    const incarnation = (this.#incarnations.get(name) ?? 0) + 1;
    this.#incarnations.set(name, incarnation);
    const logger = this.logger.child({ actor: name, incarnation });
    const template = isActorTemplate(logic) ? logic : undefined;
    const context = this.#contextFor(name, incarnation, logger, persistence);
    const cell = new ActorCell(this.#host, {
      name,
      subject: this.#subject(name),
      incarnation,
      logic: template === undefined ? (logic as AnyActorLogic) : template.createLogic(context),
      accepts: template?.accepts,
      capacity: mailbox.capacity,
      overflow: mailbox.overflow,
      input: options.input,
      snapshot: options.snapshot,
      logger,
      recentCapacity: options.recentMessages ?? 10,
      persistence,
    });
    this.#holds.setOnFailure(name, options.holdOnFailure?.capacity);
    this.#cells.set(name, cell);
    this.#ensureSubscription(name);
    logger.debug({ version: template?.version }, 'spawned');
    cell.start();
    // Messages held while the name had no live incarnation go first, in arrival order.
    if (options.prepend !== undefined)
      for (const envelope of options.prepend) cell.enqueue(envelope);
    // A durable actor replays its journal first; its held messages follow the replay.
    if (persistence === undefined) this.#holds.release(name, cell);
    return this.ref(name);
  }

  #ensureSubscription(name: string): void {
    if (!this.#subscriptions.has(name)) {
      this.#subscriptions.set(
        name,
        this.transport.subscribe(this.#subject(name), (envelope) => {
          this.#route(name, envelope);
        }),
      );
    }
  }

  /**
   * Hands an envelope to the actor `name`: held while it recovers or restarts, else queued. One
   * whose reply address is not a reply inbox (an actor subject of another namespace) is refused
   * first: its reply would be published into another tenant's actor.
   */
  #route(name: string, envelope: Envelope, stored = false): void {
    // The deadline it arrived with, as a monotonic deadline on this system's clock.
    stampReceivedDeadline(envelope, this.clock, stored);
    if (envelope.replyTo !== undefined && !isReplyAddress(envelope.replyTo, this.subjects.prefix)) {
      this.#deadLetter(
        'foreign-namespace',
        name,
        envelope,
        new RuntimeError(
          ErrorCode.ForeignNamespace,
          `Message ${envelope.id} for ${name} asks for its reply on ${envelope.replyTo}, not a reply inbox or a subject of namespace ${this.namespace}`,
          {
            details: {
              id: envelope.id,
              to: name,
              replyTo: envelope.replyTo,
              namespace: this.namespace,
            },
          },
        ),
      );
      return;
    }
    if (this.#holds.hold(name, envelope)) return;
    const current = this.#cells.get(name);
    if (current === undefined) {
      this.#deadLetter('unknown-actor', name, envelope, this.#notFound(name));
    } else {
      current.enqueue(envelope);
    }
  }

  /** A reference to the actor named `name` (which need not exist yet). */
  ref(name: string): ActorRef {
    return {
      name,
      tell: (type, payload, options) => {
        this.tell(name, type, payload, options);
      },
      ask: <TReply>(type: string, payload?: unknown, options?: AskOptions) =>
        this.ask(name, type, payload, options) as Promise<TReply>,
    };
  }

  /** The actor hosted under `name`, or `undefined`. */
  lookup(name: string): ActorRef | undefined {
    return this.#cells.has(name) ? this.ref(name) : undefined;
  }

  /** Status, incarnation and counters of the actor under `name`, or `undefined`. */
  describe(name: string): ActorInfo | undefined {
    const cell = this.#cells.get(name);
    return cell === undefined ? undefined : info(cell);
  }

  /** Every actor this system hosts, in spawn order. */
  list(): ActorInfo[] {
    return [...this.#cells.values()].map(info);
  }

  /** The XState persisted snapshot of a running actor (for checkpoints). */
  getPersistedSnapshot(name: string): unknown {
    const cell = this.#cells.get(name);
    if (cell === undefined) throw this.#notFound(name);
    return cell.actor.getPersistedSnapshot();
  }

  /** The XState snapshot of an actor (value, context, status). */
  getSnapshot(name: string): unknown {
    const cell = this.#cells.get(name);
    if (cell === undefined) throw this.#notFound(name);
    return cell.actor.getSnapshot();
  }

  /**
   * Stops the actor under `name` and forgets it. Queued messages go to dead letters; asks it
   * owed are answered with ERR_ACTOR_STOPPED.
   *
   * @throws {RuntimeError} ERR_ACTOR_NOT_FOUND
   */
  stop(name: string, reason: StopReason = 'normal', options: StopOptions = {}): void {
    const cell = this.#cells.get(name);
    if (cell === undefined) throw this.#notFound(name);
    if (options.hold !== undefined) {
      // Keep the name (and its subscription): queued and arriving messages wait for the next incarnation.
      this.#holds.ensure(name, options.hold.capacity);
      cell.stop(reason);
      return;
    }
    this.#forget(name);
    cell.stop(reason);
  }

  /**
   * Stops an actor gracefully: when its current state handles {@link SHUTDOWN_EVENT}, it is sent
   * that event and given `timeoutMs` to finish (reach a final state); then, or at once when it
   * does not handle the event, it is stopped. A child that ignores the request cannot hang its
   * supervisor (OTP's `shutdown` timeout, then `kill`).
   */
  stopGracefully(
    name: string,
    options: { timeoutMs: number; reason?: StopReason; hold?: { capacity: number } },
  ): Promise<GracefulStopOutcome> {
    const cell = this.#cells.get(name);
    if (cell === undefined) return Promise.reject(this.#notFound(name));
    // Not async here: the helper's promise is returned as is, so callers see the same ticks as before.
    return stopGracefully(
      {
        clock: this.clock,
        watch: (listener) => this.watch(name, listener),
        stop: (reason, stopOptions) => {
          this.stop(name, reason, stopOptions);
        },
        current: () => this.#cells.get(name),
      },
      cell,
      options,
    );
  }

  /**
   * Gives up a name: messages held for it go to dead letters (`stopped-actor`) and an actor that
   * is no longer running is forgotten.
   */
  release(name: string): void {
    const cell = this.#cells.get(name);
    if (cell !== undefined && cell.status !== 'running') this.#forget(name);
    this.#holds.discard(name);
  }

  /** The persisted last state the actor reached without failing (what `resume` restores). */
  lastGoodSnapshot(name: string): unknown {
    const cell = this.#cells.get(name);
    if (cell === undefined) throw this.#notFound(name);
    return cell.lastGoodSnapshot();
  }

  /** The last messages delivered to the actor, oldest first (for failure reports). */
  recentMessages(name: string): Envelope[] {
    const cell = this.#cells.get(name);
    if (cell === undefined) throw this.#notFound(name);
    return cell.recentMessages();
  }

  /**
   * Writes a checkpoint of a durable actor now (on demand: API, CLI, before a risky step).
   *
   * @throws {RuntimeError} ERR_ACTOR_NOT_FOUND; ERR_INVALID_OPTIONS when the actor is not durable.
   */
  checkpoint(name: string): Promise<number> {
    const cell = this.#cells.get(name);
    if (cell === undefined) return Promise.reject(this.#notFound(name));
    return cell.checkpointNow();
  }

  /**
   * Stops taking messages for `name` from the transport (a node draining): the actor keeps
   * running and processes what its mailbox holds; new messages reach whoever subscribes next.
   * Spawning under the name again subscribes again.
   */
  detach(name: string): void {
    this.#subscriptions.get(name)?.dispose();
    this.#subscriptions.delete(name);
  }

  /** Number of messages held for the next incarnation of `name`. */
  heldCount(name: string): number {
    return this.#holds.count(name);
  }

  // --- messaging ---

  /**
   * Sends a message, at most once. A message for an unknown, stopped or failed actor, or one
   * that overflows a mailbox, goes to dead letters: never silently lost.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS for bad options (nothing is sent).
   */
  tell(to: string, type: string, payload?: unknown, options?: TellOptions): void {
    checkTellOptions(options);
    const envelope = this.#envelope(to, type, payload, options);
    if (this.transport.publish(this.#subject(to), envelope) === 'no-subscribers') {
      this.#deadLetter('unknown-actor', to, envelope, this.#notFound(to));
    }
  }

  /**
   * Sends a message and waits for its reply. The deadline travels in the envelope.
   *
   * @throws {RuntimeError} ERR_TIMEOUT after the deadline; ERR_ACTOR_NOT_FOUND for an unknown
   *   actor; ERR_ACTOR_STOPPED / ERR_ACTOR_FAILED when the actor ends before answering;
   *   ERR_INVALID_MESSAGE, ERR_UNKNOWN_MESSAGE_TYPE, ERR_UNHANDLED, ERR_MAILBOX_FULL as refused;
   *   ERR_INVALID_OPTIONS at once for bad options (a NaN, negative or non-numeric timeout or
   *   deadline, an unknown key, a signal that is not an AbortSignal), on every transport.
   */
  ask(to: string, type: string, payload?: unknown, options: AskOptions = {}): Promise<unknown> {
    const invalid = askOptionsError(options);
    if (invalid !== undefined) return Promise.reject(invalid);
    const timeoutMs = options.timeoutMs ?? this.#config.askTimeoutMs;
    const now = this.clock.now();
    // What is left of the budget goes on the wire (`budgetMs`), not the wall time it ends at.
    const remaining =
      options.deadline === undefined ? timeoutMs : Math.min(timeoutMs, options.deadline - now);
    const envelope = this.#envelope(to, type, payload, options);
    stampSendDeadline(envelope, this.clock, remaining);
    const deadline = Math.floor(now + Math.max(0, remaining));
    const request = this.transport.request(
      this.#subject(to),
      envelope,
      options.signal === undefined ? { deadline } : { deadline, signal: options.signal },
    );
    return request.then(unwrapReply);
  }

  /**
   * Hands a validated envelope that arrived by another path (a durable mailbox) to the local actor
   * named `envelope.to`, without the transport: as a message from the transport would be, it is
   * held while the actor recovers or restarts, deduplicated by a durable actor, and dead-lettered
   * (`unknown-actor`) when no actor of that name is hosted here.
   */
  deliver(envelope: Envelope): void {
    // From a store: its wall deadline, when it has one, wins over the budget it was sent with.
    this.#route(envelope.to, envelope, true);
  }

  /**
   * True when a durable actor (spawned with `spawnDurable`) is hosted under `name`: running,
   * recovering, or held for its next incarnation.
   */
  isDurable(name: string): boolean {
    if (!this.#durableNames.has(name)) return false;
    return this.#holds.has(name) || this.#cells.get(name)?.status === 'running';
  }

  /**
   * Calls `listener` after a durable actor processed a message whose journal entry is written:
   * the point from which a redelivery of it is refused as a duplicate, so a durable mailbox may
   * acknowledge it. A message that fails the actor is reported by its `failed` lifecycle event
   * instead. Costs nothing while no one listens.
   */
  onJournaled(listener: MessageListener): Disposable {
    return this.#events.onJournaled(listener);
  }

  /** Delivers encoded bytes from outside the process: decoded and validated before any actor sees them. */
  receiveBytes(to: string, bytes: Uint8Array): void {
    this.transport.publishBytes(this.#subject(to), bytes);
  }

  // --- lifecycle events ---

  /**
   * Delivers the lifecycle events (started, failed, done, stopped) of every incarnation of the
   * actor named `name`: what supervisors act on.
   */
  watch(name: string | ActorRef, listener: LifecycleListener): Disposable {
    return this.#events.watch(typeof name === 'string' ? name : name.name, listener);
  }

  /**
   * Calls `listener` after each message reaches an actor's logic (a tap for timelines and traces;
   * costs nothing while no one listens).
   */
  onMessage(listener: MessageListener): Disposable {
    return this.#events.onMessage(listener);
  }

  /** Delivers the lifecycle events of every actor. */
  onLifecycle(listener: LifecycleListener): Disposable {
    return this.#events.onLifecycle(listener);
  }

  // --- shutdown ---

  /**
   * Runs `hook` when the system shuts down, before any actor is stopped (a supervision tree
   * registers its own `stop()` here, so its supervisors do not take their children's ends for
   * failures). Hooks run one at a time, the most recently registered first; a hook that throws
   * is logged and the shutdown goes on.
   */
  onShutdown(hook: () => Promise<void> | void): Disposable {
    this.#shutdownHooks.push(hook);
    return disposable(() => {
      const i = this.#shutdownHooks.lastIndexOf(hook);
      if (i >= 0) this.#shutdownHooks.splice(i, 1);
    });
  }

  /**
   * Runs the shutdown hooks (supervision trees stop first, newest first), then stops every actor
   * left in reverse spawn order, then closes the transport if the system created it.
   */
  async shutdown(): Promise<void> {
    if (this.#state !== 'running') return;
    this.#state = 'stopping';
    while (this.#shutdownHooks.length > 0) {
      const hook = this.#shutdownHooks.pop() as () => Promise<void> | void;
      try {
        await hook();
      } catch (err) {
        this.logger.error({ err }, 'a shutdown hook threw');
      }
    }
    for (const name of [...this.#cells.keys()].reverse()) this.stop(name, 'shutdown');
    this.#rejectedSub.dispose();
    if (this.#ownsTransport) await this.transport.close();
    this.#state = 'stopped';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  // --- internals ---

  #contextFor(
    name: string,
    incarnation: number,
    logger: Logger,
    persistence: Persister | undefined,
  ): ActorContext {
    return {
      name,
      incarnation,
      logger,
      clock: this.clock,
      metrics: this.metrics,
      ledger: persistence?.ledger,
      checkpoint: () => this.checkpoint(name),
      tell: (to, type, payload, options) => {
        this.tell(to, type, payload, { from: name, ...options });
      },
      ask: (to, type, payload, options) => this.ask(to, type, payload, { from: name, ...options }),
      fail: (error) => {
        const cell = this.#cells.get(name);
        if (cell?.incarnation === incarnation) cell.fail(error);
      },
      reply: (to, result) => {
        if (to.replyTo === undefined) return;
        this.transport.publish(to.replyTo, {
          v: 1,
          id: this.#nextId(),
          type: result.error === undefined ? ReplyType.Ok : ReplyType.Error,
          to: to.replyTo,
          from: name,
          correlationId: to.id,
          payload: result.error ?? result.payload,
        });
      },
    };
  }

  #envelope(
    to: string,
    type: string,
    payload: unknown,
    options: TellOptions | undefined,
  ): Mutable<Envelope> {
    const envelope: Mutable<Envelope> = {
      v: 1,
      id: options?.id ?? this.#nextId(),
      type,
      to,
      payload,
    };
    if (options !== undefined) {
      if (options.from !== undefined) envelope.from = options.from;
      if (options.correlationId !== undefined) envelope.correlationId = options.correlationId;
      if (options.causationId !== undefined) envelope.causationId = options.causationId;
      if (options.traceparent !== undefined) envelope.traceparent = options.traceparent;
      if (options.deadline !== undefined)
        stampSendDeadline(envelope, this.clock, options.deadline - this.clock.now());
    }
    return envelope;
  }

  #subject(name: string): string {
    let subject = this.#subjectCache.get(name);
    if (subject === undefined) {
      if (this.#subjectCache.size >= 10_000) this.#subjectCache.clear();
      subject = this.subjects.actor(name);
      this.#subjectCache.set(name, subject);
    }
    return subject;
  }

  #forget(name: string): void {
    this.#cells.delete(name);
    this.#subscriptions.get(name)?.dispose();
    this.#subscriptions.delete(name);
  }

  #replyError(envelope: Envelope, error: RuntimeError): void {
    if (envelope.replyTo === undefined) return;
    this.transport.publish(envelope.replyTo, {
      v: 1,
      id: this.#nextId(),
      type: ReplyType.Error,
      to: envelope.replyTo,
      correlationId: envelope.id,
      payload: error.toWire(),
    });
  }

  #notFound(name: string): RuntimeError {
    return new RuntimeError(ErrorCode.ActorNotFound, `No actor named ${name}`, {
      details: { name },
    });
  }

  #deadLetter(reason: DeadLetterReason, to: string, envelope: Envelope, error: RuntimeError): void {
    this.deadLetters.publish({ reason, to, envelope, error, at: this.clock.now() });
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Creates an {@link ActorSystem}. With no transport given it owns a {@link LocalTransport}.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS with the path of each bad option.
 */
export function createActorSystem(
  options: ActorSystemOptions = {},
  deps: ActorSystemDeps = {},
): ActorSystem {
  return new ActorSystem(parseOptions(ActorSystemOptionsSchema, options, 'actor system'), deps);
}
