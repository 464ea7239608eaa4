import { z } from 'zod';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../codec/index.js';
import { NATS_BUCKETS } from '../nats/index.js';
import type { TellOptions } from '../system/index.js';

/** Options of {@link DurableMailbox.open}. Validated; defaults live here. */
export const DurableMailboxOptionsSchema = z.strictObject({
  /** Namespace: part of every subject and stream name. @default the system's, else 'default' */
  namespace: z.string().min(1).max(64).default('default'),
  /** This node's id: holder of its shard leases, recorded on its dead letters. */
  nodeId: z.string().min(1).max(256).optional(),
  /**
   * Shards of the namespace (one durable consumer each). Every node of a namespace must use the
   * same number: it decides where a message is published. @default 16
   */
  shards: z.number().int().positive().max(1024).default(16),
  /** Time a delivered message may go unacknowledged before the server redelivers it; a message
   * still being processed is kept alive with `working()` every third of it. @default 30_000 */
  ackWaitMs: z.number().int().min(100).default(30_000),
  /**
   * Deliveries of one message (JetStream `max_deliver`): a message that fails its actor on the
   * last of them is dead-lettered as poison (earlier failures are retried after `retryDelayMs`);
   * one whose actor is unknown or not running on the last, likewise
   * with its reason. @default 5
   */
  maxDeliver: z.number().int().min(1).default(5),
  /** Messages of one shard delivered and not yet acknowledged (`max_ack_pending`). @default 256 */
  maxAckPending: z.number().int().positive().default(256),
  /** Redelivery delay after a message failed its actor or was not processed (nak delay). @default 1_000 */
  retryDelayMs: z.number().int().nonnegative().default(1_000),
  /** Redelivery delay while no durable actor of the message's name is hosted here. @default 2_000 */
  unknownActorDelayMs: z.number().int().nonnegative().default(2_000),
  /** How long the streams remember message ids to drop duplicate publishes. @default 120_000 */
  duplicateWindowMs: z.number().int().min(1_000).default(120_000),
  /** Largest encoded message accepted, sent or received. @default 1_048_576 */
  maxMessageBytes: z.number().int().positive().default(DEFAULT_MAX_MESSAGE_BYTES),
  /** Settings of the built-in KV shard leases (used when no `ownership` is given). */
  leases: z
    .strictObject({
      /** @default 10_000 */
      ttlMs: z.number().int().positive().default(10_000),
      /** @default 2_000 */
      renewMs: z.number().int().positive().default(2_000),
      /** @default 'agentvisor_mbox_leases' */
      bucket: z.string().default(NATS_BUCKETS.mailboxLeases),
    })
    .prefault({}),
});

/** What callers pass to {@link DurableMailbox.open}. */
export type DurableMailboxOptions = z.input<typeof DurableMailboxOptionsSchema>;
/** @internal The resolved options. */
export type DurableMailboxConfig = z.output<typeof DurableMailboxOptionsSchema>;

/** Options of {@link DurableMailbox.sendReliable}. */
export interface ReliableSendOptions extends TellOptions {
  /** Rejects with its reason when aborted before the publish is acknowledged. */
  signal?: AbortSignal;
}

/** What a reliable send resolves with, once the message is stored by JetStream. */
export interface ReliableReceipt {
  /** The message (envelope) id: the publish dedupe key and the receiver's dedupe key. */
  readonly id: string;
  readonly shard: number;
  /** Sequence of the message in the mailbox stream. */
  readonly seq: number;
  /** True when the stream already had this id (a re-send within the duplicate window). */
  readonly duplicate: boolean;
}
