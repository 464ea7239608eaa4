import type { z } from 'zod';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * @internal A name as one KV key token: base64url of its UTF-8 bytes (KV keys allow only
 * `[-/_=.a-zA-Z0-9]`), so any node, namespace or unit name is a valid, distinct token.
 */
export function kvToken(name: string): string {
  return Buffer.from(name, 'utf8').toString('base64url');
}

/** @internal Reverses {@link kvToken}. */
export function fromKvToken(token: string): string {
  return Buffer.from(token, 'base64url').toString('utf8');
}

/** @internal Cluster records are JSON: readable with `nats kv get` and by other languages. */
export function encodeRecord(record: object): Uint8Array {
  return encoder.encode(JSON.stringify(record));
}

/**
 * @internal Decodes and validates a record read from a bucket; `undefined` when it is not valid
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
