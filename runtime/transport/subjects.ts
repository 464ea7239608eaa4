/**
 * Subject layout (reference/xstate-nats.md §D.2), one prefix per namespace:
 * - `<prefix>.a.<actor>`: an actor's inbox (tell and ask);
 * - `<prefix>.t.<topic>`: a broadcast topic;
 * - `<prefix>.n.<node>.ctl`: a node's control subject;
 * - `<prefix>.i.<inbox>.<id>`: reply inboxes.
 * Names are encoded into single tokens, so any string is a valid actor name.
 */
export interface Subjects {
  readonly prefix: string;
  actor(name: string): string;
  topic(name: string): string;
  node(nodeId: string): string;
  inbox(inboxId: string): string;
}

const PLAIN_TOKEN = /^[A-Za-z0-9_-]{1,200}$/;
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Encodes any string as one subject token. Names made only of `[A-Za-z0-9_-]` stay readable;
 * anything else becomes `~` + base64url, which cannot collide with a readable token. A name with
 * a lone surrogate (which UTF-8 cannot carry) becomes `~~` + base64url of its UTF-16 code units.
 */
export function encodeToken(name: string): string {
  if (PLAIN_TOKEN.test(name)) return name;
  if (LONE_SURROGATE.test(name)) return `~~${Buffer.from(name, 'utf16le').toString('base64url')}`;
  return `~${Buffer.from(name, 'utf8').toString('base64url')}`;
}

/** Reverses {@link encodeToken}. */
export function decodeToken(token: string): string {
  if (token.startsWith('~~')) return Buffer.from(token.slice(2), 'base64url').toString('utf16le');
  return token.startsWith('~') ? Buffer.from(token.slice(1), 'base64url').toString('utf8') : token;
}

/**
 * The namespace token of a subject of this layout (`av.<token>.…`), or `undefined` for any other
 * subject (reply inboxes, foreign subjects) and for a wildcard in the namespace position.
 */
export function namespaceOf(subject: string): string | undefined {
  if (!subject.startsWith('av.')) return undefined;
  const end = subject.indexOf('.', 3);
  const token = end === -1 ? subject.slice(3) : subject.slice(3, end);
  return token === '' || token === '*' || token === '>' ? undefined : token;
}

/** Longest reply subject a refusal is published to (nats-server's control line is 4 KiB). */
const MAX_PUBLISH_SUBJECT = 3_072;
const SUBJECT_WHITESPACE = /\s/;

/**
 * True when `subject` can be published to: not empty, no whitespace, no empty token, no wildcard
 * token, and short enough for a publish line.
 */
export function isPublishSubject(subject: string): boolean {
  if (subject === '' || subject.length > MAX_PUBLISH_SUBJECT) return false;
  if (SUBJECT_WHITESPACE.test(subject)) return false;
  for (const token of subject.split('.'))
    if (token === '' || token === '*' || token === '>') return false;
  return true;
}

/**
 * True when a reply to a request received in the namespace of `prefix` (`av.<token>`) may go to
 * `replyTo`: a reply inbox (a subject outside the `av.` layout such as nats.js's `_INBOX.…`, or a
 * namespace's inbox subject `av.<ns>.i.…`), or any subject of the same namespace. An actor,
 * topic or node subject of another namespace is not a reply address: answering there would
 * publish into another tenant's actors.
 */
export function isReplyAddress(replyTo: string, prefix: string): boolean {
  if (!replyTo.startsWith('av.')) return true;
  if (replyTo.startsWith(`${prefix}.`)) return true;
  const namespace = namespaceOf(replyTo);
  return namespace !== undefined && replyTo.startsWith(`av.${namespace}.i.`);
}

/** The subject layout of one namespace. */
export function createSubjects(namespace: string): Subjects {
  const prefix = `av.${encodeToken(namespace)}`;
  return {
    prefix,
    actor: (name) => `${prefix}.a.${encodeToken(name)}`,
    topic: (name) => `${prefix}.t.${encodeToken(name)}`,
    node: (nodeId) => `${prefix}.n.${encodeToken(nodeId)}.ctl`,
    inbox: (inboxId) => `${prefix}.i.${encodeToken(inboxId)}`,
  };
}
