import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  createActorSystem,
  createMetricsRegistry,
  createPrometheusRegistry,
  isRuntimeError,
} from 'agentvisor';
import { serveMetrics } from 'agentvisor/node';
import { parseExposition } from 'agentvisor/testing';
import { createMachine } from 'xstate';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  return expect.fail('expected a rejection');
}

describe('serveMetrics', () => {
  it('serves an embedded system over a real socket in the Prometheus text format', async () => {
    const metrics = createPrometheusRegistry({ defaultMetrics: true });
    const system = createActorSystem({}, { metrics });
    system.spawn('idle', createMachine({}));
    await using server = await serveMetrics(system, { port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parseExposition(await response.text());
    expect(families.get('agentvisor_actor_lifecycle_total')?.type).toBe('counter');
    expect(families.has('agentvisor_process_cpu_seconds_total')).toBe(true);
    expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
    await system.shutdown();
  });

  it('refuses a host:port in use with ERR_METRICS_PORT_IN_USE and leaves the listener alone', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const err = await rejection(serveMetrics(createPrometheusRegistry(), { port }));
      expect(isRuntimeError(err, ErrorCode.MetricsPortInUse)).toBe(true);
      expect((err as { details: unknown }).details).toEqual({ host: '127.0.0.1', port });
      expect(taken.listening).toBe(true);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('refuses a registry that cannot render the format', async () => {
    const err = await rejection(serveMetrics(createMetricsRegistry(), { port: 0 }));
    expect(isRuntimeError(err, ErrorCode.InvalidOptions)).toBe(true);
  });

  it('closes once, by close() or dispose', async () => {
    const server = await serveMetrics({ metrics: createPrometheusRegistry() }, { port: 0 });
    await server.close();
    await server[Symbol.asyncDispose]();
    await expect(fetch(server.url)).rejects.toThrow();
  });
});
