import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { ErrorCode } from 'agentvisor/internal';
import { requestError } from './httpError.js';

/** A console role: viewers read; operators also decide, take checkpoints, fork and stop. */
export type ConsoleRole = 'viewer' | 'operator';

/** A bearer token the console accepts, and what it may do. */
export interface ConsoleToken {
  readonly token: string;
  readonly role: ConsoleRole;
}

/**
 * Bearer auth: with no tokens configured every request is an operator's (the server then listens
 * on loopback only); otherwise a request needs `Authorization: Bearer <token>` of a configured
 * token (401 `ERR_UNAUTHORIZED`), and anything but GET/HEAD needs an operator's (403
 * `ERR_FORBIDDEN`). Tokens are compared in constant time.
 */
export function bearerAuth(tokens: readonly ConsoleToken[] | undefined): MiddlewareHandler {
  const known = (tokens ?? []).map((t) => ({ role: t.role, bytes: Buffer.from(t.token) }));
  return async (c, next) => {
    if (known.length > 0) {
      const role = roleOf(c.req.header('authorization'), known);
      if (role === undefined) {
        throw requestError(
          ErrorCode.Unauthorized,
          'A bearer token is required: send `Authorization: Bearer <token>` with a configured token',
        );
      }
      const reads = c.req.method === 'GET' || c.req.method === 'HEAD';
      if (!reads && role !== 'operator') {
        throw requestError(
          ErrorCode.Forbidden,
          `A ${role} token may only read; ${c.req.method} ${c.req.path} needs an operator token`,
        );
      }
    }
    await next();
  };
}

function roleOf(
  header: string | undefined,
  known: readonly { role: ConsoleRole; bytes: Buffer }[],
): ConsoleRole | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (match === null) return undefined;
  const given = Buffer.from(match[1] as string);
  let role: ConsoleRole | undefined;
  // Every token is compared (no early exit), each in constant time.
  for (const candidate of known) {
    if (candidate.bytes.length === given.length && timingSafeEqual(candidate.bytes, given)) {
      role ??= candidate.role;
    }
  }
  return role;
}
