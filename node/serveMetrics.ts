import { Hono } from 'hono';
import {
  ErrorCode,
  RuntimeError,
  isPrometheusRegistry,
  type MetricsRegistry,
  type PrometheusRegistry,
} from 'agentvisor/internal';
import { serveHttp } from './serveHttp.js';

/**
 * What {@link serveMetrics} serves: a registry, or anything holding one (an ActorSystem's
 * `metrics`, a ClusterNode's `system.metrics`).
 */
export type MetricsTarget =
  | MetricsRegistry
  | { readonly metrics: MetricsRegistry }
  | { readonly system: { readonly metrics: MetricsRegistry } };

/** Where {@link serveMetrics} listens. */
export interface ServeMetricsOptions {
  /** Interface to bind; the default keeps the endpoint off the network. @default '127.0.0.1' */
  readonly host?: string;
  /** TCP port; 0 picks a free one (read it from `url`). */
  readonly port: number;
}

/** A running `/metrics` endpoint. */
export interface MetricsServer {
  /** The endpoint's address, e.g. `http://127.0.0.1:9464/metrics` (with the bound port). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Serves `GET /metrics` in the Prometheus text exposition format (content type
 * `text/plain; version=0.0.4`) for an embedded ActorSystem or a ClusterNode, over hono on
 * node:http. Off unless called; binds 127.0.0.1 unless told otherwise. Anything but
 * `GET /metrics` is 404. The target's registry must be a Prometheus registry: create the system
 * (or node) with `metrics: createPrometheusRegistry()`.
 *
 * It lives in `agentvisor/node` rather than the runtime: an HTTP listener is a process concern,
 * and the runtime keeps only the exposition (`PrometheusRegistry.exposition`), so an embedded
 * system imports this from `agentvisor/node` without starting a node.
 *
 * @throws {RuntimeError} ERR_METRICS_PORT_IN_USE when host:port is taken (nothing else is
 *   affected); ERR_INVALID_OPTIONS for a bad port or a registry that cannot render the format.
 * @example
 * const system = createActorSystem({}, { metrics: createPrometheusRegistry() });
 * await using server = await serveMetrics(system, { port: 9464 });
 * console.log(`scrape ${server.url}`);
 */
export async function serveMetrics(
  target: MetricsTarget,
  options: ServeMetricsOptions,
): Promise<MetricsServer> {
  const registry = registryOf(target);
  const host = options.host ?? '127.0.0.1';
  const { port } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `Expected \`port\` an integer in 0-65535, got ${port}`,
      { details: { issues: [{ path: 'port', message: 'must be an integer in 0-65535' }] } },
    );
  }
  const app = new Hono();
  app.get('/metrics', async (c) => {
    const body = await registry.exposition();
    return c.body(body, 200, { 'content-type': registry.contentType });
  });
  const listener = await serveHttp(app.fetch, {
    host,
    port,
    inUse: ErrorCode.MetricsPortInUse,
    what: 'metrics',
  });
  const close = () => listener.close();
  const url = `${listener.origin}/metrics`;
  return { url, host, port: listener.port, close, [Symbol.asyncDispose]: close };
}

function registryOf(target: MetricsTarget): PrometheusRegistry {
  const registry =
    'system' in target ? target.system.metrics : 'metrics' in target ? target.metrics : target;
  if (!isPrometheusRegistry(registry)) {
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      'serveMetrics: the registry cannot render Prometheus text; create the system with `metrics: createPrometheusRegistry()`',
      { details: { issues: [{ path: 'metrics', message: 'not a Prometheus registry' }] } },
    );
  }
  return registry;
}
