/**
 * What the JetStream persistence layer costs over the raw NATS calls it makes, on one server in
 * one run: `kv.put` against `JetStreamCheckpointStore.put` (a ~2 KB checkpoint) and `js.publish`
 * against `JetStreamJournal.append` (one event), one actor at a time and with many actors at once.
 * `bench/run.ts` calls {@link measureJetStreamPersistence}; alone:
 * `tsx bench/jetstream.ts` starts its own nats-server.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Checkpoint } from '../runtime/persistence/Checkpoint.js';
import { encodeCheckpoint, encodeJournalEvent } from '../runtime/persistence/codec.js';
import type { JournalEvent } from '../runtime/persistence/Journal.js';
import { JetStreamCheckpointStore } from '../runtime/persistence/JetStreamCheckpointStore.js';
import { JetStreamJournal } from '../runtime/persistence/JetStreamJournal.js';

/** The classes measured: the sources by default, or another build of them. */
export interface JetStreamPersistenceImpl {
  readonly JetStreamCheckpointStore: Pick<typeof JetStreamCheckpointStore, 'open'>;
  readonly JetStreamJournal: Pick<typeof JetStreamJournal, 'open'>;
}

/** Options of {@link measureJetStreamPersistence}. */
export interface JetStreamBenchOptions {
  /** Operations per figure and round. @default 1000 */
  ops?: number;
  /** Rounds; each figure is the median over them. @default 3 */
  rounds?: number;
  /** Actors writing at once in the concurrent figures. @default 32 */
  concurrency?: number;
  /** Approximate encoded size of the checkpoint, in bytes. @default 2048 */
  checkpointBytes?: number;
  /** The implementation to measure (e.g. the compiled one from dist). @default the sources */
  impl?: JetStreamPersistenceImpl;
}

/** One measured figure. */
export interface JetStreamBenchFigure {
  readonly name: string;
  readonly ops: number;
  /** Operations per second over the whole figure. */
  readonly opsPerSec: number;
  /** Latency of one operation, in ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly meanMs: number;
}

/** The figures, raw and wrapped side by side; `overhead` is wrapped p50 / raw p50. */
export interface JetStreamBenchResult {
  readonly figures: readonly JetStreamBenchFigure[];
  readonly overhead: Readonly<Record<string, number>>;
}

/**
 * Measures raw NATS calls against the JetStream checkpoint store and journal on `nc`, in a bucket
 * and a stream of its own that it deletes afterwards.
 */
export async function measureJetStreamPersistence(
  nc: NatsConnection,
  options: JetStreamBenchOptions = {},
): Promise<JetStreamBenchResult> {
  const ops = options.ops ?? 1000;
  const rounds = options.rounds ?? 3;
  const concurrency = options.concurrency ?? 32;
  const impl = options.impl ?? { JetStreamCheckpointStore, JetStreamJournal };
  const id = `bench${process.pid}_${Math.floor(performance.now())}`;
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const bucket = `${id}_ckpt`;
  const stream = `${id}_JOURNAL`;
  const prefix = `${id}.jnl`;
  const store = await impl.JetStreamCheckpointStore.open(nc, { bucket });
  const journal = await impl.JetStreamJournal.open(nc, { stream, subjectPrefix: prefix });
  const kv = await new Kvm(js).open(bucket);
  const template = checkpointOf(options.checkpointBytes ?? 2048);
  const checkpoint = (actor: string, n: number): Checkpoint => ({
    ...template,
    actor,
    journalSeq: n,
  });
  const bytes = encodeCheckpoint(checkpoint('raw', 0));
  const event = (n: number): JournalEvent => ({
    id: `e${n}`,
    kind: 'message',
    at: 1_700_000_000_000,
    data: { n, text: 'hello' },
  });
  const eventBytes = encodeJournalEvent(event(0));
  const batch = (i: number) => Array.from({ length: 10 }, (_, k) => event(i * 10 + k));
  const labels = ['sequential', `${concurrency} actors`] as const;

  /** Each case makes a fresh operation per round (`r` names the round's actors). */
  const cases: { name: string; actors: number; op: (r: string) => Op }[] = [];
  for (const [label, actors] of [
    [labels[0], 1],
    [labels[1], concurrency],
  ] as const) {
    const add = (name: string, op: (r: string) => Op) => {
      cases.push({ name: `${name} (${label})`, actors, op: (r) => op(`${r}_${actors}`) });
    };
    add('kv.put raw', (r) => (a) => kv.put(`raw.${r}.${a}`, bytes));
    add('CheckpointStore.put', (r) => (a, i) => store.put(checkpoint(`p${r}.${a}`, i)));
    add('CheckpointStore.put CAS', (r) => {
      const revisions = new Map<number, number>();
      return async (a, i) => {
        const expectedRevision = revisions.get(a) ?? 0;
        const { revision } = await store.put(checkpoint(`c${r}.${a}`, i), { expectedRevision });
        revisions.set(a, revision);
      };
    });
    add('CheckpointStore.latest', (r) => (a) => store.latest(`c${r}.${a}`));
    add('js.publish raw', (r) => (a) => js.publish(`${prefix}.raw${r}_${a}`, eventBytes));
    add('js.publish raw msgID+expect', (r) => {
      const last = new Map<number, number>();
      return async (a, i) => {
        const ack = await js.publish(`${prefix}.rawx${r}_${a}`, eventBytes, {
          msgID: `rawx${r}_${a}:${i}`,
          expect: { lastSubjectSequence: last.get(a) ?? 0 },
        });
        last.set(a, ack.seq);
      };
    });
    add('Journal.append', (r) => (a, i) => journal.append(`u${r}.${a}`, [event(i)]));
    add('Journal.append fenced', (r) => {
      const last = new Map<number, number>();
      return async (a, i) => {
        const expectedLastSeq = last.get(a) ?? 0;
        const [seq] = await journal.append(`f${r}.${a}`, [event(i)], { expectedLastSeq });
        last.set(a, seq ?? 0);
      };
    });
  }
  // Batches of 10: pipelined (unfenced) against one publish after another (fenced).
  cases.push({
    name: 'Journal.append 10 events (sequential)',
    actors: 1,
    op: (r) => (_a, i) => journal.append(`b${r}`, batch(i)),
  });
  cases.push({
    name: 'Journal.append 10 events fenced (sequential)',
    actors: 1,
    op: (r) => {
      let last = 0;
      return async (_a, i) => {
        last = (await journal.append(`bf${r}`, batch(i), { expectedLastSeq: last })).at(-1) ?? 0;
      };
    },
  });
  await journal.append(
    'reads',
    Array.from({ length: 100 }, (_, i) => event(i)),
  );
  for (const n of [1, 4, 10, 100]) {
    cases.push({
      name: `Journal.read ${n} events (sequential)`,
      actors: 1,
      op: () => () => journal.read('reads', 0, { limit: n }),
    });
  }

  const samples = new Map<string, JetStreamBenchFigure[]>();
  try {
    for (let round = 0; round < rounds; round++) {
      for (const c of cases) {
        const figure = await measure(c.name, ops, c.actors, c.op(`r${round}`));
        samples.set(c.name, [...(samples.get(c.name) ?? []), figure]);
      }
    }
  } finally {
    await store.close();
    await journal.close();
    await jsm.streams.delete(`KV_${bucket}`).catch(() => false);
    await jsm.streams.delete(stream).catch(() => false);
  }
  const figures = [...samples.values()].map(medianFigure);
  return { figures, overhead: overheadOf(figures, labels) };
}

type Op = (actor: number, i: number) => Promise<unknown>;

/** The median of each field over the rounds (the machine has slow phases). */
function medianFigure(runs: readonly JetStreamBenchFigure[]): JetStreamBenchFigure {
  const med = (f: (x: JetStreamBenchFigure) => number) => {
    const xs = runs.map(f).sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)] ?? Number.NaN;
  };
  return {
    name: runs[0]?.name ?? '',
    ops: runs[0]?.ops ?? 0,
    opsPerSec: med((x) => x.opsPerSec),
    p50Ms: med((x) => x.p50Ms),
    p99Ms: med((x) => x.p99Ms),
    meanMs: med((x) => x.meanMs),
  };
}

