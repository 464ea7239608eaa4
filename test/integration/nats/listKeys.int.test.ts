import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { listKeys } from 'agentvisor/internal';

let server: NatsServerHandle;
let writer: NatsConnection;
let reader: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer();
  writer = await connect({ servers: server.url });
  reader = await connect({ servers: server.url });
});

afterAll(async () => {
  await writer.close();
  await reader.close();
  await server.stop();
});

describe('listKeys', () => {
  it('lists each key once while the bucket is rewritten without pause (kv.keys() repeats them)', async () => {
    const kv = await new Kvm(jetstream(writer)).create('list_busy', { history: 1 });
    await kv.put('ns.n1', '0');
    await kv.put('ns.n2', '0');
    await kv.put('other.x', '0');
    await kv.put('ns.gone', '0');
    await kv.delete('ns.gone');
    // Heartbeat-like writers: every key of `ns` rewritten back to back until the reads are done.
    const writing = { on: true };
    const writes = (async () => {
      for (let i = 1; writing.on; i++)
        await Promise.all([kv.put('ns.n1', String(i)), kv.put('ns.n2', String(i))]);
    })();
    try {
      for (let round = 0; round < 20; round++) {
        // The tombstone of a deleted key is listed (callers read each key and skip it).
        expect(await listKeys(reader, 'list_busy', 'ns.>')).toEqual(['ns.gone', 'ns.n1', 'ns.n2']);
      }
      expect(await listKeys(reader, 'list_busy', 'other.>')).toEqual(['other.x']);
      expect(await listKeys(reader, 'list_busy', 'none.>')).toEqual([]);
    } finally {
      writing.on = false;
      await writes;
    }
  });

  it('lists nothing for a bucket that does not exist', async () => {
    expect(await listKeys(reader, 'list_missing', '>')).toEqual([]);
  });
});
