import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  JetStreamCheckpointStore,
  JetStreamJournal,
  createActorSystem,
  isRuntimeError,
  type DeadLetter,
} from 'agentvisor';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { counterMachine } from '../../runtime/system/fixtures.js';
import { failureMarks } from '../../runtime/system/admissionFixtures.js';

// A server whose max_payload (256 KiB) is below the journal's own 1,000,000: the admission limit
// follows the journal's record limit, whichever bounds it.
const MAX_PAYLOAD = 256 * 1024;

let server: NatsServerHandle;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer({ config: `max_payload: ${String(MAX_PAYLOAD)}` });
  nc = await connect({ servers: server.url });
});

afterAll(async () => {
  await nc.close();
  await server.stop();
});

describe('durable admission on a server with a small max_payload', () => {
  it("refuses what the JetStream journal could not store, by the server's limit", async () => {
    const journal = await JetStreamJournal.open(nc, {
      stream: 'ADM_SMALL',
      subjectPrefix: 'admsm',
    });
    const store = await JetStreamCheckpointStore.open(nc, { bucket: 'adm_small' });
    const persistence = { store, journal, machineId: 'counter', machineVersion: 1 };
    const system = createActorSystem({});
    const deadLetters: DeadLetter[] = [];
    system.deadLetters.subscribe((d) => deadLetters.push(d));
    try {
      await system.spawnDurable('c', counterMachine, { persistence });
      for (let i = 0; i < 3; i++) system.tell('c', 'inc', {});
      system.tell('c', 'inc', { blob: 'x'.repeat(MAX_PAYLOAD - 4_096) }); // fits a record
      await expect(system.ask('c', 'get')).resolves.toBe(4);
      const refused = await system
        .ask('c', 'inc', { blob: 'x'.repeat(MAX_PAYLOAD) })
        .catch((e: unknown) => e);
      expect(isRuntimeError(refused, 'ERR_MESSAGE_TOO_LARGE')).toBe(true);
      expect(deadLetters.map((d) => [d.reason, d.error.code])).toEqual([
        ['malformed-message', 'ERR_MESSAGE_TOO_LARGE'],
      ]);
      await expect(system.ask('c', 'get')).resolves.toBe(4);
      expect(await failureMarks(journal, 'c')).toEqual([]);
    } finally {
      await system.shutdown();
      await journal.close();
    }
  });
});
