import { Hono } from 'hono';
import type { z } from 'zod';
import {
  ErrorCode,
  isPrometheusRegistry,
  type AlertStore,
  type Logger,
  type MetricsRegistry,
} from 'agentvisor/internal';
import type { ConsoleSources } from '../ConsoleTarget.js';
import { actorRoutes } from './actorRoutes.js';
import { bearerAuth, type ConsoleToken } from './auth.js';
import { consoleStatic } from './consoleStatic.js';
import { escalationRoutes, noTree } from './escalationRoutes.js';
import { eventsRoute } from './eventsRoute.js';
import { requestError, toHttpError } from './httpError.js';
import { redact } from './redact.js';
import type { Transitions } from './Transitions.js';
import { treeView } from './treeView.js';

/** What {@link consoleApp} is built from. */
export interface ConsoleAppParts {
  readonly sources: ConsoleSources;
  readonly transitions: Transitions;
  readonly streams: Set<() => void>;
  readonly tokens: readonly ConsoleToken[] | undefined;
  readonly maxBodyBytes: number;
  readonly alerts: AlertStore | undefined;
  readonly metrics: MetricsRegistry | undefined;
  readonly contextSchemas: Readonly<Record<string, z.ZodType>>;
  readonly logger: Logger;
}

/** The console's routes, auth, redaction and error bodies, on one hono app. */
export function consoleApp(parts: ConsoleAppParts): Hono {
  const { sources } = parts;
  const app = new Hono();
  app.onError((error, c) => {
    const { status, body } = toHttpError(error);
    if (status >= 500)
      parts.logger.error({ err: error, path: c.req.path }, 'console request failed');
    return c.json(body, status as 500);
  });
  app.notFound((c) => {
    const { status, body } = toHttpError(
      requestError(ErrorCode.RouteNotFound, `No route ${c.req.method} ${c.req.path}`),
    );
    return c.json(body, status as 404);
  });
  consoleStatic(app);
  app.use('*', bearerAuth(parts.tokens));
  // Every JSON answer goes out redacted, whichever route made it.
  app.use('*', async (c, next) => {
    await next();
    if (!(c.res.headers.get('content-type') ?? '').startsWith('application/json')) return;
    const body = redact(await c.res.json());
    c.res = new Response(JSON.stringify(body), { status: c.res.status, headers: c.res.headers });
  });

  app.get('/api/nodes', (c) => {
    const node = sources.node;
    if (node === undefined) {
      throw requestError(ErrorCode.RouteNotFound, 'This console serves no cluster node');
    }
    return c.json({ node: node.status(), members: node.membership.members() });
  });
  app.get('/api/tree', (c) => {
    if (sources.tree === undefined) throw noTree();
    return c.json({
      tree: treeView(sources.tree, sources.system, parts.transitions),
      openEscalations: sources.tree.escalations.openCount(),
    });
  });
  escalationRoutes(app, sources, {
    maxBodyBytes: parts.maxBodyBytes,
    contextSchemas: parts.contextSchemas,
    journalTail: 20,
  });
  actorRoutes(app, sources, parts.transitions, parts.maxBodyBytes);
  app.get('/api/alerts', async (c) => {
    if (parts.alerts === undefined) {
      throw requestError(ErrorCode.RouteNotFound, 'This console has no alert store');
    }
    const status = c.req.query('status');
    if (status !== undefined && status !== 'firing' && status !== 'resolved') {
      throw requestError(
        ErrorCode.InvalidOptions,
        'expected `status` firing or resolved',
        'status',
      );
    }
    return c.json({ alerts: await parts.alerts.list(status === undefined ? {} : { status }) });
  });
  const registry = parts.metrics;
  if (registry !== undefined && isPrometheusRegistry(registry)) {
    app.get('/metrics', async (c) =>
      c.body(await registry.exposition(), 200, { 'content-type': registry.contentType }),
    );
  }
  eventsRoute(app, sources, parts.streams);
  return app;
}
