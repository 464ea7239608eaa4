import { z } from 'zod';
import type { Clock } from '../../clock/index.js';
import type { Envelope } from '../../codec/index.js';
import { ErrorCode, RuntimeError, isRuntimeError, parseOptions } from '../../errors/index.js';
import type { Persister } from '../../persistence/index.js';
import type { Logger, MetricsRegistry } from '../../telemetry/index.js';
import { replyEnvelope, type Subjects, type Transport } from '../../transport/index.js';
import type { ActorCell, CellHost } from '../ActorCell.js';
import type { ActorContext } from '../ActorTemplate.js';
import type { DeadLetterReason, DeadLetters } from '../DeadLetters.js';
import { createIdGenerator } from '../ids.js';
import { actorNotFound } from './actorNotFound.js';
import { CellRouter } from './CellRouter.js';
import { createActorContext, type ActorContextHost } from './createActorContext.js';
import { HoldBuffers } from './HoldBuffers.js';
import { MessageMetrics } from './MessageMetrics.js';
import type { StopReason } from '../Lifecycle.js';
import type { DurableSpawnHost } from './spawnDurable.js';
import type { GracefulStopHost } from './stopGracefully.js';
import { SystemEvents } from './SystemEvents.js';
import type { ActorSystemConfig, AskOptions, StopOptions, TellOptions } from './systemOptions.js';
import type { ActorRef } from './systemRefs.js';

const SpawnNameSchema = z.string().min(1).max(512);

/** What the table uses of the system that owns it (its public surface). */
export interface ActorTableSystem {
  readonly namespace: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: MetricsRegistry;
  readonly transport: Transport;
  readonly subjects: Subjects;
  readonly deadLetters: DeadLetters;
  tell(to: string, type: string, payload?: unknown, options?: TellOptions): void;
  ask(to: string, type: string, payload?: unknown, options?: AskOptions): Promise<unknown>;
  checkpoint(name: string): Promise<number>;
  ref(name: string): ActorRef;
}

/**
 * The actors a system hosts, by name: the cell of each name, incarnation numbers, the persister
 * and durability of durable names, hold buffers, the router that brings envelopes to cells, the
 * host each cell calls back into, and the system's listeners. It is what the spawn helpers
 * (spawnCell.ts, spawnDurable.ts) work on; the system delegates to it.
 */
export class ActorTable implements DurableSpawnHost {
  readonly config: ActorSystemConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly transport: Transport;
  /** The system's registry (durable actors time their persistence there). */
  readonly metrics: MetricsRegistry;
  /** The cell of each hosted name, in spawn order. */
  readonly cells = new Map<string, ActorCell>();
  readonly incarnations = new Map<string, number>();
  readonly persisters = new Map<string, Persister>();
  readonly durableNames = new Set<string>();
  /** Messages held for the next incarnation of a name, oldest first. */
  readonly holds: HoldBuffers;
  readonly router: CellRouter;
  readonly cellHost: { -readonly [K in keyof CellHost]: CellHost[K] };
  readonly events: SystemEvents;
  readonly nextId = createIdGenerator();
  state: 'running' | 'stopping' | 'stopped' = 'running';

  readonly #system: ActorTableSystem;
  readonly #contextHost: ActorContextHost;

