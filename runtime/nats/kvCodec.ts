import type { z } from 'zod';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * A name as one KV key token: base64url of its UTF-8 bytes (KV keys allow only
 * `[-/_=.a-zA-Z0-9]`), so any node, namespace or unit name is a valid, distinct token.
 *
 * The one name→token encoder of KV keys and JetStream subjects (persistence's actor tokens are
 * the same function). The transport's subject encoder differs on purpose for now: it keeps a
 * plain name as it is and marks an encoded one with `~` (readable subjects), see its notes.
 */
export function kvToken(name: string): string {
  return Buffer.from(name, 'utf8').toString('base64url');
}

/**
 * A KV key of `names`, each one {@link kvToken}, joined by `.` (a namespace and a unit:
 * `kvKey('ns', 'unit')`). A number stays as it is (a shard: digits are a valid token already).
 */
export function kvKey(...names: readonly (string | number)[]): string {
  return names.map((n) => (typeof n === 'number' ? String(n) : kvToken(n))).join('.');
}

/** Reverses {@link kvToken}. */
export function fromKvToken(token: string): string {
  return Buffer.from(token, 'base64url').toString('utf8');
}

/** Cluster records are JSON: readable with `nats kv get` and by other languages. */
export function encodeRecord(record: object): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

/**
 * Decodes and validates a record read from a bucket; `undefined` when it is not valid
 * UTF-8 JSON or fails `schema` (the caller treats it as corrupt and says so).
 */
export function decodeRecord<TSchema extends z.ZodType>(
  schema: TSchema,
  bytes: Uint8Array,
): z.output<TSchema> | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}
