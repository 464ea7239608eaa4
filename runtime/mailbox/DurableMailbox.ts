import { Listeners } from '../events/index.js';
import { randomBytes } from 'node:crypto';
import {
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { systemClock, type Clock } from '../clock/index.js';
import { DEFAULT_MAX_MESSAGE_BYTES, type Envelope } from '../codec/index.js';
import { ErrorCode, RuntimeError, parseOptions } from '../errors/index.js';
import { silentLogger, type Logger } from '../telemetry/index.js';
import { createIdGenerator, type ActorSystem } from '../system/index.js';
import type { Disposable } from '../events/index.js';
import {
  DurableMailboxOptionsSchema,
  type DurableMailboxConfig,
  type DurableMailboxOptions,
  type ReliableReceipt,
  type ReliableSendOptions,
} from './DurableMailboxOptions.js';
import { createKvShardLeases } from './KvShardLeases.js';
import type { MailboxDeadLetter } from './MailboxDeadLetter.js';
import type { OwnershipChange, ShardOwnership } from './ShardOwnership.js';
import { mailboxSubjects, shardOf, type MailboxSubjects } from './shardOf.js';
import { DeadLetterSink } from './internal/DeadLetterSink.js';
import { Settlements } from './internal/Settlements.js';
import { publishReliable, reliableEnvelope } from './internal/publishReliable.js';
import { watchExhaustedDeliveries } from './internal/exhaustedDeliveries.js';
import { ShardConsumer, type ConsumerContext } from './internal/ShardConsumer.js';
import {
  ensureMailboxStreams,
  ensureShardConsumer,
  unavailable,
  type StreamSpec,
} from './internal/mailboxStreams.js';

/** Capabilities of a {@link DurableMailbox}. */
export interface DurableMailboxDeps {
  /**
   * The local actor system whose durable actors consume the messages. Without one the mailbox
   * only sends.
   */
  system?: ActorSystem;
  /** Which shards this node consumes. @default KV leases on every shard ({@link KvShardLeases}) */
  ownership?: ShardOwnership;
  /** @default the system's clock, else systemClock */
  clock?: Clock;
  /** @default the system's logger, else a silent one */
  logger?: Logger;
  /**
   * Told of ownership changes from the first one on (see {@link DurableMailbox.onOwnership}):
   * where to place a shard's actors before its messages are consumed.
   */
  onOwnership?: (change: OwnershipChange) => void | Promise<void>;
}

/** Room left in a dead-letter publish for its headers (`Nats-Msg-Id` and the server's own). */
const DEAD_LETTER_HEADER_BYTES = 1024;
/** A floor for the dead-letter record limit, whatever a server reports: a cut record fits. */
const DEAD_LETTER_MIN_BYTES = 8 * 1024;

/** Listener of dead letters of the mailbox, after they are stored. */
export type MailboxDeadLetterListener = (letter: MailboxDeadLetter) => void;

/**
 * Reliable delivery (DESIGN.md "Delivery"): at least once through a JetStream stream per
 * namespace, sharded by a stable hash of the actor name; each message processed once, because
 * durable actors deduplicate on the message id they journal (Akka Cluster Sharding's layout,
 * JetStream's work-queue semantics).
 *
 * - `sendReliable` resolves once JetStream acknowledged the publish: the message is durable.
 *   The envelope id is its `Nats-Msg-Id`, so a re-send within `duplicateWindowMs` is dropped.
 * - A node consumes the shards its {@link ShardOwnership} grants (by default KV leases), one
 *   durable pull consumer per shard, and hands each message to the local durable actor of its
 *   name. The message is acknowledged only after the actor has processed it and its journal entry
 *   is written; a redelivered id the actor already processed is acknowledged and skipped. While
 *   processing runs long, `working()` keeps it from being redelivered.
 * - A message that fails its actor is redelivered after `retryDelayMs`. Failing on delivery
 *   `maxDeliver` the same way every time (same error code; or same error name and message, numbers
 *   aside) — as far as this node saw its deliveries — it is poison: dead-lettered as `poison`, and
 *   `onPoison` listeners are told (an escalation). Failing in different ways it is dead-lettered
 *   as `exhausted` (ERR_DELIVERY_EXHAUSTED, with the distinct failures) and escalates nothing. Unknown actors: the message is kept (nak, `unknownActorDelayMs`) until
 *   `maxDeliver`, then dead-lettered with ERR_ACTOR_NOT_FOUND. Malformed bytes and messages the
 *   actor refuses for good are dead-lettered at once. Nothing is dropped without a record.
 * - A message whose last delivery ended with no verdict (its consumer crashed or stopped) is
 *   announced by the server (MAX_DELIVERIES advisory); one node of the namespace moves it to the
 *   dead-letter stream (`exhausted`). If no node listens at that moment it stays in the stream.
 * - Per-actor order is stream order while deliveries succeed; a retried message (nak) lets the
 *   ones after it pass (at-least-once, like a JetStream pull consumer with `max_ack_pending` > 1).
 *
 * @example
 * const mailbox = await DurableMailbox.open(nc, { nodeId: 'node-1' }, { system });
 * await system.spawnDurable('orders', orderMachine, { persistence });
 * await mailbox.sendReliable('orders', 'place', { sku: 'a1' }); // stored: will be processed once
 */
export class DurableMailbox {
  readonly nodeId: string;
  readonly subjects: MailboxSubjects;
  readonly #config: DurableMailboxConfig;
  readonly #nc: NatsConnection;
  readonly #js: JetStreamClient;
  readonly #jsm: JetStreamManager;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #nextId = createIdGenerator();
  readonly #spec: StreamSpec;
  readonly #sink: DeadLetterSink;
  readonly #consumers = new Map<number, ShardConsumer>();
  /** Awaited one after another (emitAsync): a listener is done before the shard changes hands. */
  readonly #ownershipListeners: Listeners<OwnershipChange>;
  #context: ConsumerContext | undefined;
  #ownership: ShardOwnership | undefined;
  #exhausted: Subscription | undefined;
  /** Ownership changes apply one at a time, in order. */
  #changes: Promise<void> = Promise.resolve();
  #state: 'open' | 'stopping' | 'stopped' = 'open';

  private constructor(
    config: DurableMailboxConfig & { nodeId: string },
    nc: NatsConnection,
    js: JetStreamClient,
    jsm: JetStreamManager,
    deps: DurableMailboxDeps,
  ) {
    this.#config = config;
    this.nodeId = config.nodeId;
    this.subjects = mailboxSubjects(config.namespace);
    this.#nc = nc;
    this.#js = js;
    this.#jsm = jsm;
    this.#clock = deps.clock ?? deps.system?.clock ?? systemClock;
    this.#logger = (deps.logger ?? deps.system?.logger ?? silentLogger()).child({
      mailbox: config.nodeId,
    });
    const logger = this.#logger;
    this.#ownershipListeners = new Listeners({
      onListenerError: (err, change) => {
        logger.error({ err, shard: change.shard }, 'ownership listener threw');
      },
    });
    // A record must fit one publish: the server's max_payload, less room for the headers.
    this.#sink = new DeadLetterSink(js, this.subjects, this.#logger, () =>
      Math.max(
        DEAD_LETTER_MIN_BYTES,
        (nc.info?.max_payload ?? DEFAULT_MAX_MESSAGE_BYTES) - DEAD_LETTER_HEADER_BYTES,
      ),
    );
    this.#spec = {
      subjects: this.subjects,
      duplicateWindowMs: config.duplicateWindowMs,
      ackWaitMs: config.ackWaitMs,
      maxDeliver: config.maxDeliver,
      maxAckPending: config.maxAckPending,
    };
  }

  /**
   * Opens the namespace's mailbox on `nc` (the connection stays the caller's), creating its
   * streams when missing; with a `system`, starts consuming the shards this node owns.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS for bad options (or a namespace other than the
   *   system's); ERR_STORE_UNAVAILABLE when JetStream cannot be reached.
   */
  static async open(
    nc: NatsConnection,
    options: DurableMailboxOptions = {},
    deps: DurableMailboxDeps = {},
  ): Promise<DurableMailbox> {
    const withNamespace =
      deps.system === undefined || options.namespace !== undefined
        ? options
        : { ...options, namespace: deps.system.namespace };
    const parsed = parseOptions(DurableMailboxOptionsSchema, withNamespace, 'durable mailbox');
    if (deps.system !== undefined && parsed.namespace !== deps.system.namespace) {
      throw new RuntimeError(
        ErrorCode.InvalidOptions,
        `Mailbox namespace ${parsed.namespace} differs from the system's (${deps.system.namespace})`,
        {
          details: {
            issues: [{ path: 'namespace', message: `must be ${deps.system.namespace}` }],
          },
        },
      );
    }
    const config = { ...parsed, nodeId: parsed.nodeId ?? `node-${randomBytes(6).toString('hex')}` };
    let jsm: JetStreamManager;
    try {
      jsm = await jetstreamManager(nc);
    } catch (cause) {
      throw unavailable('reach JetStream', cause);
    }
    const mailbox = new DurableMailbox(config, nc, jetstream(nc), jsm, deps);
    if (deps.onOwnership !== undefined) mailbox.#ownershipListeners.add(deps.onOwnership);
    await ensureMailboxStreams(jsm, mailbox.#spec);
    if (deps.system !== undefined) {
      const ownership =
        deps.ownership ??
        createKvShardLeases(
          nc,
          {
            nodeId: config.nodeId,
            namespace: config.namespace,
            shards: config.shards,
            bucket: config.leases.bucket,
            ttlMs: config.leases.ttlMs,
            renewMs: config.leases.renewMs,
          },
          { clock: mailbox.#clock, logger: mailbox.#logger },
        );
      await mailbox.#consume(deps.system, ownership);
    }
    return mailbox;
  }

  // --- sending ---

  /** The shard of the actor named `name`. */
  shardOf(name: string): number {
    return shardOf(name, this.#config.shards);
  }

  /**
   * Sends a message reliably; resolves once JetStream stored it (publish acknowledged).
   *
   * @throws {RuntimeError} ERR_INVALID_MESSAGE for an envelope that does not validate or encode;
   *   ERR_MESSAGE_TOO_LARGE over `maxMessageBytes`; ERR_STORE_UNAVAILABLE when the publish is not
   *   acknowledged (the message may or may not be stored: send it again with the same id via
   *   {@link sendEnvelope}, the stream drops the duplicate); ERR_CLOSED after `stop`.
   */
  sendReliable(
    to: string,
    type: string,
    payload?: unknown,
    options: ReliableSendOptions = {},
  ): Promise<ReliableReceipt> {
    const envelope = reliableEnvelope(this.#nextId(), to, type, payload, options);
    return this.sendEnvelope(
      envelope,
      options.signal === undefined ? {} : { signal: options.signal },
    );
  }

  /**
   * Sends a whole envelope reliably, keeping its id (a retry of an unacknowledged send, a
   * forwarded message). Resolves and throws as {@link sendReliable}.
   */
  sendEnvelope(
    envelope: Envelope,
    options: { signal?: AbortSignal } = {},
  ): Promise<ReliableReceipt> {
    const { signal } = options;
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    if (this.#state !== 'open')
      return Promise.reject(new RuntimeError(ErrorCode.Closed, 'Durable mailbox is stopped'));
    const { shards, maxMessageBytes } = this.#config;
    return publishReliable(
      { js: this.#js, subjects: this.subjects, shards, maxMessageBytes },
      envelope,
      signal,
    );
  }

  // --- events ---

  /** Calls `listener` with every dead letter this node stores, after it is stored. */
  onDeadLetter(listener: MailboxDeadLetterListener): Disposable {
    return this.#sink.onDeadLetter(listener);
  }

  /**
   * Calls `listener` with every poison message this node dead-letters: what an escalation is
   * opened from (supervisors' `escalatePoisonMessages`).
   */
  onPoison(listener: MailboxDeadLetterListener): Disposable {
    return this.#sink.onPoison(listener);
  }

  /**
   * Calls `listener` on each change of the shards this node owns: on `acquired` before the
   * shard's messages are consumed (a returned promise is awaited: place the shard's actors here
   * first), on `lost` after consuming stopped.
   */
  onOwnership(listener: (change: OwnershipChange) => void | Promise<void>): Disposable {
    return this.#ownershipListeners.add(listener);
  }

  /** The shards this node consumes now. */
  ownedShards(): number[] {
    return [...this.#consumers.keys()].sort((a, b) => a - b);
  }

  // --- lifecycle ---

  /**
   * Stops consuming and gives up this node's shards (others take over at once); messages in
   * progress finish and are settled first. Does not close the connection.
   */
  async stop(): Promise<void> {
    if (this.#state !== 'open') return;
    this.#state = 'stopping';
    await this.#ownership?.stop();
    await this.#changes;
    try {
      this.#exhausted?.unsubscribe();
    } catch {
      // A closed connection has no subscriptions left to remove.
    }
    for (const consumer of this.#consumers.values()) await consumer.stop();
    // Messages still waiting for their actor are handed back (nak): the next owner gets them,
    // and an actor that did process one meanwhile refuses the redelivery as a duplicate.
    this.#context?.settlements.dispose();
    for (const consumer of this.#consumers.values()) await consumer.idle();
    this.#consumers.clear();
    this.#state = 'stopped';
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  // --- internals ---

  async #consume(system: ActorSystem, ownership: ShardOwnership): Promise<void> {
    const config = this.#config;
    this.#context = {
      js: this.#js,
      system,
      settlements: new Settlements(system),
      subjects: this.subjects,
      clock: this.#clock,
      logger: this.#logger,
      nodeId: this.nodeId,
      ackWaitMs: config.ackWaitMs,
      maxDeliver: config.maxDeliver,
      maxAckPending: config.maxAckPending,
      retryDelayMs: config.retryDelayMs,
      unknownActorDelayMs: config.unknownActorDelayMs,
      maxMessageBytes: config.maxMessageBytes,
      deadLetter: (letter, raw) => this.#sink.store(letter, raw),
    };
    this.#ownership = ownership;
    this.#exhausted = watchExhaustedDeliveries({
      nc: this.#nc,
      jsm: this.#jsm,
      subjects: this.subjects,
      logger: this.#logger,
      nodeId: this.nodeId,
      now: () => this.#clock.now(),
      deadLetter: (letter, raw) => this.#sink.store(letter, raw),
    });
    try {
      await ownership.start((change) => {
        this.#changes = this.#changes.then(() => this.#apply(change));
      });
    } catch (error) {
      // Nothing half-open is left behind: no listeners on the system, no subscription.
      await this.stop();
      throw error;
    }
    await this.#changes;
  }

  async #apply(change: OwnershipChange): Promise<void> {
    const context = this.#context;
    if (context === undefined) return;
    try {
      if (change.type === 'acquired') {
        if (this.#state !== 'open' || this.#consumers.has(change.shard)) return;
        await this.#notifyOwnership(change);
        await ensureShardConsumer(this.#jsm, this.#spec, change.shard);
        const consumer = new ShardConsumer(context, change.shard);
        this.#consumers.set(change.shard, consumer);
        await consumer.start();
      } else {
        const consumer = this.#consumers.get(change.shard);
        this.#consumers.delete(change.shard);
        await consumer?.stop();
        await this.#notifyOwnership(change);
      }
    } catch (err) {
      // The shard stays unconsumed here until ownership changes again; its messages wait.
      this.#consumers.delete(change.shard);
      this.#logger.error({ err, shard: change.shard }, 'could not start consuming a shard');
    }
  }

  #notifyOwnership(change: OwnershipChange): Promise<void> {
    return this.#ownershipListeners.emitAsync(change);
  }
}
