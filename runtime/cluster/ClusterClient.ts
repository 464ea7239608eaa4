import { randomUUID } from 'node:crypto';
import { createInbox, type Msg, type Subscription } from '@nats-io/transport-node';
import { z } from 'zod';
import { systemClock, type Clock } from '../clock/index.js';
import { ReplyType, encodeEnvelope, stampSendDeadline, type Envelope } from '../codec/index.js';
import { ErrorCode, RuntimeError, isRuntimeError, parseOptions } from '../errors/index.js';
import { backoffDelays } from '../resilience/index.js';
import { silentLogger, type Logger } from '../telemetry/index.js';
import {
  NatsTransport,
  createSubjects,
  noRespondersError,
  readReply,
  type NatsTransportOptions,
  type Subjects,
} from '../transport/index.js';

/** Options of {@link ClusterClient.connect}. */
export const ClusterClientOptionsSchema = z.strictObject({
  /** NATS server URL(s). */
  servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  /** The cluster's namespace. @default 'default' */
  namespace: z.string().min(1).max(64).default('default'),
  /** Deadline of a whole `ask` (every attempt) that gives none. @default 10_000 */
  askTimeoutMs: z.number().positive().max(2_147_483_647).default(10_000),
  /** Replies remembered by message id, so asking again with the same id returns it. @default 1_000 */
  replyCache: z.number().int().nonnegative().default(1_000),
});
/** What callers pass to {@link ClusterClient.connect}. */
export type ClusterClientOptions = z.input<typeof ClusterClientOptionsSchema> &
  Pick<NatsTransportOptions, 'auth' | 'tls'>;

/** Retries of one `ask`, all with the same message id. */
export const ClientRetrySchema = z.strictObject({
  /** Attempts in all, the first included. @default 5 */
  attempts: z.number().int().positive().max(1_000).default(5),
  /** How long one attempt waits for its reply before the next is sent. @default 1_000 */
  attemptTimeoutMs: z.number().positive().max(2_147_483_647).default(1_000),
  /** Delay before retry n: `initialDelayMs × factor^(n-1)`, capped at `maxDelayMs`. */
  backoff: z
    .strictObject({
      /** @default 100 */
      initialDelayMs: z.number().nonnegative().default(100),
      /** @default 2_000 */
      maxDelayMs: z.number().nonnegative().default(2_000),
      /** @default 2 */
      factor: z.number().min(1).default(2),
    })
    .prefault({}),
});

/** Per-call options of {@link ClusterClient.ask}. */
export const ClientAskOptionsSchema = z.strictObject({
  /**
   * The message id, chosen by the caller (an order number, a request id): every attempt carries
   * it, and the actor processes an id once. @default a random UUID, the same for every attempt
   */
  id: z.string().min(1).max(256).optional(),
  /** Deadline of the whole call, every attempt and back-off included. @default askTimeoutMs */
  timeoutMs: z.number().positive().max(2_147_483_647).optional(),
  /** Retry with the same id while the actor is unreachable (failover). @default no retry */
  retry: ClientRetrySchema.optional(),
  correlationId: z.string().min(1).max(256).optional(),
  signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal).optional(),
});
/** What callers pass to {@link ClusterClient.ask}. */
export type ClientAskOptions = z.input<typeof ClientAskOptionsSchema>;

/** Per-call options of {@link ClusterClient.tell}. */
export interface ClientTellOptions {
  /** The message id (see {@link ClientAskOptions.id}). @default a random UUID */
  readonly id?: string;
  readonly correlationId?: string;
}

/** Capabilities of a client: kept out of the options schema (STYLE §5). */
export interface ClusterClientDeps {
  /** Reuse this transport (not closed by the client) instead of connecting. */
  transport?: NatsTransport;
  /** @default systemClock */
  clock?: Clock;
  /** @default a silent logger */
  logger?: Logger;
}

/**
 * Errors an attempt is retried on: nobody answered (no responder: the unit is moving; timeout:
 * its node died with the message), or the copy that got it stopped or failed before answering.
 */
const RETRYABLE: readonly ErrorCode[] = [
  ErrorCode.Timeout,
  ErrorCode.ActorNotFound,
  ErrorCode.ActorStopped,
  ErrorCode.ActorFailed,
];

interface PendingCall {
  resolve(reply: Envelope): void;
  noResponders(): void;
}

