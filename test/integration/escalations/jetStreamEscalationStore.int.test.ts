import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kvm } from '@nats-io/kv';
import { jetstream } from '@nats-io/jetstream';
import { afterAll, beforeAll } from 'vitest';
import { NATS_BUCKETS, kvKey, kvToken } from 'agentvisor/internal';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { JetStreamEscalationStore } from 'agentvisor/supervisors';
import { describeEscalationStore } from '../../supervisors/escalation/escalationStoreConformance.js';

let server: NatsServerHandle;
const connections: NatsConnection[] = [];
const stores: JetStreamEscalationStore[] = [];

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  for (const store of stores) await store.close();
  for (const nc of connections) await nc.close();
  await server.stop();
});

let namespaces = 0;

async function openStore(namespace: string): Promise<JetStreamEscalationStore> {
  const nc = await connect({ servers: server.url });
  connections.push(nc);
  const store = await JetStreamEscalationStore.open(nc, { namespace });
  stores.push(store);
  return store;
}

describeEscalationStore('JetStream', async () => {
  // A namespace per test: one bucket, separate key prefixes (as a cluster's namespaces share it).
  const namespace = `ns-${++namespaces}`;
  const store = await openStore(namespace);
  return {
    store,
    corrupt: async (id: string) => {
      const nc = connections[connections.length - 1] as NatsConnection;
      const kv = await new Kvm(jetstream(nc)).open(NATS_BUCKETS.escalations);
      await kv.put(`${kvToken(namespace)}.${kvKey(id)}`, new TextEncoder().encode('{"v":1,"id":'));
    },
    // A new connection: another process's view of the bucket.
    reopen: () => openStore(namespace),
  };
});