  constructor(config: ActorSystemConfig, system: ActorTableSystem) {
    this.config = config;
    this.clock = system.clock;
    this.logger = system.logger;
    this.transport = system.transport;
    this.#system = system;
    const { metrics, transport } = system;
    this.metrics = metrics;
    const deadLetter = this.deadLetter.bind(this);
    this.holds = new HoldBuffers({ replyError: this.replyError.bind(this), deadLetter });
    this.router = new CellRouter({
      clock: this.clock,
      transport,
      subjects: system.subjects,
      namespace: system.namespace,
      holds: this.holds,
      cell: (name) => this.cells.get(name),
      deadLetter,
    });
    const processed = metrics
      .counter('agentvisor_messages_processed_total', 'Messages delivered to actor logic')
      .bind({});
    const lifecycleCounter = metrics.counter(
      'agentvisor_actor_lifecycle_total',
      'Actor lifecycle events, by type',
    );
    this.cellHost = {
      clock: this.clock,
      transport,
      nextId: this.nextId,
      processed,
      messages: new MessageMetrics(metrics),
      delivered: undefined,
      journaled: undefined,
      divert: (name, envelopes, failed) => this.holds.divert(name, envelopes, failed),
      deadLetter,
      lifecycle: (event) => {
        // A copy fenced out by another writer stops taking messages from the transport at once.
        if (event.type === 'failed' && isRuntimeError(event.error, ErrorCode.PersistenceConflict))
          this.router.detach(event.name);
        lifecycleCounter.inc({ type: event.type });
        this.events.emitLifecycle(event);
      },
    };
    this.events = new SystemEvents(this.logger, this.cellHost);
    this.#contextHost = {
      clock: this.clock,
      metrics,
      transport,
      nextId: this.nextId,
      tell: (to, type, payload, options) => {
        system.tell(to, type, payload, options);
      },
      ask: (to, type, payload, options) => system.ask(to, type, payload, options),
      checkpoint: (name) => system.checkpoint(name),
      cell: (name) => this.cells.get(name),
    };
  }

  /**
   * @throws {RuntimeError} ERR_CLOSED when the system is not running; ERR_INVALID_OPTIONS for a
   *   bad name; ERR_ACTOR_EXISTS when an actor runs under `name`.
   */
  checkSpawn(name: string): void {
    if (this.state !== 'running')
      throw new RuntimeError(ErrorCode.Closed, `Actor system is ${this.state}`);
    parseOptions(SpawnNameSchema, name, 'actor name');
    const existing = this.cells.get(name);
    if (existing?.status === 'running') {
      throw new RuntimeError(ErrorCode.ActorExists, `An actor named ${name} is already running`, {
        details: { name, incarnation: existing.incarnation },
      });
    }
  }

  /**
   * The cell hosted under `name`.
   *
   * @throws {RuntimeError} ERR_ACTOR_NOT_FOUND
   */
  require(name: string): ActorCell {
    const cell = this.cells.get(name);
    if (cell === undefined) throw actorNotFound(name);
    return cell;
  }

  context(
    name: string,
    incarnation: number,
    logger: Logger,
    persistence: Persister | undefined,
  ): ActorContext {
    return createActorContext(this.#contextHost, name, incarnation, logger, persistence);
  }

  ref(name: string): ActorRef {
    return this.#system.ref(name);
  }

  /** See `ActorSystem.stop`. */
  stop(name: string, reason: StopReason, options: StopOptions): void {
    const cell = this.require(name);
    if (options.hold !== undefined) {
      // Keep the name (and its subscription): queued and arriving messages wait for the next incarnation.
      this.holds.ensure(name, options.hold.capacity);
      cell.stop(reason);
      return;
    }
    this.forget(name);
    cell.stop(reason);
  }

  /** See `ActorSystem.release`. */
  release(name: string): void {
    const cell = this.cells.get(name);
    if (cell !== undefined && cell.status !== 'running') this.forget(name);
    this.holds.discard(name);
  }

  /** What a graceful stop of `name` needs (internal/stopGracefully.ts). */
  gracefulStopHost(name: string): GracefulStopHost {
    return {
      clock: this.clock,
      watch: (listener) => this.events.watch(name, listener),
      stop: (reason, stopOptions) => {
        this.stop(name, reason, stopOptions);
      },
      current: () => this.cells.get(name),
      writeInFlight: () => this.persisters.get(name)?.writeInFlight(),
    };
  }

  /** The checkpoint writes in flight of every durable name (see `Persister.writeInFlight`). */
  writesInFlight(): Promise<void>[] {
    const writes: Promise<void>[] = [];
    for (const persister of this.persisters.values()) {
      const write = persister.writeInFlight();
      if (write !== undefined) writes.push(write);
    }
    return writes;
  }

  /** Forgets the cell of `name` and stops taking its messages from the transport. */
  forget(name: string): void {
    this.cells.delete(name);
    this.router.detach(name);
  }

  deadLetter(reason: DeadLetterReason, to: string, envelope: Envelope, error: RuntimeError): void {
    this.#system.deadLetters.publish({ reason, to, envelope, error, at: this.clock.now() });
  }

  /** Answers an ask (`replyTo`) with `error`; a tell gets nothing. */
  replyError(envelope: Envelope, error: RuntimeError): void {
    if (envelope.replyTo === undefined) return;
    this.transport.publish(
      envelope.replyTo,
      replyEnvelope(
        { id: this.nextId(), to: envelope.replyTo, correlationId: envelope.id },
        { error: error.toWire() },
      ),
    );
  }
}
