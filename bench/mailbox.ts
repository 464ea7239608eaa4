/**
 * Reliable delivery beside the raw JetStream layer in the same run (`bench/run.ts` calls
 * {@link measureMailbox}; it imports the compiled library):
 * - raw: `js.publish` (msgID) of msgpack bytes → durable pull consumer (work queue) → unpack →
 *   `ack`, 100 publishes in flight;
 * - raw + journal: the same, with the consumer writing one journal entry (`js.publish`, awaited)
 *   before each ack: what a hand-made "ack after journal" costs;
 * - ours: `DurableMailbox.sendReliable` → shard consumer → durable actor (journaled, processed) →
 *   ack, with a memory journal (the mailbox's own cost) and with the JetStream journal and KV
 *   checkpoints (everySteps 100), 100 sends in flight.
 * Throughput is messages processed per second, from the first send to the last processed.
 */
import { performance } from 'node:perf_hooks';
import {
  AckPolicy,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pack, unpack } from 'msgpackr';
import { assign, setup } from 'xstate';

type Lib = typeof import('agentvisor/internal');

/** One row of the mailbox table. */
export interface MailboxRow {
  readonly figure: string;
  readonly perSec: number;
  /** The raw figure this one compares with, when any. */
  readonly versus?: string;
}

const IN_FLIGHT = 100;

/** Runs `n` async sends with at most `IN_FLIGHT` at once. */
async function pool(n: number, send: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < n) await send(next++);
    }),
  );
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function rawRound(nc: NatsConnection, n: number, id: string, journal: boolean) {
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const stream = `RAWMBOX_${id}`;
  await jsm.streams.add({
    name: stream,
    subjects: [`rawmbox.${id}.>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
  });
  const jstream = `RAWJNL_${id}`;
  if (journal)
    await jsm.streams.add({
      name: jstream,
      subjects: [`rawjnl.${id}.>`],
      storage: StorageType.File,
    });
  await jsm.consumers.add(stream, {
    durable_name: 'c',
    ack_policy: AckPolicy.Explicit,
    max_ack_pending: 256,
  });
  const consumer = await js.consumers.get(stream, 'c');
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const messages = await consumer.consume({
    max_messages: 256,
    callback: (m) => {
      const envelope = unpack(m.data) as { id: string; to: string };
      const settle = () => {
        m.ack();
        if (++done === n) finish();
      };
      if (!journal) settle();
      else
        void js.publish(`rawjnl.${id}.${envelope.to}`, m.data, { msgID: envelope.id }).then(settle);
    },
  });
  const t0 = performance.now();
  await pool(n, (i) =>
    js.publish(
      `rawmbox.${id}.bench`,
      pack({ v: 1, id: `${id}-${String(i)}`, type: 'inc', to: 'bench', payload: { i } }),
      {
        msgID: `${id}-${String(i)}`,
      },
    ),
  );
  await finished;
  const perSec = (n / (performance.now() - t0)) * 1000;
  await messages.close();
  await jsm.streams.delete(stream);
  if (journal) await jsm.streams.delete(jstream);
  return perSec;
}

async function oursRound(
  lib: Lib,
  nc: NatsConnection,
  n: number,
  id: string,
  jetStreamJournal: boolean,
) {
  const counter = setup({
    types: { context: {} as { count: number }, events: {} as { type: 'inc' } },
  }).createMachine({
    context: { count: 0 },
    on: { inc: { actions: assign({ count: ({ context }) => context.count + 1 }) } },
  });
  const namespace = `bench${id}`;
  const system = lib.createActorSystem({ namespace, mailbox: { capacity: n + 10 } });
  const stores = jetStreamJournal
    ? {
        store: await lib.JetStreamCheckpointStore.open(nc, { bucket: `mbox_${id}` }),
        journal: await lib.JetStreamJournal.open(nc, {
          stream: `MBOXJNL_${id}`,
          subjectPrefix: `mboxjnl.${id}`,
        }),
      }
    : { store: new lib.MemoryCheckpointStore(), journal: new lib.MemoryJournal() };
  await system.spawnDurable('bench', counter, {
    persistence: {
      ...stores,
      machineId: 'bench',
      machineVersion: 1,
      policy: { everySteps: 100, onSettled: false, processedIds: 1_000 },
    },
  });
  const mailbox = await lib.DurableMailbox.open(
    nc,
    { namespace, shards: 1, nodeId: 'bench' },
    { system, ownership: new lib.StaticShardOwnership([0]) },
  );
  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => {
    finish = resolve;
  });
  system.onJournaled(() => {
    if (++done === n) finish();
  });
  const t0 = performance.now();
  await pool(n, (i) => mailbox.sendReliable('bench', 'inc', { i }));
  await finished;
  const perSec = (n / (performance.now() - t0)) * 1000;
  await mailbox.stop();
  await system.shutdown();
  await stores.journal.close();
  await stores.store.close();
  const jsm = await jetstreamManager(nc);
  for (const stream of [
    mailbox.subjects.stream,
    mailbox.subjects.deadLetterStream,
    `MBOXJNL_${id}`,
    `KV_mbox_${id}`,
  ])
    await jsm.streams.delete(stream).catch(() => false);
  return perSec;
}

/** Measures the mailbox rows against a running server (JetStream enabled). */
export async function measureMailbox(
  lib: Lib,
  natsUrl: string,
  options: { messages?: number; rounds?: number } = {},
): Promise<MailboxRow[]> {
  const n = options.messages ?? 3_000;
  const rounds = options.rounds ?? 3;
  const nc = await connect({ servers: natsUrl });
  const figures = {
    raw: [] as number[],
    rawJournal: [] as number[],
    memory: [] as number[],
    js: [] as number[],
  };
  try {
    // Warm-up round off the record (JIT, stream creation paths).
    await rawRound(nc, 200, 'w0', false);
    await oursRound(lib, nc, 200, 'w1', false);
    for (let r = 0; r < rounds; r++) {
      figures.raw.push(await rawRound(nc, n, `r${String(r)}`, false));
      figures.rawJournal.push(await rawRound(nc, n, `j${String(r)}`, true));
      figures.memory.push(await oursRound(lib, nc, n, `m${String(r)}`, false));
      figures.js.push(await oursRound(lib, nc, n, `s${String(r)}`, true));
    }
  } finally {
    await nc.close();
  }
  const raw = 'raw: js.publish → pull consumer → ack';
  const rawJournal = 'raw + journal: js.publish → pull consumer → journal js.publish → ack';
  return [
    { figure: raw, perSec: median(figures.raw) },
    { figure: rawJournal, perSec: median(figures.rawJournal) },
    {
      figure: 'sendReliable → durable actor (memory journal) → ack',
      perSec: median(figures.memory),
      versus: raw,
    },
    {
      figure: 'sendReliable → durable actor (JetStream journal, KV checkpoints) → ack',
      perSec: median(figures.js),
      versus: rawJournal,
    },
  ];
}

/** The rows as a markdown table, each with its ratio to the raw figure it compares with. */
export function mailboxBenchTable(rows: readonly MailboxRow[]): string {
  const byName = new Map(rows.map((r) => [r.figure, r.perSec]));
  return [
    '| figure | messages/s | ratio |',
    '|---|---|---|',
    ...rows.map((r) => {
      const base = r.versus === undefined ? undefined : byName.get(r.versus);
      const ratio = base === undefined ? '' : `${(r.perSec / base).toFixed(2)}x ${r.versus ?? ''}`;
      return `| ${r.figure} | ${Math.round(r.perSec).toLocaleString('en-US')} | ${ratio} |`;
    }),
  ].join('\n');
}
