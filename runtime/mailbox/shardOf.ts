import { encodeToken } from '../transport/index.js';

/**
 * The shard of an actor: FNV-1a (32 bit) of its name's UTF-8 bytes, modulo `shards`. Stable
 * across processes, versions and platforms, so every sender computes the same shard; changing
 * the number of shards moves actors (their pending messages stay on the old subjects).
 */
export function shardOf(name: string, shards: number): number {
  const bytes = Buffer.from(name, 'utf8');
  let hash = 0x811c9dc5;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/**
 * Subjects and names of one namespace's durable mailbox:
 * - `av.<ns>.mbox.<shard>.<actor token>`: a reliably sent message (stream `AV_MBOX_<ns>`);
 * - `av.<ns>.mbox-dlq.<actor token>`: its dead letter (stream `AV_MBOX_DLQ_<ns>`);
 * - consumer `mbox-<shard>` per shard, filtered on `av.<ns>.mbox.<shard>.>`.
 * Actor names and the namespace are encoded as the transport encodes them (one token each).
 */
export interface MailboxSubjects {
  readonly prefix: string;
  message(shard: number, actor: string): string;
  shardFilter(shard: number): string;
  deadLetter(actor: string): string;
  readonly deadLetterFilter: string;
  readonly stream: string;
  readonly deadLetterStream: string;
  consumer(shard: number): string;
}

/** The mailbox subjects of `namespace`. */
export function mailboxSubjects(namespace: string): MailboxSubjects {
  const ns = encodeToken(namespace);
  const prefix = `av.${ns}.mbox`;
  // Stream names may not hold `.`, `*`, `>`, `/`, `\` or whitespace: the token has none of these.
  return {
    prefix,
    message: (shard, actor) => `${prefix}.${String(shard)}.${encodeToken(actor)}`,
    shardFilter: (shard) => `${prefix}.${String(shard)}.>`,
    deadLetter: (actor) => `av.${ns}.mbox-dlq.${encodeToken(actor)}`,
    deadLetterFilter: `av.${ns}.mbox-dlq.>`,
    stream: `AV_MBOX_${ns}`,
    deadLetterStream: `AV_MBOX_DLQ_${ns}`,
    consumer: (shard) => `mbox-${String(shard)}`,
  };
}