/**
 * A caller outside the cluster's nodes: `ask` and `tell` actors by name with a caller-chosen
 * message id, and retries with that same id across failover. The actors remember the ids they
 * processed (in their checkpoints), so an ask retried after its node died is processed exactly
 * once; every attempt shares one reply subject, so a late reply to an earlier attempt still
 * answers the call.
 *
 * A retry that finds its id already processed (the reply to the attempt that did it was lost with
 * its node) resolves with that reply when this client remembers it (a reply to an earlier call with
 * the same id), else rejects with ERR_DUPLICATE_MESSAGE and `details.alreadyProcessed: true`: the
 * message was processed once, its reply is unknown; ask the actor for the state it left.
 *
 * @example
 * const client = await ClusterClient.connect({ servers: 'nats://127.0.0.1:4222', namespace: 'team' });
 * const n = await client.ask('writer', 'task', { text: 'draft' }, { id: 'order-17', retry: { attempts: 10 } });
 * await client.close();
 */
export class ClusterClient {
  readonly namespace: string;
  readonly transport: NatsTransport;

  readonly #config: z.output<typeof ClusterClientOptionsSchema>;
  readonly #ownsTransport: boolean;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #subjects: Subjects;
  readonly #inbox: string;
  readonly #sub: Subscription;
  readonly #pending = new Map<string, PendingCall>();
  /** Replies by message id, oldest first (insertion order), at most `replyCache`. */
  readonly #replies = new Map<string, Envelope>();
  #calls = 0;

