import type { NodeConnectionOptions, Status } from '@nats-io/transport-node';
import { z } from 'zod';
import type { Clock } from '../clock/index.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../codec/index.js';
import type { Logger } from '../telemetry/index.js';

/** A subject token: no `.`, wildcard or whitespace. */
const TOKEN = String.raw`[^.*>\s]+`;

/** Options of `NatsTransport`. Validated; defaults live here. */
export const NatsTransportOptionsSchema = z.strictObject({
  /** Reply subjects are `<inboxPrefix>.<transport id>.<request id>`. @default '_INBOX.av' */
  inboxPrefix: z
    .string()
    .regex(new RegExp(`^${TOKEN}(\\.${TOKEN})*$`), 'must be dot-separated tokens, no wildcards')
    .default('_INBOX.av'),
  /**
   * Largest encoded message accepted off the wire and sent, in bytes; what is sent is also capped
   * by the server's `max_payload`. @default 1_048_576
   */
  maxMessageBytes: z.number().int().positive().default(DEFAULT_MAX_MESSAGE_BYTES),
  /**
   * Drain or close the NATS connection when the transport drains or closes.
   * @default false (true for a transport made by `NatsTransport.connect`)
   */
  ownsConnection: z.boolean().default(false),
});

/** What callers pass to `NatsTransport`. */
export type NatsTransportOptions = z.input<typeof NatsTransportOptionsSchema>;

/** Capabilities of a `NatsTransport`. */
export interface NatsTransportDeps {
  /** Runs the request deadlines. @default systemClock */
  clock?: Clock;
  /** Receives connection events and refused messages. @default a silent logger */
  logger?: Logger;
}

/** A connection event of a `NatsTransport`: the nats.js status, without client internals. */
export interface NatsTransportStatus {
  /**
   * What happened, as nats.js names it: `disconnect`, `reconnecting` (one per dial attempt),
   * `reconnect`, `update` (cluster servers changed), `ldm` (the server entered lame-duck mode),
   * `error` (a server error), `ping` (a ping is outstanding), `staleConnection`, `forceReconnect`,
   * `slowConsumer`, `close`.
   */
  readonly type: Status['type'];
  /** Wall time of the event, epoch ms. */
  readonly at: number;
  /** The server (`host:port`, never credentials), for `disconnect`, `reconnect` and `ldm`. */
  readonly server?: string;
  /** The server's error, for `error`. */
  readonly error?: Error;
  /** For `reconnect`: ms from the `disconnect` before it (monotonic clock). */
  readonly downMs?: number;
}

/**
 * Connect options `NatsTransport.connect` starts from (reference/xstate-nats.md §B.2):
 * reconnect forever, soon (a server restart costs ~0.3 s instead of ~2 s), notice a dead server
 * within ~20 s, wait for a server that is not up yet, and skip the stack trace nats.js captures
 * per request.
 */
export const NATS_CONNECT_DEFAULTS = Object.freeze({
  maxReconnectAttempts: -1,
  reconnectTimeWait: 250,
  reconnectJitter: 100,
  pingInterval: 10_000,
  waitOnFirstConnect: true,
  noAsyncTraces: true,
} satisfies NodeConnectionOptions);
