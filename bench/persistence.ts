/**
 * What durability costs per step, beside the raw layer underneath in the same run:
 * - a durable actor's step (its message journaled before processing + a checkpoint put) with the
 *   file store and with JetStream, one message at a time and pipelined (batched journal appends,
 *   coalesced checkpoints);
 * - the raw calls one step would make by hand: an fsync'd file append + an atomic checkpoint file
 *   write, or a `js.publish` + a `kv.put`;
 * - restore time: a checkpoint plus 1000 journaled messages.
 */
import { mkdtemp, open, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { assign, setup } from 'xstate';

type Lib = typeof import('agentvisor/internal');
type Stores = {
  store: import('agentvisor/internal').CheckpointStore;
  journal: import('agentvisor/internal').Journal;
};

/** One row of the persistence table. */
export interface PersistenceRow {
  readonly store: string;
  readonly figure: string;
  readonly msPerStep: number;
  readonly rawMsPerStep: number | undefined;
}

function counterMachine(lib: Lib) {
  return setup({
    types: {
      context: {} as { count: number; pad: string },
      events: {} as { type: 'inc' } | { type: 'get' },
      input: {} as string | undefined,
    },
  }).createMachine({
    context: ({ input }) => ({ count: 0, pad: input ?? '' }),
    on: {
      inc: { actions: assign({ count: ({ context }) => context.count + 1 }) },
      get: { actions: lib.respond(({ context }) => context.count) },
    },
  });
}

/** A checkpoint-sized payload (the counter's persisted snapshot is small; agents' are not). */
const PAD = 'x'.repeat(1_500);

async function durableSteps(lib: Lib, stores: Stores, name: string, steps: number) {
  const system = lib.createActorSystem({ mailbox: { capacity: steps + 10 } });
  await system.spawnDurable(name, counterMachine(lib), {
    input: PAD,
    persistence: {
      ...stores,
      machineId: name,
      machineVersion: 1,
      policy: { everySteps: 1, onSettled: false, keep: 3 },
    },
  });
  // One at a time: each message waits for its journal append; checkpoints follow behind.
  let t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    system.tell(name, 'inc');
    await system.ask(name, 'get');
  }
  await system.checkpoint(name);
  const sequential = (performance.now() - t0) / (steps * 2);
  // Pipelined: many messages, journaled in batches, checkpoints coalesced.
  t0 = performance.now();
  for (let i = 0; i < steps; i++) system.tell(name, 'inc');
  await system.ask(name, 'get');
  await system.checkpoint(name);
  const pipelined = (performance.now() - t0) / (steps + 1);
  await system.shutdown();
  return { sequential, pipelined };
}

async function restoreTime(
  lib: Lib,
  stores: Stores,
  name: string,
  events: number,
): Promise<number> {
  const a = lib.createActorSystem({ mailbox: { capacity: events + 10 } });
  await a.spawnDurable(name, counterMachine(lib), {
    persistence: {
      ...stores,
      machineId: name,
      machineVersion: 1,
      policy: { everySteps: 1_000_000, onSettled: false },
    },
  });
  a.tell(name, 'inc');
  await a.checkpoint(name);
  for (let i = 0; i < events; i++) a.tell(name, 'inc');
  await a.ask(name, 'get');
  await a.shutdown();
  const b = lib.createActorSystem();
  const t0 = performance.now();
  await b.spawnDurable(name, counterMachine(lib), {
    persistence: { ...stores, machineId: name, machineVersion: 1 },
  });
  const ms = performance.now() - t0;
  const count = await b.ask(name, 'get');
  if (count !== events + 1) throw new Error(`restore lost events: ${String(count)}`);
  await b.shutdown();
  return ms;
}

/** The raw file work of one step: an fsync'd journal append + a checkpoint written atomically. */
async function rawFileStep(dir: string, steps: number, bytes: Uint8Array): Promise<number> {
  const journal = await open(path.join(dir, 'raw.journal'), 'a');
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    await journal.write(bytes.subarray(0, 200));
    await journal.sync();
    const tmp = path.join(dir, `raw.${i}.tmp`);
    const f = await open(tmp, 'w');
    await f.write(bytes);
    await f.sync();
    await f.close();
    await rename(tmp, path.join(dir, 'raw.ckpt'));
  }
  const ms = (performance.now() - t0) / steps;
  await journal.close();
  return ms;
}

