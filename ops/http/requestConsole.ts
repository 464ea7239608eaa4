import { ErrorCode, RuntimeError, messageOf } from 'agentvisor/internal';

/** Where a console client sends its requests, and with which bearer token. */
export interface ConsoleEndpoint {
  /** Base URL of the console, e.g. `http://127.0.0.1:7070`. */
  readonly url: string;
  /** Bearer token; none for an unauthenticated loopback console. */
  readonly token?: string | undefined;
}

/**
 * One request to a console's HTTP API (what the CLI does for every console command): JSON in,
 * JSON out. An error answer is rethrown as the RuntimeError it describes (its `ERR_*` code and
 * message, `details.status` and `details.path`); an unreachable console is ERR_CONNECTION.
 *
 * @example
 * const { tree } = await requestConsole({ url, token }, 'GET', '/api/tree');
 */
export async function requestConsole(
  endpoint: ConsoleEndpoint,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = {};
  if (endpoint.token !== undefined) headers['authorization'] = `Bearer ${endpoint.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const target = `${endpoint.url.replace(/\/+$/, '')}${path}`;
  let res: Response;
  try {
    res = await fetch(target, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (err) {
    throw new RuntimeError(
      ErrorCode.Connection,
      `Cannot reach the console at ${endpoint.url}: ${messageOf((err as { cause?: unknown }).cause ?? err)}`,
      { cause: err, details: { url: endpoint.url } },
    );
  }
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    // Not JSON: reported below when the status is an error; a 2xx non-JSON body has no fields.
  }
  if (res.ok) return json;
  const error = json['error'] as { code?: string; message?: string; path?: string } | undefined;
  throw new RuntimeError(
    (error?.code ?? ErrorCode.Unknown) as ErrorCode,
    error?.message ?? `The console answered ${res.status} ${res.statusText}`,
    { details: { status: res.status, ...(error?.path === undefined ? {} : { path: error.path }) } },
  );
}