/** Runs `ops` operations spread over `actors` (each actor's operations one after another). */
async function measure(
  name: string,
  ops: number,
  actors: number,
  op: Op,
): Promise<JetStreamBenchFigure> {
  const perActor = Math.max(1, Math.floor(ops / actors));
  // Warm-up: connections, consumers and JIT, off the clock.
  for (let a = 0; a < actors; a++) await op(a, 0);
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: actors }, async (_, a) => {
      for (let i = 1; i <= perActor; i++) {
        const start = performance.now();
        await op(a, i);
        latencies.push(performance.now() - start);
      }
    }),
  );
  const totalMs = performance.now() - t0;
  latencies.sort((x, y) => x - y);
  const pick = (p: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return {
    name,
    ops: latencies.length,
    opsPerSec: Math.round((latencies.length / totalMs) * 1000),
    p50Ms: round(pick(0.5)),
    p99Ms: round(pick(0.99)),
    meanMs: round(latencies.reduce((s, x) => s + x, 0) / latencies.length),
  };
}

function overheadOf(
  figures: readonly JetStreamBenchFigure[],
  labels: readonly string[],
): Record<string, number> {
  const p50 = (name: string) => figures.find((f) => f.name === name)?.p50Ms ?? Number.NaN;
  const ratio = (wrapped: string, raw: string) => round(p50(wrapped) / p50(raw));
  const out: Record<string, number> = {};
  for (const label of labels) {
    out[`put / kv.put (${label})`] = ratio(
      `CheckpointStore.put (${label})`,
      `kv.put raw (${label})`,
    );
    out[`append / js.publish (${label})`] = ratio(
      `Journal.append (${label})`,
      `js.publish raw (${label})`,
    );
    out[`append fenced / js.publish msgID+expect (${label})`] = ratio(
      `Journal.append fenced (${label})`,
      `js.publish raw msgID+expect (${label})`,
    );
  }
  return out;
}

/** A valid checkpoint whose encoding is about `size` bytes. */
function checkpointOf(size: number): Checkpoint {
  return {
    v: 1,
    actor: 'bench',
    machineId: 'bench',
    machineVersion: 1,
    snapshot: {
      status: 'active',
      value: 'working',
      context: { notes: 'x'.repeat(Math.max(0, size - 200)) },
    },
    journalSeq: 0,
    processedIds: ['m-1', 'm-2', 'm-3'],
    incarnation: 1,
    createdAt: 1_700_000_000_000,
  };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

// Alone: `tsx bench/jetstream.ts` measures against a private nats-server.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { startNatsServer } = await import('../runtime/testing/index.js');
  const { connect } = await import('@nats-io/transport-node');
  const server = await startNatsServer();
  const nc = await connect({ servers: server.url });
  try {
    const result = await measureJetStreamPersistence(nc, {
      ops: Number(process.env['BENCH_JS_OPS'] ?? 1000),
      rounds: Number(process.env['BENCH_JS_ROUNDS'] ?? 3),
    });
    console.table(result.figures);
    console.table(result.overhead);
  } finally {
    await nc.close();
    await server.stop();
  }
}
