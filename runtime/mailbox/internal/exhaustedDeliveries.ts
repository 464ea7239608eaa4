import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { decodeEnvelope } from '../../codec/index.js';
import { ErrorCode, RuntimeError } from '../../errors/index.js';
import type { Logger } from '../../telemetry/index.js';
import { decodeToken } from '../../transport/index.js';
import type { MailboxDeadLetter } from '../MailboxDeadLetter.js';
import type { MailboxSubjects } from '../shardOf.js';

/** @internal What the sweeper needs. */
export interface ExhaustedContext {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly subjects: MailboxSubjects;
  readonly logger: Logger;
  readonly nodeId: string;
  now(): number;
  deadLetter(letter: MailboxDeadLetter, raw?: Uint8Array): Promise<void>;
}

interface MaxDeliveriesAdvisory {
  readonly consumer?: unknown;
  readonly stream_seq?: unknown;
  readonly deliveries?: unknown;
}

/**
 * @internal Messages whose last allowed delivery ended with no verdict (the consumer crashed,
 * stopped or let `ack_wait` run out) are never delivered again, and a work-queue stream keeps
 * them for ever. The server announces each with a MAX_DELIVERIES advisory; one node of the
 * namespace (a queue group) moves the message to the dead-letter stream (`exhausted`,
 * ERR_DELIVERY_EXHAUSTED) and deletes it from the mailbox. An advisory sent while no node listens
 * is missed: the message then stays in the stream (see the mailbox's docs).
 */
export function watchExhaustedDeliveries(ctx: ExhaustedContext): Subscription {
  const { subjects } = ctx;
  return ctx.nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${subjects.stream}.*`, {
    queue: `${subjects.stream}-exhausted`,
    callback: (err, msg) => {
      if (err !== null) return;
      let advisory: MaxDeliveriesAdvisory;
      try {
        advisory = msg.json<MaxDeliveriesAdvisory>();
      } catch {
        return;
      }
      void sweep(ctx, advisory).catch((error: unknown) => {
        ctx.logger.error({ err: error }, 'could not dead-letter an exhausted message');
      });
    },
  });
}

async function sweep(ctx: ExhaustedContext, advisory: MaxDeliveriesAdvisory): Promise<void> {
  const { subjects, jsm } = ctx;
  const seq = advisory.stream_seq;
  if (typeof seq !== 'number' || typeof advisory.consumer !== 'string') return;
  const shard = Number(advisory.consumer.replace(/^mbox-/, ''));
  const deliveries = typeof advisory.deliveries === 'number' ? advisory.deliveries : 0;
  const stored = await jsm.streams.getMessage(subjects.stream, { seq }).catch(() => null);
  if (stored === null) return; // acknowledged or removed meanwhile
  const token = stored.subject.slice(stored.subject.lastIndexOf('.') + 1);
  const decoded = decodeEnvelope(stored.data);
  const error = new RuntimeError(
    ErrorCode.DeliveryExhausted,
    `Message ${String(seq)} used up its ${String(deliveries)} deliveries without being processed`,
    { details: { seq, deliveries, consumer: advisory.consumer } },
  );
  await ctx.deadLetter(
    {
      v: 1,
      reason: 'exhausted',
      error: error.toWire(),
      actor: decoded.ok ? decoded.value.to : decodeToken(token),
      shard: Number.isInteger(shard) ? shard : 0,
      deliveries,
      streamSeq: seq,
      node: ctx.nodeId,
      at: ctx.now(),
      ...(decoded.ok ? { envelope: decoded.value } : { bytes: stored.data }),
    },
    stored.data,
  );
  await jsm.streams.deleteMessage(subjects.stream, seq, false);
}
