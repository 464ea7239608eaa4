import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { ErrorCode, RuntimeError, messageOf } from '../../errors/index.js';
import type { MailboxSubjects } from '../shardOf.js';

/** @internal Settings the streams and consumers are made with. */
export interface StreamSpec {
  readonly subjects: MailboxSubjects;
  readonly duplicateWindowMs: number;
  readonly ackWaitMs: number;
  readonly maxDeliver: number;
  readonly maxAckPending: number;
}

/**
 * @internal Creates the mailbox stream (work-queue retention: a message is deleted once acked;
 * discard `new`, so a full stream refuses a publish instead of dropping an older message) and the
 * dead-letter stream (limits retention) when missing. Existing streams are used as they are.
 */
export async function ensureMailboxStreams(jsm: JetStreamManager, spec: StreamSpec): Promise<void> {
  const { subjects } = spec;
  await ensureStream(jsm, {
    name: subjects.stream,
    subjects: [`${subjects.prefix}.>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.New,
    num_replicas: 1,
    duplicate_window: nanos(spec.duplicateWindowMs),
  });
  await ensureStream(jsm, {
    name: subjects.deadLetterStream,
    subjects: [subjects.deadLetterFilter],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    num_replicas: 1,
    duplicate_window: nanos(spec.duplicateWindowMs),
  });
}

async function ensureStream(
  jsm: JetStreamManager,
  config: Partial<StreamConfig> & { name: string },
): Promise<void> {
  const { name } = config;
  try {
    await jsm.streams.info(name);
    return;
  } catch (error) {
    if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound))
      throw unavailable(`look up stream ${name}`, error);
  }
  try {
    await jsm.streams.add(config);
  } catch (error) {
    // Lost a creation race: the winner's stream is as good.
    const found = await jsm.streams.info(name).catch(() => undefined);
    if (found === undefined) throw unavailable(`create stream ${name}`, error);
  }
}

/**
 * @internal The durable pull consumer of one shard: explicit acks, `ack_wait`, `max_deliver`,
 * `max_ack_pending`, filtered on the shard's subjects (filters never overlap, as a work-queue
 * stream requires). An existing one with other limits is updated to these.
 */
export async function ensureShardConsumer(
  jsm: JetStreamManager,
  spec: StreamSpec,
  shard: number,
): Promise<void> {
  const { subjects } = spec;
  const name = subjects.consumer(shard);
  const limits = {
    ack_wait: nanos(spec.ackWaitMs),
    max_deliver: spec.maxDeliver,
    max_ack_pending: spec.maxAckPending,
  };
  try {
    const info = await jsm.consumers.info(subjects.stream, name).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)
        return undefined;
      throw error;
    });
    if (info === undefined) {
      await jsm.consumers.add(subjects.stream, {
        durable_name: name,
        filter_subject: subjects.shardFilter(shard),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ...limits,
      });
    } else if (
      info.config.ack_wait !== limits.ack_wait ||
      info.config.max_deliver !== limits.max_deliver ||
      info.config.max_ack_pending !== limits.max_ack_pending
    ) {
      await jsm.consumers.update(subjects.stream, name, limits);
    }
  } catch (error) {
    throw unavailable(`prepare consumer ${name}`, error);
  }
}

/** @internal A NATS failure as ERR_STORE_UNAVAILABLE, with the original as cause. */
export function unavailable(what: string, cause: unknown): RuntimeError {
  const message = messageOf(cause);
  return new RuntimeError(ErrorCode.StoreUnavailable, `JetStream could not ${what}: ${message}`, {
    cause,
    details: { op: what },
  });
}