  private constructor(
    config: z.output<typeof ClusterClientOptionsSchema>,
    transport: NatsTransport,
    owns: boolean,
    deps: ClusterClientDeps,
  ) {
    this.#config = config;
    this.namespace = config.namespace;
    this.transport = transport;
    this.#ownsTransport = owns;
    this.#clock = deps.clock ?? systemClock;
    this.#logger = (deps.logger ?? silentLogger()).child({ client: config.namespace });
    this.#subjects = createSubjects(config.namespace);
    this.#inbox = createInbox();
    this.#sub = transport.connection.subscribe(`${this.#inbox}.>`, {
      callback: (err, msg) => {
        if (err === null) this.#onReply(msg);
      },
    });
  }

  /**
   * Connects (or reuses `deps.transport`) and listens for replies.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS for bad options; the transport's connection errors.
   */
  static async connect(
    options: ClusterClientOptions,
    deps: ClusterClientDeps = {},
  ): Promise<ClusterClient> {
    const { auth, tls, ...rest } = options;
    const config = parseOptions(ClusterClientOptionsSchema, rest, 'cluster client');
    if (deps.transport !== undefined) return new ClusterClient(config, deps.transport, false, deps);
    const transport = await NatsTransport.connect(
      config.servers === undefined ? {} : { servers: config.servers },
      { ...(auth === undefined ? {} : { auth }), ...(tls === undefined ? {} : { tls }) },
      { ...(deps.clock === undefined ? {} : { clock: deps.clock }) },
    );
    return new ClusterClient(config, transport, true, deps);
  }

  /**
   * Sends a message and waits for its reply; with `retry`, sends it again (same id) after an
   * attempt got no answer, until one is answered, the attempts are used up or the deadline passes.
   *
   * @throws {RuntimeError} ERR_INVALID_OPTIONS for bad options; the actor's error; the last
   *   attempt's ERR_TIMEOUT / ERR_ACTOR_NOT_FOUND when no attempt was answered;
   *   ERR_DUPLICATE_MESSAGE (`details.alreadyProcessed`) as described on the class.
   */
  async ask<TReply = unknown>(
    to: string,
    type: string,
    payload?: unknown,
    options: ClientAskOptions = {},
  ): Promise<TReply> {
    const call = parseOptions(ClientAskOptionsSchema, options, 'ask options');
    call.signal?.throwIfAborted();
    const id = call.id ?? randomUUID();
    const remembered = this.#replies.get(id);
    if (remembered !== undefined) return unwrap(remembered) as TReply;
    const retry = call.retry ?? { attempts: 1, attemptTimeoutMs: Infinity, backoff: undefined };
    // Monotonic: elapsed time on this process's clock; what goes on the wire is the budget left.
    const deadline = this.#clock.monotonic() + (call.timeoutMs ?? this.#config.askTimeoutMs);
    const delays = backoffDelays(
      { initialDelayMs: 100, maxDelayMs: 2_000, factor: 2, ...retry.backoff, jitter: 'none' },
      () => 0,
    );
    // One reply subject per call, shared by its attempts.
    const replyTo = `${this.#inbox}.${String(++this.#calls)}`;
    let last: RuntimeError | undefined;
    for (let attempt = 1; attempt <= retry.attempts; attempt++) {
      const left = deadline - this.#clock.monotonic();
      if (left <= 0) break;
      try {
        const reply = await this.#attempt(
          { v: 1, id, type, to, payload, replyTo, ...pick(call) },
          Math.min(left, retry.attemptTimeoutMs),
          deadline,
          call.signal,
        );
        if (reply.type === ReplyType.Ok) this.#remember(id, reply);
        return unwrap(reply) as TReply;
      } catch (err) {
        if (isRuntimeError(err, ErrorCode.DuplicateMessage)) {
          // An earlier attempt (or call) with this id was processed; its reply never came back.
          throw new RuntimeError(
            ErrorCode.DuplicateMessage,
            `${to} processed message ${id} already; its reply is not known here`,
            { cause: err, details: { to, id, attempts: attempt, alreadyProcessed: true } },
          );
        }
        if (!isRuntimeError(err) || !RETRYABLE.includes(err.code)) throw err;
        last = err;
      }
      if (attempt < retry.attempts) {
        const delay = Math.min(
          delays.next().value,
          Math.max(0, deadline - this.#clock.monotonic()),
        );
        this.#logger.debug({ to, id, attempt, delay }, 'ask not answered: retrying');
        await this.#sleep(delay, call.signal);
      }
    }
    throw last ?? new RuntimeError(ErrorCode.Timeout, `No reply from ${to} before the deadline`);
  }

  /** Sends a message at most once, with the caller's id when given (processed once per id). */
  tell(to: string, type: string, payload?: unknown, options: ClientTellOptions = {}): void {
    const envelope: Envelope = {
      v: 1,
      id: options.id ?? randomUUID(),
      type,
      to,
      payload,
      ...(options.correlationId === undefined ? {} : { correlationId: options.correlationId }),
    };
    this.transport.publish(this.#subjects.actor(to), envelope);
  }

  /** Stops listening for replies (calls in flight reject) and closes an owned connection. */
  async close(): Promise<void> {
    this.#sub.unsubscribe();
    if (this.#ownsTransport) await this.transport.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  // --- internals ---

  /** One attempt: publish with the call's reply subject, wait for a reply, no responder or timeout. */
  #attempt(
    envelope: Envelope,
    waitMs: number,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<Envelope> {
    const replyTo = envelope.replyTo ?? this.#inbox;
    // The budget left travels (`budgetMs`), as from ActorSystem.ask: a receiver whose wall clock
    // disagrees with this one's neither expires it early nor keeps it late.
    const outgoing = { ...envelope };
    stampSendDeadline(outgoing, this.#clock, deadline - this.#clock.monotonic());
    const bytes = encodeEnvelope(outgoing);
    if (!bytes.ok) return Promise.reject(bytes.error);
    return new Promise<Envelope>((resolve, reject) => {
      const done = () => {
        this.#clock.clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (this.#pending.get(replyTo) === call) this.#pending.delete(replyTo);
      };
      const onAbort = () => {
        done();
        reject(signal?.reason as Error);
      };
      const call: PendingCall = {
        resolve: (reply) => {
          done();
          resolve(reply);
        },
        noResponders: () => {
          done();
          reject(noRespondersError(envelope));
        },
      };
      const timer = Number.isFinite(waitMs)
        ? this.#clock.setTimeout(() => {
            done();
            reject(
              new RuntimeError(ErrorCode.Timeout, `No reply from ${envelope.to} in ${waitMs} ms`, {
                details: { to: envelope.to, id: envelope.id, waitMs },
              }),
            );
          }, waitMs)
        : undefined;
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(replyTo, call);
      this.transport.connection.publish(this.#subjects.actor(envelope.to), bytes.value, {
        reply: replyTo,
      });
    });
  }

  #onReply(msg: Msg): void {
    const call = this.#pending.get(msg.subject);
    // Read as the transport's reply inbox reads its replies; a malformed one is dropped here
    // (a retry may still be answered) instead of failing the call.
    const read = readReply(msg);
    switch (read.kind) {
      case 'no-responders':
        call?.noResponders();
        return;
      case 'invalid':
        this.#logger.warn({ err: read.error, subject: msg.subject }, 'malformed reply dropped');
        return;
      case 'reply':
        // A late reply to an earlier attempt (same id, same subject) answers the call all the same.
        call?.resolve(read.reply);
    }
  }

  #remember(id: string, reply: Envelope): void {
    if (this.#config.replyCache === 0) return;
    this.#replies.set(id, reply);
    if (this.#replies.size > this.#config.replyCache) {
      const oldest = this.#replies.keys().next().value;
      if (oldest !== undefined) this.#replies.delete(oldest);
    }
  }

  #sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#clock.clearTimeout(timer);
        reject(signal?.reason as Error);
      };
      const timer = this.#clock.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function pick(call: { correlationId?: string | undefined }): { correlationId?: string } {
  return call.correlationId === undefined ? {} : { correlationId: call.correlationId };
}

function unwrap(reply: Envelope): unknown {
  if (reply.type === ReplyType.Error) throw RuntimeError.fromWire(reply.payload);
  return reply.payload;
}
