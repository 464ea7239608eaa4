import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  StaticShardOwnership,
  mailboxSubjects,
  shardOf,
  type OwnershipChange,
} from 'agentvisor/internal';

describe('shardOf', () => {
  it('is stable: pinned values every sender must agree on', () => {
    // FNV-1a 32-bit (checked against an independent implementation; FNV-1a('a') = 0xe40c292c):
    // changing the hash would move every actor's pending messages.
    expect(['a', 'orders', 'agent:7', 'é', ''].map((n) => shardOf(n, 16))).toEqual([
      12, 12, 9, 1, 5,
    ]);
    expect(shardOf('a', 2 ** 32 - 1)).toBe(0xe40c292c);
  });

  it.prop([fc.string(), fc.integer({ min: 1, max: 1024 })])(
    'is a shard in [0, shards) and the same on every call',
    (name, shards) => {
      const shard = shardOf(name, shards);
      expect(Number.isInteger(shard) && shard >= 0 && shard < shards).toBe(true);
      expect(shardOf(name, shards)).toBe(shard);
    },
  );

  it('spreads names over the shards', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8_000; i++) {
      const shard = shardOf(`actor-${String(i)}`, 8);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });
});

describe('mailboxSubjects', () => {
  it.prop([fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.nat(1023)])(
    'puts any actor name in one token under its shard filter',
    (ns, actor, shard) => {
      const s = mailboxSubjects(ns);
      const subject = s.message(shard, actor);
      const filter = s.shardFilter(shard).slice(0, -1); // without the trailing '>'
      expect(subject.startsWith(filter)).toBe(true);
      expect(subject.slice(filter.length)).toMatch(/^[^.*>\s]+$/);
      expect(s.stream).toMatch(/^[^.*>\s/\\]+$/);
    },
  );
});

describe('StaticShardOwnership', () => {
  it('owns its shards from start to stop', async () => {
    const ownership = new StaticShardOwnership([1, 3]);
    const changes: OwnershipChange[] = [];
    await ownership.start((c) => changes.push(c));
    expect([...ownership.owned().keys()]).toEqual([1, 3]);
    await ownership.stop();
    expect(ownership.owned().size).toBe(0);
    expect(changes.map((c) => `${c.type}:${String(c.shard)}`)).toEqual([
      'acquired:1',
      'acquired:3',
      'lost:1',
      'lost:3',
    ]);
  });
});
