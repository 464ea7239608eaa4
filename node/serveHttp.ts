import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { RuntimeError, type ErrorCode } from 'agentvisor/internal';

/** A listening HTTP server of {@link serveHttp}. */
export interface HttpListener {
  /** `http://host:port` (an IPv6 host in brackets), with the bound port. */
  readonly origin: string;
  readonly host: string;
  /** The bound port (the one picked when 0 was asked). */
  readonly port: number;
  /** Stops listening and closes open connections; the same promise on every call. */
  close(): Promise<void>;
}

/**
 * Serves a fetch handler (a hono app's `fetch`) on `host:port` over node:http, the one way the
 * metrics endpoint and the console listen. An address in use is `inUse` (a RuntimeError with
 * `details { host, port }` naming `what`), so a start fails cleanly with a stable code.
 *
 * @throws {RuntimeError} `inUse` when the address is taken; the socket's error otherwise.
 */
export async function serveHttp(
  fetch: (request: Request) => Response | Promise<Response>,
  options: {
    readonly host: string;
    readonly port: number;
    readonly inUse: (typeof ErrorCode)[keyof typeof ErrorCode];
    readonly what: string;
  },
): Promise<HttpListener> {
  const { host, port } = options;
  const server = createAdaptorServer({ fetch, hostname: host });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE') {
        reject(
          new RuntimeError(
            options.inUse,
            `Cannot serve ${options.what} on ${host}:${String(port)}: the address is in use`,
            { cause: err, details: { host, port } },
          ),
        );
      } else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
  const bound = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
      if ('closeAllConnections' in server) server.closeAllConnections();
    }));
  return {
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${String(bound)}`,
    host,
    port: bound,
    close,
  };
}
