import { createConnection } from 'node:net';
import type { Clock } from '../../clock/index.js';

/** @internal What a NATS server's INFO says it requires of clients (the fields used here). */
export interface ServerTlsInfo {
  /** TLS is required (the client must upgrade after INFO). */
  readonly tls_required?: boolean;
  /** The server verifies client certificates: a client must present one its CA signed. */
  readonly tls_verify?: boolean;
}

/** An INFO line is a few hundred bytes; anything longer before a CRLF is not a NATS server. */
const MAX_INFO_BYTES = 64 * 1024;

/**
 * @internal Opens a plain TCP connection to `server`, reads the INFO line a NATS server sends
 * first (before any TLS upgrade), and closes it. Resolves `undefined` when the server cannot be
 * reached, sends something else, or sends nothing within `timeoutMs` (on `clock`); never rejects.
 *
 * Used after a connect failed ambiguously: nats.js does not expose the INFO of a connection that
 * never completed.
 */
export function readServerInfo(
  server: { hostname: string; port: number },
  deps: { clock: Clock },
  timeoutMs = 2_000,
): Promise<ServerTlsInfo | undefined> {
  return new Promise((resolve) => {
    let buffered = Buffer.alloc(0);
    const socket = createConnection(server.port, server.hostname);
    const timer = deps.clock.setTimeout(() => {
      done(undefined);
    }, timeoutMs);
    function done(info: ServerTlsInfo | undefined): void {
      deps.clock.clearTimeout(timer);
      socket.removeAllListeners();
      socket.on('error', () => undefined); // a late error of the destroyed socket is expected
      socket.destroy();
      resolve(info);
    }
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n');
      if (end === -1) {
        if (buffered.length > MAX_INFO_BYTES) done(undefined);
        return;
      }
      done(parseInfo(buffered.subarray(0, end).toString('utf8')));
    });
    socket.on('error', () => {
      done(undefined);
    });
    socket.on('close', () => {
      done(undefined);
    });
  });
}

function parseInfo(line: string): ServerTlsInfo | undefined {
  const match = /^INFO\s+(\{.*\})\s*$/i.exec(line);
  if (match?.[1] === undefined) return undefined;
  try {
    const info: unknown = JSON.parse(match[1]);
    if (typeof info !== 'object' || info === null) return undefined;
    const { tls_required, tls_verify } = info as Record<string, unknown>;
    return {
      ...(typeof tls_required === 'boolean' ? { tls_required } : {}),
      ...(typeof tls_verify === 'boolean' ? { tls_verify } : {}),
    };
  } catch {
    return undefined;
  }
}

/**
 * @internal Host and port of each entry of nats.js's `servers` option (`nats://h:p`, `tls://h:p`,
 * `h:p` or `h`; port 4222 when absent), skipping any that do not parse.
 */
export function serverAddresses(
  servers: string | string[] | undefined,
): { hostname: string; port: number }[] {
  const list = servers === undefined ? ['127.0.0.1:4222'] : [servers].flat();
  const out: { hostname: string; port: number }[] = [];
  for (const entry of list) {
    try {
      const url = new URL(entry.includes('://') ? entry : `nats://${entry}`);
      const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1'); // IPv6 literals come bracketed
      if (hostname !== '') out.push({ hostname, port: url.port === '' ? 4222 : Number(url.port) });
    } catch {
      // not a URL: nats.js refused it already, before any connection
    }
  }
  return out;
}
