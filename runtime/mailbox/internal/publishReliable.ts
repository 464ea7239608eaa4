import type { JetStreamClient } from '@nats-io/jetstream';
import { encodeEnvelope, type Envelope } from '../../codec/index.js';
import type { ReliableReceipt, ReliableSendOptions } from '../DurableMailboxOptions.js';
import { shardOf, type MailboxSubjects } from '../shardOf.js';
import { unavailable } from './mailboxStreams.js';
import { untilAborted } from './untilAborted.js';

/** @internal Where and how a mailbox publishes. */
export interface ReliablePublisher {
  readonly js: JetStreamClient;
  readonly subjects: MailboxSubjects;
  readonly shards: number;
  readonly maxMessageBytes: number;
}

/**
 * @internal The envelope `sendReliable` sends: a new `id`, and the optional headers the caller
 * gave (left out when absent, as the codec expects).
 */
export function reliableEnvelope(
  id: string,
  to: string,
  type: string,
  payload: unknown,
  options: ReliableSendOptions,
): Envelope {
  const envelope: { -readonly [K in keyof Envelope]: Envelope[K] } = {
    v: 1,
    id,
    type,
    to,
    payload,
  };
  if (options.from !== undefined) envelope.from = options.from;
  if (options.correlationId !== undefined) envelope.correlationId = options.correlationId;
  if (options.causationId !== undefined) envelope.causationId = options.causationId;
  if (options.traceparent !== undefined) envelope.traceparent = options.traceparent;
  if (options.deadline !== undefined) envelope.deadline = options.deadline;
  return envelope;
}

/**
 * @internal Encodes `envelope` and publishes it to its actor's shard subject with the envelope id
 * as `Nats-Msg-Id` (a re-send within the duplicate window is dropped); resolves once JetStream
 * acknowledged it.
 *
 * @throws {RuntimeError} the codec's error (ERR_INVALID_MESSAGE, ERR_MESSAGE_TOO_LARGE);
 *   ERR_STORE_UNAVAILABLE when the publish is not acknowledged; `signal.reason` on abort.
 */
export function publishReliable(
  publisher: ReliablePublisher,
  envelope: Envelope,
  signal: AbortSignal | undefined,
): Promise<ReliableReceipt> {
  const encoded = encodeEnvelope(envelope, { maxBytes: publisher.maxMessageBytes });
  if (!encoded.ok) return Promise.reject(encoded.error);
  const shard = shardOf(envelope.to, publisher.shards);
  const publish = publisher.js
    .publish(publisher.subjects.message(shard, envelope.to), encoded.value, { msgID: envelope.id })
    .then(
      (ack) => ({ id: envelope.id, shard, seq: ack.seq, duplicate: ack.duplicate }),
      (cause: unknown) => {
        throw unavailable(`store message ${envelope.id} for ${envelope.to}`, cause);
      },
    );
  return signal === undefined ? publish : untilAborted(publish, signal);
}
