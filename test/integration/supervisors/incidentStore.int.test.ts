import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe } from 'vitest';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { createJetStreamIncidentStore } from 'agentvisor/supervisors';
import { describeIncidentStore } from '../../supervisors/incidents/incidentStoreConformance.js';

let server: NatsServerHandle;
let nc: NatsConnection;
let bucket = 0;

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
});

afterAll(async () => {
  await nc.close();
  await server.stop();
});

describe('JetStream KV incident store', () => {
  describeIncidentStore(() =>
    createJetStreamIncidentStore(nc, { bucket: `incidents_${++bucket}` }),
  );
});
