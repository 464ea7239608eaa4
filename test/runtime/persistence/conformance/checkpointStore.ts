import { fc, it } from '@fast-check/vitest';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import type { CheckpointStore } from '../../../../runtime/persistence/index.js';
import { ODD_ACTOR_NAMES, checkpointFixture, jsonDataArb, rejectionOf } from './fixtures.js';

/** File-system tests reopen and fsync many times: generous on a loaded machine. */
const SLOW_MS = 60_000;

/** What a conformance factory hands the suite: a fresh, empty store and how to dispose of it. */
export interface CheckpointStoreUnderTest {
  readonly store: CheckpointStore;
  /** Closes the store (a second close must be harmless) and removes what it stored. */
  cleanup(): Promise<void>;
}

/**
 * The behaviour every {@link CheckpointStore} must show (memory, file, JetStream KV). Call it at
 * the top level of a test file; `factory` runs before each test. The store must take checkpoints
 * of at least 100 kB and refuse ones over 1 MB (the default `maxBytes`).
 */
export function describeCheckpointStoreConformance(
  name: string,
  factory: () => Promise<CheckpointStoreUnderTest>,
): void {
  describe(`CheckpointStore conformance: ${name}`, () => {
    let subject: CheckpointStoreUnderTest;
    let store: CheckpointStore;

    beforeEach(async () => {
      subject = await factory();
      store = subject.store;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('knows nothing of an actor that never stored a checkpoint', async () => {
      expect(await store.latest('nobody')).toBeUndefined();
      expect(await store.get('nobody', 1)).toBeUndefined();
      expect(await store.list('nobody')).toEqual([]);
      expect(await store.retain('nobody', 1)).toBe(0);
      await store.delete('nobody');
    });

    it('round-trips a checkpoint through put, latest, get and list', async () => {
      const checkpoint = checkpointFixture('alice', 7);
      const { revision } = await store.put(checkpoint);
      expect(revision).toBeGreaterThan(0);
      expect(await store.latest('alice')).toEqual({ checkpoint, revision, skipped: [] });
      expect(await store.get('alice', revision)).toEqual({ checkpoint, revision });
      const list = await store.list('alice');
      expect(list.map(({ size: _, ...info }) => info)).toEqual([
        { revision, journalSeq: 7, createdAt: checkpoint.createdAt },
      ]);
      expect(list[0]?.size).toBeGreaterThan(0);
    });

    it.prop([jsonDataArb, fc.oneof(fc.nat(), fc.string({ maxLength: 20 }))], { numRuns: 25 })(
      'round-trips any JSON snapshot and machine version',
      async (snapshot, machineVersion) => {
        const checkpoint = checkpointFixture('json', 1, { snapshot, machineVersion });
        const { revision } = await store.put(checkpoint);
        expect(await store.get('json', revision)).toEqual({ checkpoint, revision });
      },
      SLOW_MS,
    );

    it('gives each put of an actor a higher revision and keeps actors apart', async () => {
      const a1 = await store.put(checkpointFixture('a', 1));
      const b1 = await store.put(checkpointFixture('b', 1));
      const a2 = await store.put(checkpointFixture('a', 2));
      const a3 = await store.put(checkpointFixture('a', 3));
      expect(a2.revision).toBeGreaterThan(a1.revision);
      expect(a3.revision).toBeGreaterThan(a2.revision);
      expect((await store.latest('a'))?.checkpoint).toEqual(checkpointFixture('a', 3));
      expect((await store.latest('b'))?.checkpoint).toEqual(checkpointFixture('b', 1));
      expect((await store.list('a')).map((i) => i.revision)).toEqual([
        a1.revision,
        a2.revision,
        a3.revision,
      ]);
      expect((await store.list('b')).map((i) => i.revision)).toEqual([b1.revision]);
      expect((await store.get('a', a2.revision))?.checkpoint).toEqual(checkpointFixture('a', 2));
    });

    it('accepts expectedRevision 0 for an actor with no checkpoint', async () => {
      const { revision } = await store.put(checkpointFixture('a', 1), { expectedRevision: 0 });
      expect((await store.latest('a'))?.revision).toBe(revision);
    });

    it('accepts the newest revision as expectedRevision', async () => {
      const first = await store.put(checkpointFixture('a', 1));
      const second = await store.put(checkpointFixture('a', 2), {
        expectedRevision: first.revision,
      });
      expect((await store.latest('a'))?.revision).toBe(second.revision);
    });

    it('refuses a stale expectedRevision with ERR_PERSISTENCE_CONFLICT and stores nothing', async () => {
      const first = await store.put(checkpointFixture('a', 1));
      const second = await store.put(checkpointFixture('a', 2));
      const stale = [0, first.revision, second.revision + 1000];
      for (const expectedRevision of stale) {
        const error = await rejectionOf(() =>
          store.put(checkpointFixture('a', 99), { expectedRevision }),
        );
        expect(error.code).toBe('ERR_PERSISTENCE_CONFLICT');
      }
      expect((await store.latest('a'))?.checkpoint).toEqual(checkpointFixture('a', 2));
      expect(await store.list('a')).toHaveLength(2);
    });

    it('lets exactly one of several concurrent puts with the same expectedRevision win', async () => {
      const base = await store.put(checkpointFixture('a', 1));
      const outcomes = await Promise.allSettled(
        [2, 3, 4, 5].map((n) =>
          Promise.resolve().then(() =>
            store.put(checkpointFixture('a', n), { expectedRevision: base.revision }),
          ),
        ),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(3);
      for (const reason of lost) expect(reason).toMatchObject({ code: 'ERR_PERSISTENCE_CONFLICT' });
      const winner = outcomes.findIndex((o) => o.status === 'fulfilled');
      expect((await store.latest('a'))?.checkpoint).toEqual(checkpointFixture('a', 2 + winner));
      expect(await store.list('a')).toHaveLength(2);
    });

    it('keeps the newest K checkpoints on retain and says how many it deleted', async () => {
      const revisions: number[] = [];
      for (let n = 1; n <= 5; n++)
        revisions.push((await store.put(checkpointFixture('a', n))).revision);
      await store.put(checkpointFixture('b', 1));
      expect(await store.retain('a', 10)).toBe(0);
      expect(await store.retain('a', 3)).toBe(2);
      expect((await store.list('a')).map((i) => i.revision)).toEqual(revisions.slice(2));
      expect(await store.get('a', revisions[0] as number)).toBeUndefined();
      expect((await store.latest('a'))?.checkpoint).toEqual(checkpointFixture('a', 5));
      expect(await store.retain('a', 1)).toBe(2);
      expect((await store.list('a')).map((i) => i.revision)).toEqual(revisions.slice(4));
      expect(await store.list('b')).toHaveLength(1);
    });

    it('deletes one checkpoint by revision, the newest included', async () => {
      const r = [];
      for (let n = 1; n <= 3; n++) r.push((await store.put(checkpointFixture('a', n))).revision);
      const [r1, r2, r3] = r as [number, number, number];
      await store.delete('a', r2);
      expect(await store.get('a', r2)).toBeUndefined();
      expect((await store.list('a')).map((i) => i.revision)).toEqual([r1, r3]);
      await store.delete('a', r3);
      expect(await store.latest('a')).toMatchObject({ revision: r1, skipped: [] });
      await store.delete('a', r3 + 1000); // absent: a no-op
      expect((await store.list('a')).map((i) => i.revision)).toEqual([r1]);
    });

    it('deletes every checkpoint of an actor and none of another', async () => {
      await store.put(checkpointFixture('a', 1));
      await store.put(checkpointFixture('a', 2));
      await store.put(checkpointFixture('b', 1));
      await store.delete('a');
      expect(await store.latest('a')).toBeUndefined();
      expect(await store.list('a')).toEqual([]);
      expect((await store.latest('b'))?.checkpoint).toEqual(checkpointFixture('b', 1));
    });

    it('never reuses a revision once the newest was deleted', async () => {
      await store.put(checkpointFixture('a', 1));
      const second = await store.put(checkpointFixture('a', 2));
      await store.delete('a', second.revision);
      const third = await store.put(checkpointFixture('a', 3));
      expect(third.revision).toBeGreaterThan(second.revision);
      await store.delete('a');
      const fourth = await store.put(checkpointFixture('a', 4), { expectedRevision: 0 });
      expect(fourth.revision).toBeGreaterThan(third.revision);
      const error = await rejectionOf(() =>
        store.put(checkpointFixture('a', 5), { expectedRevision: third.revision }),
      );
      expect(error.code).toBe('ERR_PERSISTENCE_CONFLICT');
    });

    it('refuses a checkpoint over the size limit with ERR_VALUE_TOO_LARGE and stores nothing', async () => {
      const huge = checkpointFixture('a', 1, { snapshot: { blob: 'x'.repeat(1_100_000) } });
      expect((await rejectionOf(() => store.put(huge))).code).toBe('ERR_VALUE_TOO_LARGE');
      expect(await store.latest('a')).toBeUndefined();
      expect(await store.list('a')).toEqual([]);
      const big = checkpointFixture('a', 2, { snapshot: { blob: 'x'.repeat(100_000) } });
      const { revision } = await store.put(big);
      expect(await store.get('a', revision)).toEqual({ checkpoint: big, revision });
    });

    it('stores actors whose names are awkward as file names, subjects or keys', async () => {
      for (const [i, actor] of ODD_ACTOR_NAMES.entries()) {
        await store.put(checkpointFixture(actor, i));
      }
      for (const [i, actor] of ODD_ACTOR_NAMES.entries()) {
        const latest = await store.latest(actor);
        expect(latest?.checkpoint).toEqual(checkpointFixture(actor, i));
        expect(await store.list(actor)).toHaveLength(1);
      }
      await store.delete('A');
      expect(await store.latest('A')).toBeUndefined();
      expect((await store.latest('a'))?.checkpoint).toEqual(
        checkpointFixture('a', ODD_ACTOR_NAMES.indexOf('a')),
      );
    });

    it('refuses every call with ERR_CLOSED once closed', async () => {
      await store.put(checkpointFixture('a', 1));
      await store.close();
      const calls: (() => unknown)[] = [
        () => store.put(checkpointFixture('a', 2)),
        () => store.latest('a'),
        () => store.get('a', 1),
        () => store.list('a'),
        () => store.delete('a'),
        () => store.retain('a', 0),
      ];
      for (const call of calls) expect((await rejectionOf(call)).code).toBe('ERR_CLOSED');
    });
  });
}
