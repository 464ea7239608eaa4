import { z } from 'zod';
import {
  ErrorCode,
  RuntimeError,
  parseOptions,
  type AlertStore,
  type Logger,
  type MetricsRegistry,
} from 'agentvisor/internal';
import { serveHttp, type HttpListener } from 'agentvisor/node';
import { sourcesOf, type ConsoleTarget } from './ConsoleTarget.js';
import type { ConsoleToken } from './internal/auth.js';
import { consoleApp } from './internal/consoleApp.js';
import { Transitions } from './internal/Transitions.js';

/** Options of {@link serveConsole}. */
export interface ServeConsoleOptions {
  /** Interface to bind. Without `tokens`, only a loopback address is accepted. @default '127.0.0.1' */
  readonly host?: string;
  /** TCP port; 0 picks a free one (read it from `url`). */
  readonly port: number;
  /** Bearer tokens and their roles; none → unauthenticated, loopback only (and logged so). */
  readonly tokens?: readonly ConsoleToken[];
  /** Largest request body accepted (413 `ERR_BODY_TOO_LARGE` beyond). @default 1 MiB */
  readonly maxBodyBytes?: number;
  /** Served at `GET /api/alerts` when given. */
  readonly alerts?: AlertStore;
  /** Served at `GET /metrics` (Prometheus text) when given. @default the target's registry when it is a Prometheus one */
  readonly metrics?: MetricsRegistry;
  /** Context schemas by child id: a `resume` decision's edited context must pass its child's. */
  readonly contextSchemas?: Readonly<Record<string, z.ZodType>>;
  /** Where the console says how it listens, and logs failed requests. @default the system's logger */
  readonly logger?: Logger;
}

/** A running console. */
export interface ConsoleServer {
  /** Its base address, e.g. `http://127.0.0.1:7070` (with the bound port). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Ends the event streams, stops listening and closes open connections. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const OptionsSchema = z.object({
  host: z.string().min(1).optional(),
  port: z.number().int().min(0).max(65_535),
  tokens: z
    .array(z.strictObject({ token: z.string().min(16), role: z.enum(['viewer', 'operator']) }))
    .optional(),
  maxBodyBytes: z.number().int().positive().optional(),
});

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Serves the operator's console HTTP API (hono on node:http) for an embedded system (its
 * supervision tree, persistence) or a ClusterNode. JSON endpoints, every answer redacted of
 * secrets and every error `{ error: { code, message, path? } }`:
 *
 * - `GET /api/nodes` — this node's status and the members it sees (ClusterNode target);
 * - `GET /api/tree` — the supervision tree: per child status, incarnation, restarts, the
 *   supervisor's intensity used/allowed in its window, mailbox depth, XState state value, last
 *   transition, open escalation;
 * - `GET /api/actors`, `GET /api/actors/:name` (with its context);
 * - `GET /api/actors/:name/journal?from=&limit=` (paged; a page past the end is 416
 *   `ERR_JOURNAL_RANGE`), `GET /api/actors/:name/reasoning` (the reasoning chain);
 * - `GET /api/actors/:name/checkpoints`, `POST` the same to take one now, `POST
 *   /api/actors/:name/fork` `{ name, revision?, context? }` into a new actor, `POST
 *   /api/actors/:name/stop`;
 * - `GET /api/escalations?status=&supervisor=&agent=`, `GET /api/escalations/:id` (the record
 *   with journal tail and latest checkpoint), `POST /api/escalations/:id/decision`
 *   `{ decision, by?, note? }` (400 `ERR_INVALID_DECISION` with the field path, 409
 *   `ERR_ESCALATION_CLOSED`);
 * - `GET /api/alerts?status=` (with `alerts`), `GET /metrics` (with a Prometheus registry);
 * - `GET /api/events` — server-sent events: `escalation-opened`, `escalation-resolved`,
 *   `supervisor`, `actor`;
 * - `GET /` and `GET /console/*` — the web dashboard (static files, no token needed to load).
 *
 * Auth: `Authorization: Bearer <token>`; viewers may GET, operators may also POST (401
 * `ERR_UNAUTHORIZED`, 403 `ERR_FORBIDDEN`). Without tokens it listens on loopback only.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS for bad options, or a non-loopback host without
 *   tokens; ERR_CONSOLE_PORT_IN_USE when host:port is taken.
 * @example
 * await using console = await serveConsole({ system, tree, persistence }, { port: 7070 });
 * console.log(console.url);
 */
export async function serveConsole(
  target: ConsoleTarget,
  options: ServeConsoleOptions,
): Promise<ConsoleServer> {
  parseOptions(OptionsSchema, options, 'serveConsole');
  const sources = sourcesOf(target);
  const host = options.host ?? '127.0.0.1';
  const tokens =
    options.tokens !== undefined && options.tokens.length > 0 ? options.tokens : undefined;
  const logger = (options.logger ?? sources.system.logger).child({ component: 'console' });
  if (tokens === undefined && !LOOPBACK.has(host)) {
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `serveConsole: refusing ${host} without tokens; an unauthenticated console listens on loopback only`,
      { details: { issues: [{ path: 'host', message: 'loopback only without `tokens`' }] } },
    );
  }
  const transitions = new Transitions(sources.system);
  const streams = new Set<() => void>();
  const app = consoleApp({
    sources,
    transitions,
    streams,
    tokens,
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
    alerts: options.alerts,
    metrics: options.metrics ?? sources.system.metrics,
    contextSchemas: options.contextSchemas ?? {},
    logger,
  });
  let listener: HttpListener;
  try {
    listener = await serveHttp(app.fetch, {
      host,
      port: options.port,
      inUse: ErrorCode.ConsolePortInUse,
      what: 'the console',
    });
  } catch (error) {
    transitions.dispose();
    throw error;
  }
  const { port, origin: url } = listener;
  if (tokens === undefined) logger.warn({ url }, 'console is unauthenticated, on loopback only');
  else logger.info({ url }, 'console listening');
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const end of [...streams]) end();
      transitions.dispose();
      await listener.close();
    })());
  return { url, host, port, close, [Symbol.asyncDispose]: close };
}
