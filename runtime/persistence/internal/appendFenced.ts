import type { PubAck } from '@nats-io/jetstream';
import { markerLastSeq } from './markerLastSeq.js';
import { nats, natsStoreError, wrongLastSequence } from './natsErrors.js';
import { lastMessage, type StreamAccess } from './natsSubjectReader.js';
import { fenced } from './storeErrors.js';

/** @internal One event of a journal append, encoded, with its `Nats-Msg-Id`. */
export interface JournalPublish {
  readonly msgID: string;
  readonly bytes: Uint8Array;
}

/** @internal A fenced append of one actor's events to its JetStream journal subject. */
export interface FencedAppend {
  readonly access: StreamAccess;
  readonly actor: string;
  readonly subject: string;
  /** The journal and actor, for errors. */
  readonly where: string;
  readonly batch: readonly JournalPublish[];
  /** The last sequence the writer saw. */
  readonly expected: number;
  /** The actor's last sequence now, for a call that appended only duplicates. */
  readonly lastSeq: () => Promise<number>;
}

/**
 * @internal Publishes `batch` in order, the first expecting `expected` as the subject's last
 * sequence and each next one the sequence of the one before, so a concurrent writer is refused
 * mid-batch too (events before the refused one stay appended: nats-server 2.9 has no atomic
 * batch publish). Resolves with each event's sequence (a duplicate's is the original's).
 *
 * @throws {RuntimeError} ERR_PERSISTENCE_CONFLICT when fenced; the mapped NATS error otherwise.
 */
export async function appendFenced(append: FencedAppend): Promise<number[]> {
  const { access, actor, subject, where, batch, expected } = append;
  const seqs: number[] = [];
  let last = expected;
  let appended = false;
  for (const { msgID, bytes } of batch) {
    let ack: PubAck;
    try {
      ack = await access.js.publish(subject, bytes, {
        msgID,
        expect: { lastSubjectSequence: last },
      });
    } catch (error) {
      const found = wrongLastSequence(error);
      if (found === undefined) throw natsStoreError('append to', where, error);
      // After an append of ours, another message on top can only be a concurrent writer's.
      if (appended) throw fenced(actor, last, Number.isNaN(found) ? 0 : found);
      ack = await publishAboveMarker(append, msgID, bytes, found);
    }
    seqs.push(ack.seq);
    if (!ack.duplicate) {
      last = ack.seq;
      appended = true;
    }
  }
  // The server answers a duplicate before it checks expectations, so a call that appended
  // nothing was never fenced: check it here, as the other journals do.
  if (!appended) {
    const actual = await append.lastSeq();
    if (actual !== expected) throw fenced(actor, expected, actual);
  }
  return seqs;
}

/**
 * The first publish of a fenced append found `found` on top instead of `expected`. That is no
 * conflict when it is a truncation marker that remembers `expected`: publish against the marker.
 */
async function publishAboveMarker(
  append: FencedAppend,
  msgID: string,
  bytes: Uint8Array,
  found: number,
): Promise<PubAck> {
  const { access, actor, subject, where, expected } = append;
  const top = await nats('read', where, () => lastMessage(access, subject));
  const remembered = top === undefined ? undefined : markerLastSeq(top);
  if (top === undefined || remembered !== expected) {
    const actual = remembered ?? top?.seq ?? (Number.isNaN(found) ? 0 : found);
    throw fenced(actor, expected, actual);
  }
  let ack: PubAck;
  try {
    ack = await access.js.publish(subject, bytes, {
      msgID,
      expect: { lastSubjectSequence: top.seq },
    });
  } catch (error) {
    const again = wrongLastSequence(error);
    if (again === undefined) throw natsStoreError('append to', where, error);
    throw fenced(actor, expected, Number.isNaN(again) ? top.seq : again);
  }
  // The marker is no longer the subject's last message, so it can go.
  if (!ack.duplicate) {
    await access.jsm.streams.deleteMessage(access.stream, top.seq).catch(() => false);
  }
  return ack;
}
