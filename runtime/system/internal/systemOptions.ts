import { z } from 'zod';
import type { Clock } from '../../clock/index.js';
import { DEFAULT_MAX_MESSAGE_BYTES, type Envelope } from '../../codec/index.js';
import type { Logger, MetricsRegistry } from '../../telemetry/index.js';
import type { Transport } from '../../transport/index.js';

/** Options of {@link createActorSystem}. Validated; defaults live here. */
export const ActorSystemOptionsSchema = z.strictObject({
  /** Namespace: the subject prefix of every actor. @default 'default' */
  namespace: z.string().min(1).max(64).default('default'),
  /** Mailbox defaults for every actor (overridable per spawn). */
  mailbox: z
    .strictObject({
      /** Messages a mailbox holds before its overflow policy applies. @default 10_000 */
      capacity: z.number().int().positive().default(10_000),
      /** @default 'drop-newest' */
      overflow: z.enum(['drop-newest', 'drop-oldest']).default('drop-newest'),
    })
    .prefault({}),
  /** Deadline of an `ask` that gives none. @default 5_000 */
  askTimeoutMs: z.number().positive().default(5_000),
  /** Largest encoded message accepted from outside the process. @default 1_048_576 */
  maxMessageBytes: z.number().int().positive().default(DEFAULT_MAX_MESSAGE_BYTES),
});

/** What callers pass to {@link createActorSystem}. */
export type ActorSystemOptions = z.input<typeof ActorSystemOptionsSchema>;
/** The options once validated, defaults filled in. */
export type ActorSystemConfig = z.output<typeof ActorSystemOptionsSchema>;

/** Capabilities of the system: kept out of the options schema (STYLE §5). */
export interface ActorSystemDeps {
  /** @default systemClock */
  clock?: Clock;
  /** @default a silent logger */
  logger?: Logger;
  /** @default a new in-memory registry */
  metrics?: MetricsRegistry;
  /** @default a new LocalTransport, owned (closed) by the system */
  transport?: Transport;
}

/** Per-spawn options. */
export interface SpawnOptions {
  /** Input of the XState logic. */
  input?: unknown;
  /** A persisted snapshot to restore instead of starting fresh. */
  snapshot?: unknown;
  /** Mailbox settings for this actor. */
  mailbox?: { capacity?: number; overflow?: 'drop-newest' | 'drop-oldest' };
  /**
   * When this incarnation fails, hold the messages queued for it and those that arrive after, up
   * to `capacity`, for the next incarnation under the same name (what a supervisor asks for while
   * it backs off and restarts). Past the bound they go to dead letters (`hold-overflow`).
   */
  holdOnFailure?: { capacity: number };
  /** How many of the last delivered messages to keep for failure reports. @default 10 */
  recentMessages?: number;
  /** Messages delivered first, before any held for this name (a supervisor's retry of a failed message). */
  prepend?: readonly Envelope[];
}

/** Options of {@link ActorSystem.stop}. */
export interface StopOptions {
  /** Hold queued and arriving messages (up to `capacity`) for the next incarnation. */
  hold?: { capacity: number };
}

/** How a graceful stop ended. */
export type GracefulStopOutcome = 'graceful' | 'forced' | 'immediate' | 'not-running';

/** The event a graceful stop sends first; a machine that handles it gets `timeoutMs` to finish. */
export const SHUTDOWN_EVENT = 'agentvisor.shutdown';

/** Options of {@link ActorSystem.tell}. */
export interface TellOptions {
  /**
   * The message id, chosen by the caller (an order number): a durable actor processes an id
   * once, so a retried message with the same id is answered ERR_DUPLICATE_MESSAGE, not redone.
   * @default a fresh id
   */
  id?: string;
  from?: string;
  correlationId?: string;
  causationId?: string;
  traceparent?: string;
  /**
   * Absolute deadline, epoch ms on this process's wall clock: the receiver drops the message once
   * it has passed. It travels as the budget left (`budgetMs`), so receivers on other machines
   * do not depend on their wall clocks agreeing with this one.
   */
  deadline?: number;
}

/** Options of {@link ActorSystem.ask}. */
export interface AskOptions extends TellOptions {
  /** Relative timeout; the effective deadline is the earlier of this and `deadline`. @default askTimeoutMs */
  timeoutMs?: number;
  signal?: AbortSignal;
}
