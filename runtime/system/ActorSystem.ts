import { disposable } from '../events/index.js';
import type { AnyActorLogic } from 'xstate';
import { type Clock, systemClock } from '../clock/index.js';
import type { Envelope } from '../codec/index.js';
import {
  createMetricsRegistry,
  silentLogger,
  type Logger,
  type MetricsRegistry,
} from '../telemetry/index.js';
import {
  LocalTransport,
  createSubjects,
  type Disposable,
  type Subjects,
  type Transport,
} from '../transport/index.js';
import type { PersistenceOptions } from '../persistence/index.js';
import type { ActorTemplate } from './ActorTemplate.js';
import { DeadLetters } from './DeadLetters.js';
import { actorNotFound } from './internal/actorNotFound.js';
import { ActorTable } from './internal/ActorTable.js';
import { awaitWrites } from './internal/awaitWrites.js';
import { deadLetterRejected } from './internal/deadLetterRejected.js';
import { sendAsk } from './internal/sendAsk.js';
import { sendTell } from './internal/sendTell.js';
import { settleCells } from './internal/settleCells.js';
import { spawnCell } from './internal/spawnCell.js';
import { spawnDurable } from './internal/spawnDurable.js';
import { stopGracefully } from './internal/stopGracefully.js';
import type { LifecycleListener, StopReason } from './Lifecycle.js';
import {
  type ActorSystemConfig,
  type ActorSystemDeps,
  type AskOptions,
  type GracefulStopOutcome,
  type SpawnOptions,
  type StopOptions,
  type TellOptions,
} from './internal/systemOptions.js';
import {
  info,
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

  readonly #ownsTransport: boolean;
  /** Cells, incarnations, holds, router and listeners, by name (internal/ActorTable.ts). */
  readonly #table: ActorTable;
  readonly #rejectedSub: Disposable;
  readonly #shutdownHooks: (() => Promise<void> | void)[] = [];

  /** @internal Use {@link createActorSystem}. */
  constructor(config: ActorSystemConfig, deps: ActorSystemDeps) {
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
    this.#table = new ActorTable(config, this);
    // Bytes from outside the process that fail to decode or validate never reach an actor.
    this.#rejectedSub = deadLetterRejected(this.transport, this.deadLetters, this.clock);
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
    this.#table.checkSpawn(name);
    return spawnCell(this.#table, name, logic, options, undefined);
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
  spawnDurable(
    name: string,
    logic: AnyActorLogic | ActorTemplate,
    options: SpawnOptions & { persistence: PersistenceOptions },
  ): Promise<ActorRef> {
    // Not async here: the helper's promise is returned as is, so lifecycle events keep their ticks.
    return spawnDurable(this.#table, name, logic, options);
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
    return this.#table.cells.has(name) ? this.ref(name) : undefined;
  }

  /** Status, incarnation and counters of the actor under `name`, or `undefined`. */
  describe(name: string): ActorInfo | undefined {
    const cell = this.#table.cells.get(name);
    return cell === undefined ? undefined : info(cell);
  }

  /** Every actor this system hosts, in spawn order. */
  list(): ActorInfo[] {
    return [...this.#table.cells.values()].map(info);
  }

  /** The XState persisted snapshot of a running actor (for checkpoints). */
  getPersistedSnapshot(name: string): unknown {
    return this.#table.require(name).actor.getPersistedSnapshot();
  }

  /** The XState snapshot of an actor (value, context, status). */
  getSnapshot(name: string): unknown {
    return this.#table.require(name).actor.getSnapshot();
  }

  /**
   * Stops the actor under `name` and forgets it. Queued messages go to dead letters; asks it
   * owed are answered with ERR_ACTOR_STOPPED.
   *
   * @throws {RuntimeError} ERR_ACTOR_NOT_FOUND
   */
  stop(name: string, reason: StopReason = 'normal', options: StopOptions = {}): void {
    this.#table.stop(name, reason, options);
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
    const cell = this.#table.cells.get(name);
    if (cell === undefined) return Promise.reject(actorNotFound(name));
    // Not async here: the helper's promise is returned as is, so callers see the same ticks as before.
    return stopGracefully(this.#table.gracefulStopHost(name), cell, options);
  }

  /**
   * Gives up a name: messages held for it go to dead letters (`stopped-actor`) and an actor that
   * is no longer running is forgotten.
   */
  release(name: string): void {
    this.#table.release(name);
  }

  /** The persisted last state the actor reached without failing (what `resume` restores). */
  lastGoodSnapshot(name: string): unknown {
    return this.#table.require(name).lastGoodSnapshot();
  }

  /** The last messages delivered to the actor, oldest first (for failure reports). */
  recentMessages(name: string): Envelope[] {
    return this.#table.require(name).recentMessages();
  }

  /**
   * Writes a checkpoint of a durable actor now (on demand: API, CLI, before a risky step).
   *
   * @throws {RuntimeError} ERR_ACTOR_NOT_FOUND; ERR_INVALID_OPTIONS when the actor is not durable.
   */
  checkpoint(name: string): Promise<number> {
    const cell = this.#table.cells.get(name);
    if (cell === undefined) return Promise.reject(actorNotFound(name));
    return cell.checkpointNow();
  }

  /**
   * Stops taking messages for `name` from the transport (a node draining): the actor keeps
   * running and processes what its mailbox holds; new messages reach whoever subscribes next.
   * Spawning under the name again subscribes again.
   */
  detach(name: string): void {
    this.#table.router.detach(name);
  }

  /** Number of messages held for the next incarnation of `name`. */
  heldCount(name: string): number {
    return this.#table.holds.count(name);
  }

  // --- messaging ---

  /**
   * Sends a message, at most once. A message for an unknown, stopped or failed actor, or one
   * that overflows a mailbox, goes to dead letters: never silently lost. Over an in-process
   * transport, a message for an actor hosted here (and subscribed by no one else) goes straight
   * to it without `transport.publish`; any other goes over the transport.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS for bad options (nothing is sent).
   */
  tell(to: string, type: string, payload?: unknown, options?: TellOptions): void {
    sendTell(this.#table, to, type, payload, options);
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
    return sendAsk(this.#table, to, type, payload, options);
  }

  /**
   * Hands a validated envelope that arrived by another path (a durable mailbox) to the local actor
   * named `envelope.to`, without the transport: as a message from the transport would be, it is
   * held while the actor recovers or restarts, deduplicated by a durable actor, and dead-lettered
   * (`unknown-actor`) when no actor of that name is hosted here.
   */
  deliver(envelope: Envelope): void {
    // From a store: its wall deadline, when it has one, wins over the budget it was sent with.
    this.#table.router.route(envelope.to, envelope, true);
  }

  /**
   * True when a durable actor (spawned with `spawnDurable`) is hosted under `name`: running,
   * recovering, or held for its next incarnation.
   */
  isDurable(name: string): boolean {
    const table = this.#table;
    if (!table.durableNames.has(name)) return false;
    return table.holds.has(name) || table.cells.get(name)?.status === 'running';
  }

  /**
   * Calls `listener` after a durable actor processed a message whose journal entry is written:
   * the point from which a redelivery of it is refused as a duplicate, so a durable mailbox may
   * acknowledge it. A message that fails the actor is reported by its `failed` lifecycle event
   * instead. Costs nothing while no one listens.
   */
  onJournaled(listener: MessageListener): Disposable {
    return this.#table.events.onJournaled(listener);
  }

  /** Delivers encoded bytes from outside the process: decoded and validated before any actor sees them. */
  receiveBytes(to: string, bytes: Uint8Array): void {
    this.transport.publishBytes(this.#table.router.subject(to), bytes);
  }

  /**
   * Resolves when the system has nothing in flight: every mailbox is drained, every journal
   * append and checkpoint write has landed, every recorded effect outcome has reached its machine,
   * and the promise chains these started have run (checked after a turn of the event loop). What
   * waits on the outside world does not count: a tool call still pending, a timer on the clock
   * (advance a `TestClock` with `advanceAsync(ms, system)`), a message still on the network.
   *
   * @example
   * system.tell('counter', 'inc');
   * await system.settled();
   * expect(system.getSnapshot('counter')).toMatchObject({ context: { count: 1 } });
   */
  settled(): Promise<void> {
    return settleCells(() => this.#table.cells.values());
  }

  // --- lifecycle events ---

  /**
   * Delivers the lifecycle events (started, failed, done, stopped) of every incarnation of the
   * actor named `name`: what supervisors act on.
   */
  watch(name: string | ActorRef, listener: LifecycleListener): Disposable {
    return this.#table.events.watch(typeof name === 'string' ? name : name.name, listener);
  }

  /**
   * Calls `listener` after each message reaches an actor's logic (a tap for timelines and traces;
   * costs nothing while no one listens).
   */
  onMessage(listener: MessageListener): Disposable {
    return this.#table.events.onMessage(listener);
  }

  /** Delivers the lifecycle events of every actor. */
  onLifecycle(listener: LifecycleListener): Disposable {
    return this.#table.events.onLifecycle(listener);
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
   * left in reverse spawn order, waits up to `timeoutMs` (@default 5000) for the checkpoint writes
   * in flight (each durable actor's last state; the caller may close the stores next), then
   * closes the transport if the system created it.
   */
  async shutdown(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#table.state !== 'running') return;
    this.#table.state = 'stopping';
    while (this.#shutdownHooks.length > 0) {
      const hook = this.#shutdownHooks.pop() as () => Promise<void> | void;
      try {
        await hook();
      } catch (err) {
        this.logger.error({ err }, 'a shutdown hook threw');
      }
    }
    for (const name of [...this.#table.cells.keys()].reverse()) this.stop(name, 'shutdown');
    const writes = this.#table.writesInFlight();
    if (writes.length > 0 && !(await awaitWrites(this.clock, writes, options.timeoutMs ?? 5_000)))
      this.logger.warn({ writes: writes.length }, 'shutdown timeout: checkpoint writes in flight');
    this.#rejectedSub.dispose();
    if (this.#ownsTransport) await this.transport.close();
    this.#table.state = 'stopped';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
}
