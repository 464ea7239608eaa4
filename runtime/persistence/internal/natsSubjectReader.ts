import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  type MsgRequest,
  type StoredMsg,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

/**
 * Direct gets cost one round trip per message; a consumer costs a round trip to create and one per
 * pull of up to 256, then streams. Measured on nats-server 2.9.10 over loopback (a busy 2-core
 * machine): ~0.3-0.5 ms per direct get against ~2 ms for a consumer read of up to ~30 messages, so
 * the first few messages come by direct get and a longer read switches to a consumer.
 */
const DIRECT_READS = 4;
/** Messages per consumer pull request. */
const FETCH_BATCH = 256;
/** How long one pull waits for messages the consumer said were pending (they may be purged meanwhile). */
const FETCH_EXPIRES_MS = 2_000;
/** A consumer left behind (a reader that crashed) is removed by the server after this. */
const CONSUMER_INACTIVE_MS = 30_000;

/** @internal One stream and how to read it. */
export interface StreamAccess {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly stream: string;
  /** The stream has `allow_direct` (nats-server ≥ 2.9): gets by subject skip the API leader. */
  readonly direct: boolean;
}

/** @internal A stored message of one subject. */
export interface SubjectMessage {
  readonly seq: number;
  readonly data: Uint8Array;
  /** A header's value; '' when absent. */
  header(name: string): string;
}

/** What {@link readSubject} reads. */
export interface SubjectRange {
  /** Messages with a greater sequence. */
  readonly afterSeq: number;
  /** Up to and including this sequence (the subject's last when the read began). */
  readonly untilSeq: number;
  /** At most this many accepted messages. */
  readonly limit: number;
  /** Messages it returns false for are passed over and not counted. @default all */
  readonly accept?: (message: SubjectMessage) => boolean;
}

/** @internal The newest message on `subject`, or undefined when it has none. */
export async function lastMessage(
  access: StreamAccess,
  subject: string,
): Promise<SubjectMessage | undefined> {
  return fromStored(await getMessage(access, { last_by_subj: subject }));
}

/** @internal The message with stream sequence `seq` and its subject, or undefined when gone. */
export async function messageAt(
  access: StreamAccess,
  seq: number,
): Promise<(SubjectMessage & { readonly subject: string }) | undefined> {
  const stored = await getMessage(access, { seq });
  const message = fromStored(stored);
  return message === undefined || stored === null
    ? undefined
    : { ...message, subject: stored.subject };
}

/**
 * @internal The messages of `subject` in `range`, in sequence order: by direct get for the first
 * few, then through an ephemeral pull consumer filtered on the subject. Stops at `untilSeq`, so appends made while reading are not waited for.
 */
export async function readSubject(
  access: StreamAccess,
  subject: string,
  range: SubjectRange,
): Promise<SubjectMessage[]> {
  const accept = range.accept ?? (() => true);
  const out: SubjectMessage[] = [];
  let next = range.afterSeq + 1;
  // next_by_subj exists only as a direct get, not in the API's message get.
  for (let i = 0; access.direct && i < DIRECT_READS; i++) {
    if (out.length >= range.limit || next > range.untilSeq) return out;
    const message = fromStored(
      await access.jsm.direct.getMessage(access.stream, { next_by_subj: subject, seq: next }),
    );
    if (message === undefined || message.seq > range.untilSeq) return out;
    if (accept(message)) out.push(message);
    next = message.seq + 1;
  }
  if (out.length >= range.limit || next > range.untilSeq) return out;
  await readWithConsumer(access, subject, next, range, accept, out);
  return out;
}

async function readWithConsumer(
  access: StreamAccess,
  subject: string,
  startSeq: number,
  range: SubjectRange,
  accept: (message: SubjectMessage) => boolean,
  out: SubjectMessage[],
): Promise<void> {
  // A plain ephemeral pull consumer: one round trip to create (the client's ordered consumer
  // takes three), no acks, one filter subject (2.9 refuses `filter_subjects`).
  const info = await access.jsm.consumers.add(access.stream, {
    ack_policy: AckPolicy.None,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: startSeq,
    filter_subject: subject,
    inactive_threshold: nanos(CONSUMER_INACTIVE_MS),
    mem_storage: true,
    num_replicas: 1,
  });
  const consumer = access.js.consumers.getConsumerFromInfo(info);
  try {
    if (info.num_pending === 0) return;
    for (;;) {
      const batch = await consumer.fetch({
        max_messages: Math.min(FETCH_BATCH, range.limit - out.length),
        expires: FETCH_EXPIRES_MS,
      });
      let received = 0;
      for await (const m of batch) {
        received++;
        if (m.seq > range.untilSeq) return;
        const message: SubjectMessage = {
          seq: m.seq,
          data: m.data,
          header: (name) => m.headers?.get(name) ?? '',
        };
        if (accept(message)) out.push(message);
        if (out.length >= range.limit || m.seq >= range.untilSeq || m.info.pending === 0) return;
      }
      // Nothing came before the pull expired: the rest was purged while we read.
      if (received === 0) return;
    }
  } finally {
    // Ephemeral anyway (inactive_threshold); deleting it now spares the server the wait.
    void consumer.delete().catch(() => undefined);
  }
}

function getMessage(access: StreamAccess, query: MsgRequest): Promise<StoredMsg | null> {
  return access.direct
    ? access.jsm.direct.getMessage(access.stream, query)
    : access.jsm.streams.getMessage(access.stream, query);
}

function fromStored(stored: StoredMsg | null): SubjectMessage | undefined {
  if (stored === null) return undefined;
  return { seq: stored.seq, data: stored.data, header: (name) => stored.header.get(name) };
}
