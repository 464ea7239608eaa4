import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock, startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import {
  casWrite,
  claimEpoch,
  createKvShardLeases,
  kvKey,
  nextEpoch,
  openBucket,
  type OwnershipChange,
} from 'agentvisor/internal';

let server: NatsServerHandle;
let nc: NatsConnection;

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
});

afterAll(async () => {
  await nc.close();
  await server.stop();
});

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('casWrite', () => {
  it('creates, updates on the revision read, and reports a stale revision as a conflict', async () => {
    const kv = await openBucket(nc, 'cas_basic', { history: 1 });
    const created = await casWrite(kv, 'k', bytes('1'), undefined);
    expect(created.status).toBe('ok');
    if (created.status !== 'ok') return;
    expect((await casWrite(kv, 'k', bytes('again'), undefined)).status).toBe('conflict');
    const updated = await casWrite(kv, 'k', bytes('2'), created.revision);
    expect(updated.status).toBe('ok');
    expect((await casWrite(kv, 'k', bytes('3'), created.revision)).status).toBe('conflict');
  });

  it('with revision 0 writes only a key that holds no message, not even a delete marker', async () => {
    const kv = await openBucket(nc, 'cas_zero', { history: 2 });
    const first = await casWrite(kv, 'k', bytes('1'), 0);
    expect(first.status).toBe('ok');
    expect((await casWrite(kv, 'k', bytes('2'), 0)).status).toBe('conflict');
    await kv.delete('k');
    expect((await casWrite(kv, 'k', bytes('3'), 0)).status).toBe('conflict');
  });

  it('reports a closed connection as unavailable, with the error kept', async () => {
    const own = await connect({ servers: server.url });
    const kv = await openBucket(own, 'cas_closed', { history: 1 });
    await own.close();
    const outcome = await casWrite(kv, 'k', bytes('1'), undefined);
    expect(outcome.status).toBe('unavailable');
    if (outcome.status === 'unavailable') expect(outcome.error).toBeInstanceOf(Error);
  });
});

describe('claimEpoch', () => {
  it('of two claimers from the same read exactly one wins, with epoch + 1', async () => {
    const kv = await openBucket(nc, 'claim_race', { history: 1 });
    const first = await claimEpoch(kv, 'u', undefined, (epoch) => bytes(String(epoch)));
    expect(first).toMatchObject({ status: 'ok', epoch: 1 });
    if (first.status !== 'ok') return;
    const read = { epoch: 1, revision: first.revision };
    const both = await Promise.all([
      claimEpoch(kv, 'u', read, (epoch) => bytes(`a${epoch}`)),
      claimEpoch(kv, 'u', read, (epoch) => bytes(`b${epoch}`)),
    ]);
    expect(both.map((o) => o.status).sort()).toEqual(['conflict', 'ok']);
    expect(both.find((o) => o.status === 'ok')).toMatchObject({ epoch: 2 });
  });

  it('over a corrupt entry takes its revision + 1, never an epoch already used', () => {
    expect(nextEpoch(undefined)).toBe(1);
    expect(nextEpoch({ epoch: 4, revision: 9 })).toBe(5);
    expect(nextEpoch({ epoch: undefined, revision: 9 })).toBe(10);
  });
});

describe('KvShardLeases over a corrupt lease', () => {
  it('takes the shard over with an epoch above the one the last holder had', async () => {
    const bucket = 'leases_corrupt';
    const clockA = new TestClock();
    const clockB = new TestClock();
    const options = { shards: 1, bucket, ttlMs: 1_000, renewMs: 500 } as const;
    const a = createKvShardLeases(nc, { ...options, nodeId: 'a' }, { clock: clockA });
    const b = createKvShardLeases(nc, { ...options, nodeId: 'b' }, { clock: clockB });
    const seenA: OwnershipChange[] = [];
    const seenB: OwnershipChange[] = [];
    await a.start((c) => seenA.push(c));
    try {
      expect(seenA).toEqual([{ type: 'acquired', shard: 0, epoch: 1 }]);
      // The lease value is overwritten with something that does not parse (a bad writer).
      const kv = await new Kvm(jetstream(nc)).open(bucket);
      await kv.put(kvKey('default', 0), 'not a lease');
      await b.start((c) => seenB.push(c));
      // B sees the value unchanged for ttlMs on its own clock, then takes the shard over.
      for (let i = 0; i < 200 && seenB.length === 0; i++) {
        await clockB.advance(options.renewMs);
        await nc.flush();
      }
      expect(seenB).toHaveLength(1);
      const taken = seenB[0];
      expect(taken?.type).toBe('acquired');
      // Epoch 1 was A's: a fencing token must never be handed out twice.
      expect(taken?.epoch).toBeGreaterThan(1);
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});