/** The raw NATS work of one step: a js.publish + a kv.put. */
async function rawNatsStep(nc: NatsConnection, steps: number, bytes: Uint8Array): Promise<number> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'RAWBENCH', subjects: ['rawbench.>'] });
  const js = jetstream(nc);
  const kv = await new Kvm(js).create('rawbench', { history: 3 });
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    await js.publish('rawbench.a', bytes.subarray(0, 200));
    await kv.put('a', bytes);
  }
  const ms = (performance.now() - t0) / steps;
  await kv.destroy();
  await jsm.streams.delete('RAWBENCH');
  return ms;
}

/** Runs the persistence figures; `nats` is a running server's URL (JetStream enabled). */
export async function measurePersistence(
  lib: Lib,
  natsUrl: string,
  steps = 300,
): Promise<PersistenceRow[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'agentvisor-bench-'));
  const bytes = new Uint8Array(2_000).fill(7);
  const rows: PersistenceRow[] = [];
  const nc = await connect({ servers: natsUrl });
  const opened: Stores[] = [];
  const keep = (stores: Stores): Stores => {
    opened.push(stores);
    return stores;
  };
  try {
    const fileStores = async (sub: string): Promise<Stores> =>
      keep({
        store: await lib.FileCheckpointStore.open({ dir: path.join(dir, sub, 'ckpt') }),
        journal: await lib.FileJournal.open({ dir: path.join(dir, sub, 'journal') }),
      });
    const jsStores = async (sub: string): Promise<Stores> =>
      keep({
        store: await lib.JetStreamCheckpointStore.open(nc, { bucket: `bench_${sub}` }),
        journal: await lib.JetStreamJournal.open(nc, {
          stream: `BENCH_${sub.toUpperCase()}`,
          subjectPrefix: `bench.${sub}`,
        }),
      });
    const rawFile = await rawFileStep(dir, steps, bytes);
    const rawNats = await rawNatsStep(nc, steps, bytes);
    const f = await durableSteps(lib, await fileStores('steps'), 'file-steps', steps);
    const j = await durableSteps(lib, await jsStores('steps'), 'js-steps', steps);
    rows.push({
      store: 'file',
      figure: 'step, one message at a time',
      msPerStep: f.sequential,
      rawMsPerStep: rawFile,
    });
    rows.push({
      store: 'file',
      figure: 'step, pipelined (batched journal, coalesced checkpoints)',
      msPerStep: f.pipelined,
      rawMsPerStep: rawFile,
    });
    rows.push({
      store: 'jetstream',
      figure: 'step, one message at a time',
      msPerStep: j.sequential,
      rawMsPerStep: rawNats,
    });
    rows.push({
      store: 'jetstream',
      figure: 'step, pipelined (batched journal, coalesced checkpoints)',
      msPerStep: j.pipelined,
      rawMsPerStep: rawNats,
    });
    const memoryStores: Stores = {
      store: new lib.MemoryCheckpointStore(),
      journal: new lib.MemoryJournal(),
    };
    rows.push({
      store: 'memory',
      figure: 'restore: checkpoint + 1000 journal events (ms total)',
      msPerStep: await restoreTime(lib, memoryStores, 'restore-mem', 1_000),
      rawMsPerStep: undefined,
    });
    rows.push({
      store: 'file',
      figure: 'restore: checkpoint + 1000 journal events (ms total)',
      msPerStep: await restoreTime(lib, await fileStores('restore'), 'restore-file', 1_000),
      rawMsPerStep: undefined,
    });
    rows.push({
      store: 'jetstream',
      figure: 'restore: checkpoint + 1000 journal events (ms total)',
      msPerStep: await restoreTime(lib, await jsStores('restore'), 'restore-js', 1_000),
      rawMsPerStep: undefined,
    });
    return rows;
  } finally {
    // Every store the bench opened is closed (file handles, JetStream consumers).
    for (const stores of opened) {
      await stores.journal.close();
      await stores.store.close();
    }
    await nc.close();
    await rm(dir, { recursive: true, force: true });
  }
}
