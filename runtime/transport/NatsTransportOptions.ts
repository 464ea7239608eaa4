import type { NodeConnectionOptions, Status } from '@nats-io/transport-node';
import { z } from 'zod';
import type { Clock } from '../clock/index.js';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../codec/index.js';
import type { Logger } from '../telemetry/index.js';

/** A subject token: no `.`, wildcard or whitespace. */
const TOKEN = String.raw`[^.*>\s]+`;

/** A file path: a non-empty string (its contents are read at connect, never logged). */
const filePath = z.string().min(1);

/**
 * How a connection made by `NatsTransport.connect` authenticates (nats-server `authorization`
 * block or operator mode). Secrets given here never appear in logs or error messages.
 */
export const NatsAuthSchema = z.discriminatedUnion('type', [
  /** `authorization { user, password }`. */
  z.strictObject({ type: z.literal('user'), user: z.string().min(1), password: z.string().min(1) }),
  /** `authorization { token }`. */
  z.strictObject({ type: z.literal('token'), token: z.string().min(1) }),
  /** An nkey user: the seed (`SU…`) inline, or in a file. */
  z
    .strictObject({
      type: z.literal('nkey'),
      seed: z.string().min(1).optional(),
      seedFile: filePath.optional(),
    })
    .refine((a) => (a.seed === undefined) !== (a.seedFile === undefined), {
      error: 'give exactly one of seed and seedFile',
      path: ['seed'],
    }),
  /** A credentials file (user JWT + nkey seed, as `nsc` writes it): operator mode. */
  z.strictObject({ type: z.literal('credentials'), file: filePath }),
]);

/** What callers pass as `auth`. */
export type NatsAuth = z.input<typeof NatsAuthSchema>;

/**
 * TLS of a connection made by `NatsTransport.connect`: `true` requires TLS with the system's
 * trusted CAs; an object names PEM files (a private CA, and a client certificate and key when the
 * server verifies clients).
 */
export const NatsTlsSchema = z.union([
  z.literal(true),
  z
    .strictObject({
      /** CA certificate(s) that sign the server's certificate. @default the system's CAs */
      caFile: filePath.optional(),
      /** Client certificate, for servers that verify clients (`verify: true`). */
      certFile: filePath.optional(),
      /** Key of `certFile`. */
      keyFile: filePath.optional(),
    })
    .refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
      error: 'certFile and keyFile go together',
      path: ['certFile'],
    }),
]);

/** What callers pass as `tls`. */
export type NatsTls = z.input<typeof NatsTlsSchema>;

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
  /**
   * Credentials for `NatsTransport.connect` (not for a transport on an open connection). A
   * refused one fails the connect with ERR_AUTH, without waiting for a retry.
   */
  auth: NatsAuthSchema.optional(),
  /**
   * TLS for `NatsTransport.connect` (not for a transport on an open connection). A failed
   * handshake fails the connect with ERR_TLS.
   */
  tls: NatsTlsSchema.optional(),
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
