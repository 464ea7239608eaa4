import { kvToken } from '../../nats/index.js';

/**
 * @internal An arbitrary name (an actor's) as base64url of its UTF-8 bytes, without padding: only
 * `[A-Za-z0-9_-]`, so it is a valid NATS subject token (no `.`, `*`, `>` or whitespace) and a
 * valid part of a KV key, and distinct names give distinct tokens. The same encoder as the
 * cluster's KV keys ({@link kvToken}, runtime/nats).
 */
export const encodeToken: (name: string) => string = kvToken;

/** Characters an id may keep as they are inside a header value: printable ASCII but `~`. */
const PLAIN_ID = /^[!-}]+$/;

/**
 * @internal A `Nats-Msg-Id` for event `id` of the actor whose token is `actorToken`. Header values
 * cannot hold CR or LF and are trimmed, so an id outside printable ASCII is sent as `~` + its
 * base64url; plain ids never contain `~`, so two ids never share a message id.
 */
export function journalMessageId(actorToken: string, id: string): string {
  return `${actorToken}:${PLAIN_ID.test(id) ? id : `~${encodeToken(id)}`}`;
}
