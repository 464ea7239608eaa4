import { kvToken } from '../../nats/index.js';

/** Characters an id may keep as they are inside a header value: printable ASCII but `~`. */
const PLAIN_ID = /^[!-}]+$/;

/**
 * @internal A `Nats-Msg-Id` for event `id` of the actor whose token is `actorToken`. Header values
 * cannot hold CR or LF and are trimmed, so an id outside printable ASCII is sent as `~` + its
 * base64url ({@link kvToken}, runtime/nats); plain ids never contain `~`, so two ids never share
 * a message id.
 */
export function journalMessageId(actorToken: string, id: string): string {
  return `${actorToken}:${PLAIN_ID.test(id) ? id : `~${kvToken(id)}`}`;
}
