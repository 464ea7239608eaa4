import { z } from 'zod';
import { ErrorCode, RuntimeError } from 'agentvisor/internal';

/** Where a node serves `GET /metrics`: `{ host = '127.0.0.1', port }` (port 0 picks one). */
export const MetricsEndpointSchema = z.strictObject({
  /** Interface to bind. @default '127.0.0.1' */
  host: z.string().min(1).max(255).default('127.0.0.1'),
  /** TCP port; 0 picks a free one (the node prints the bound URL). */
  port: z.number().int().min(0).max(65_535),
});

/** A resolved {@link MetricsEndpointSchema}. */
export type MetricsEndpoint = z.output<typeof MetricsEndpointSchema>;

/**
 * Reads a `--metrics` value: `port`, `host:port` or `[ipv6]:port`.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when it is none of those or the port is out of range.
 */
export function parseMetricsAddress(text: string): MetricsEndpoint {
  const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[2]);
  if (m === null || port > 65_535) {
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `--metrics: expected [host:]port, got ${JSON.stringify(text)}`,
      { details: { issues: [{ path: 'metrics', message: 'expected [host:]port' }] } },
    );
  }
  const host = m[1]?.replace(/^\[(.*)\]$/, '$1') ?? '127.0.0.1';
  return { host, port };
}
