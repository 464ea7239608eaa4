import type { Socket } from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { assign, setup } from 'xstate';
import { waitFor } from 'agentvisor/testing';
import {
  DurableMailbox,
  JetStreamCheckpointStore,
  JetStreamJournal,
  createActorSystem,
  shardOf,
  systemClock,
  type ActorSystem,
  type AppendOptions,
  type DurableMailboxOptions,
  type Journal,
  type JournalEntry,
  type JournalEvent,
  type JournalRepair,
  type MessageEvent,
  type ShardOwnership,
} from 'agentvisor/internal';

/** Deliveries of `flaky` so far: each one fails another way. */
let flakyDeliveries = 0;

/**
 * Records the id of every `rec` it processes; `boom` fails it (a poison message); `flaky` fails it
 * a different way on each delivery (a failing dependency, not a bad message).
 */
export const recorderMachine = setup({
  types: {
    context: {} as { ids: string[] },
    events: {} as MessageEvent<'rec', { n: number }> | MessageEvent<'boom'> | MessageEvent<'flaky'>,
  },
  actions: {
    explode: () => {
      throw new Error('boom');
    },
    flake: () => {
      flakyDeliveries += 1;
      if (flakyDeliveries % 2 === 1) throw new TypeError('socket hang up');
      throw new RangeError('quota window exceeded');
    },
  },
}).createMachine({
  id: 'recorder',
  context: { ids: [] },
  on: {
    rec: { actions: assign({ ids: ({ context, event }) => [...context.ids, event.id] }) },
    boom: { actions: 'explode' },
    flaky: { actions: 'flake' },
  },
});

/** The ids an actor's state holds. */
export function idsOf(system: ActorSystem, name: string): string[] {
  return (system.getSnapshot(name) as { context: { ids: string[] } }).context.ids;
}

/** Resolves after `ms` of real time: only where time passing is what a test checks. */
export function elapse(ms: number): Promise<void> {
  return new Promise((resolve) => systemClock.setTimeout(resolve, ms));
}

/** A gate a test opens: appends wait on it (a slow or stuck journal, for the real one below). */
export class GatedJournal implements Journal {
  readonly #inner: Journal;
  #gate: Promise<void> = Promise.resolve();
  #open: () => void = () => undefined;
  /** Appends that reached the gate. */
  waiting = 0;
  #onWaiting: (() => void) | undefined;

  constructor(inner: Journal) {
    this.#inner = inner;
  }

  /** Appends wait from now on. */
  hold(): void {
    this.#gate = new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  /** Appends go on. */
  release(): void {
    this.#open();
  }

  /** Resolves once an append waits at the gate. */
  untilWaiting(): Promise<void> {
    if (this.waiting > 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#onWaiting = resolve;
    });
  }

  async append(
    actor: string,
    events: readonly JournalEvent[],
    options?: AppendOptions,
  ): Promise<number[]> {
    this.waiting++;
    this.#onWaiting?.();
    await this.#gate;
    this.waiting--;
    return this.#inner.append(actor, events, options);
  }

  read(actor: string, afterSeq: number, options?: { limit?: number }): Promise<JournalEntry[]> {
    return this.#inner.read(actor, afterSeq, options);
  }

  lastSeq(actor: string): Promise<number> {
    return this.#inner.lastSeq(actor);
  }

  truncateBefore(actor: string, beforeSeq: number): Promise<void> {
    return this.#inner.truncateBefore(actor, beforeSeq);
  }

  repairs(): readonly JournalRepair[] {
    return this.#inner.repairs();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

/** Names of the journal stream and checkpoint bucket a test's nodes share. */
export interface Storage {
  readonly stream: string;
  readonly subjectPrefix: string;
  readonly bucket: string;
}

/** One node: its own connection, actor system, persistence and mailbox. */
export interface TestNode {
  readonly nc: NatsConnection;
  readonly system: ActorSystem;
  readonly mailbox: DurableMailbox;
  readonly journal: GatedJournal;
  /**
   * Crash: the socket is destroyed at once (nothing more reaches the server: no acks, no
   * renewals), then what is left of the node is dropped. Safe to call inside a listener.
   */
  kill(): Promise<void>;
  /** Graceful: the mailbox releases its shards, then everything stops. */
  stop(): Promise<void>;
}

/**
 * Starts a node on `url` hosting the durable `actors` whose shards it owns: each shard's actors
 * are (re)spawned from their checkpoints and journals when the node acquires it, before any of
 * its messages is consumed (placement follows shard ownership), and stopped when it loses it.
 * `respawn`: a failed actor is started again (a supervisor's restart), for poison tests.
 */
export async function startNode(
  url: string,
  storage: Storage,
  options: {
    actors: readonly string[];
    mailbox: DurableMailboxOptions & { shards: number };
    ownership?: ShardOwnership;
    respawn?: boolean;
  },
): Promise<TestNode> {
  // No reconnect: a crashed node stays down (a new one starts in its place).
  const nc = await connect({ servers: url, reconnect: false });
  const system = createActorSystem({ namespace: options.mailbox.namespace ?? 'default' });
  const inner = await JetStreamJournal.open(nc, {
    stream: storage.stream,
    subjectPrefix: storage.subjectPrefix,
  });
  const journal = new GatedJournal(inner);
  const store = await JetStreamCheckpointStore.open(nc, { bucket: storage.bucket });
  const persistence = { store, journal, machineId: 'recorder', machineVersion: 1 };
  const spawn = async (name: string) => {
    if (system.describe(name)?.status === 'running') system.stop(name);
    await system.spawnDurable(name, recorderMachine, { persistence });
  };
  if (options.respawn === true) {
    system.onLifecycle((e) => {
      if (e.type === 'failed') void spawn(e.name).catch(() => undefined);
    });
  }
  const shards = options.mailbox.shards;
  const placed = (shard: number) => options.actors.filter((a) => shardOf(a, shards) === shard);
  const mailbox = await DurableMailbox.open(nc, options.mailbox, {
    system,
    ...(options.ownership === undefined ? {} : { ownership: options.ownership }),
    onOwnership: async (change) => {
      for (const a of placed(change.shard)) {
        if (change.type === 'acquired') await spawn(a);
        else if (system.describe(a)?.status === 'running') system.stop(a);
      }
    },
  });
  let down = false;
  return {
    nc,
    system,
    mailbox,
    journal,
    kill: async () => {
      if (down) return;
      down = true;
      abruptClose(nc);
      journal.release();
      await nc.close();
      await mailbox.stop();
      await system.shutdown();
    },
    stop: async () => {
      if (down) return;
      down = true;
      journal.release();
      await mailbox.stop();
      await system.shutdown();
      await nc.close();
    },
  };
}

/** Destroys the connection's socket: like a process killed mid-work, nothing buffered is sent. */
export function abruptClose(nc: NatsConnection): void {
  const internals = nc as unknown as { protocol?: { transport?: { socket?: Socket } } };
  internals.protocol?.transport?.socket?.destroy();
}

/** Resolves once `check` holds, polling server-side state (which sends no event) every 25 ms. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
): Promise<void> {
  await waitFor('the condition', check, { timeoutMs, intervalMs: 25 });
}
