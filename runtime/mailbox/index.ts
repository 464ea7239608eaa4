export { DurableMailbox } from './DurableMailbox.js';
export type { DurableMailboxDeps, MailboxDeadLetterListener } from './DurableMailbox.js';
export { DurableMailboxOptionsSchema } from './DurableMailboxOptions.js';
export type {
  DurableMailboxOptions,
  ReliableSendOptions,
  ReliableReceipt,
} from './DurableMailboxOptions.js';
export { KvShardLeases, KvShardLeasesOptionsSchema, createKvShardLeases } from './KvShardLeases.js';
export type { KvShardLeasesOptions } from './KvShardLeases.js';
export { StaticShardOwnership } from './ShardOwnership.js';
export type { ShardOwnership, OwnershipChange, OwnershipListener } from './ShardOwnership.js';
export {
  MailboxDeadLetterSchema,
  MAILBOX_DEAD_LETTER_VERSION,
  DEAD_LETTER_PREFIX_BYTES,
  decodeMailboxDeadLetter,
} from './MailboxDeadLetter.js';
export type { MailboxDeadLetter, MailboxDeadLetterReason } from './MailboxDeadLetter.js';
export { shardOf, mailboxSubjects } from './shardOf.js';
export type { MailboxSubjects } from './shardOf.js';
