import { fc, it } from '@fast-check/vitest';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import {
  DurableMailbox,
  JetStreamCheckpointStore,
  JetStreamJournal,
  createActorSystem,
  mailboxSubjects,
} from 'agentvisor/internal';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import {
  elapse,
  eventually,
  idsOf,
  recorderMachine,
  startNode,
  type TestNode,
} from './fixtures.js';

// One nats-server for the file; every run gets its own namespace, journal and checkpoints.
let server: NatsServerHandle;
let nc: NatsConnection;
let jsm: JetStreamManager;
let serial = 0;

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
  jsm = await jetstreamManager(nc);
});

afterAll(async () => {
  await nc.close();
  await server.stop();
});

const ACTORS = ['p', 'q', 'r'] as const;
const SLOTS = ['A', 'B', 'C'] as const;

type Command =
  | { readonly type: 'send'; readonly actor: number; readonly count: number }
  | { readonly type: 'kill'; readonly slot: number }
  | { readonly type: 'restart'; readonly slot: number }
  | { readonly type: 'pause'; readonly ms: number };

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      type: fc.constant('send' as const),
      actor: fc.nat(2),
      count: fc.integer({ min: 1, max: 8 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('kill' as const), slot: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant('restart' as const), slot: fc.nat(2) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('pause' as const),
      ms: fc.integer({ min: 0, max: 150 }),
    }),
  },
);

/**
 * Nodes A, B, C (three connections in this process) consume a 2-shard mailbox of three durable
 * actors; a separate sender sends reliably while nodes are killed (sockets destroyed mid-work)
 * and restarted. At the end every publish-acknowledged message is in its actor's recovered
 * state, and no id is there twice.
 */
async function killsAndRestarts(commands: readonly Command[]): Promise<void> {
  serial++;
  const ns = `prop${String(serial)}`;
  const storage = {
    stream: `PJNL_${String(serial)}`,
    subjectPrefix: `pjnl${String(serial)}`,
    bucket: `pck_${String(serial)}`,
  };
  const mailboxOptions = {
    namespace: ns,
    shards: 2,
    ackWaitMs: 800,
    maxDeliver: 1_000, // kills must never exhaust a message here
    retryDelayMs: 20,
    unknownActorDelayMs: 20,
    leases: { ttlMs: 500, renewMs: 125 },
  };
  const nodes: (TestNode | undefined)[] = [undefined, undefined, undefined];
  const start = async (slot: number) => {
    nodes[slot] = await startNode(server.url, storage, {
      actors: ACTORS,
      mailbox: { ...mailboxOptions, nodeId: SLOTS[slot] ?? 'X' },
    });
  };
  const sender = await DurableMailbox.open(nc, { namespace: ns, shards: 2 });
  const acked = new Map<string, string>(); // id → actor
  try {
    await start(0);
    await start(1);
    for (const command of commands) {
      switch (command.type) {
        case 'send': {
          const actor = ACTORS[command.actor] ?? 'p';
          const receipts = await Promise.all(
            Array.from({ length: command.count }, (_, n) =>
              sender.sendReliable(actor, 'rec', { n }),
            ),
          );
          for (const r of receipts) acked.set(r.id, actor);
          break;
        }
        case 'kill':
          await nodes[command.slot]?.kill();
          nodes[command.slot] = undefined;
          break;
        case 'restart':
          if (nodes[command.slot] === undefined) await start(command.slot);
          break;
        case 'pause':
          await elapse(command.ms);
          break;
      }
    }
    if (nodes.every((n) => n === undefined)) await start(0);
    // Drained: every stored message acknowledged (work queue: acked = removed).
    const stream = mailboxSubjects(ns).stream;
    await eventually(async () => (await jsm.streams.info(stream)).state.messages === 0, 20_000);
  } finally {
    for (const n of nodes) await n?.stop();
    await sender.stop();
  }
  // Recover each actor from its checkpoints and journal, with no node running.
  const verifier = await connect({ servers: server.url });
  const system = createActorSystem({ namespace: ns });
  try {
    const persistence = {
      store: await JetStreamCheckpointStore.open(verifier, { bucket: storage.bucket }),
      journal: await JetStreamJournal.open(verifier, {
        stream: storage.stream,
        subjectPrefix: storage.subjectPrefix,
      }),
      machineId: 'recorder',
      machineVersion: 1,
    };
    for (const actor of ACTORS) {
      await system.spawnDurable(actor, recorderMachine, { persistence });
      const ids = idsOf(system, actor);
      // None processed twice.
      expect(new Set(ids).size).toBe(ids.length);
      // None acknowledged lost, none landed at another actor.
      const expected = [...acked].filter(([, to]) => to === actor).map(([id]) => id);
      expect([...ids].sort()).toEqual(expected.sort());
    }
  } finally {
    await system.shutdown();
    await verifier.close();
  }
}

describe('DurableMailbox under node kills and restarts', () => {
  it.prop([fc.array(commandArb, { minLength: 2, maxLength: 10 })], { numRuns: 20 })(
    'loses no publish-acknowledged message and processes none twice',
    killsAndRestarts,
    30_000,
  );
});
