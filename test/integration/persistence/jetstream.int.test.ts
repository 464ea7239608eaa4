import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from 'agentvisor/testing';
import { JetStreamCheckpointStore, JetStreamJournal, readTrace, type Journal } from 'agentvisor';
import { describeCheckpointStoreConformance } from '../../runtime/persistence/conformance/checkpointStore.js';
import {
  checkpointFixture,
  eventFixture,
  rejectionOf,
} from '../../runtime/persistence/conformance/fixtures.js';
import { describeJournalConformance } from '../../runtime/persistence/conformance/journal.js';
import { describeRecoveryConformance } from '../../runtime/persistence/conformance/recovery.js';

// One nats-server for the file; every test gets its own bucket or stream.
let server: NatsServerHandle;
let nc: NatsConnection;
let serial = 0;
const fresh = (prefix: string): string => `${prefix}_${serial++}`;

beforeAll(async () => {
  server = await startNatsServer();
  nc = await connect({ servers: server.url });
});

afterAll(async () => {
  await nc.close();
  await server.stop();
});

/** Deletes a stream (a KV bucket is stream `KV_<bucket>`) once a test is done with it. */
async function dropStream(name: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(name).catch(() => false);
}

/** The KV key the store uses for an actor: `a.` + base64url of the name. */
const keyOf = (actor: string): string => `a.${Buffer.from(actor).toString('base64url')}`;

describeCheckpointStoreConformance('JetStreamCheckpointStore', async () => {
  const bucket = fresh('ckpt');
  const store = await JetStreamCheckpointStore.open(nc, { bucket });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dropStream(`KV_${bucket}`);
    },
  };
});

describeJournalConformance('JetStreamJournal', async () => {
  const options = { stream: fresh('JOURNAL'), subjectPrefix: fresh('jnl') };
  let current: Journal = await JetStreamJournal.open(nc, options);
  return {
    journal: current,
    reopen: async () => (current = await JetStreamJournal.open(nc, options)),
    cleanup: async () => {
      await current.close();
      await dropStream(options.stream);
    },
  };
});

describeRecoveryConformance('JetStreamCheckpointStore + JetStreamJournal', async () => {
  const bucket = fresh('rckpt');
  const options = { stream: fresh('RJOURNAL'), subjectPrefix: fresh('rjnl') };
  const store = await JetStreamCheckpointStore.open(nc, { bucket });
  let journal: Journal = await JetStreamJournal.open(nc, options);
  const kv = await new Kvm(nc).open(bucket);
  return {
    store,
    journal,
    // By hand, as a person with the nats CLI would: a new value under the actor's key.
    putRaw: async (actor, bytes) => {
      await kv.put(keyOf(actor), bytes);
    },
    // The stream deleted and created again: its sequences start over.
    loseJournal: async () => {
      await journal.close();
      await dropStream(options.stream);
      journal = await JetStreamJournal.open(nc, options);
      return journal;
    },
    knowsItsStart: false,
    cleanup: async () => {
      await store.close();
      await journal.close();
      await dropStream(`KV_${bucket}`);
      await dropStream(options.stream);
    },
  };
});

describe('JetStreamCheckpointStore on nats-server', () => {
  it('refuses a zombie writer holding an old revision', async () => {
    const bucket = fresh('zombie');
    const other = await connect({ servers: server.url });
    try {
      const owner = await JetStreamCheckpointStore.open(nc, { bucket });
      const zombie = await JetStreamCheckpointStore.open(other, { bucket });
      const first = await owner.put(checkpointFixture('agent', 1), { expectedRevision: 0 });
      const known = await zombie.latest('agent');
      expect(known?.revision).toBe(first.revision);
      // Failover: the new owner moves on while the zombie still holds `first`.
      const second = await owner.put(checkpointFixture('agent', 2), {
        expectedRevision: first.revision,
      });
      const error = await rejectionOf(() =>
        zombie.put(checkpointFixture('agent', 99), { expectedRevision: first.revision }),
      );
      expect(error.code).toBe('ERR_PERSISTENCE_CONFLICT');
      expect(error.details).toMatchObject({
        expectedRevision: first.revision,
        actualRevision: second.revision,
      });
      expect((await owner.latest('agent'))?.checkpoint).toEqual(checkpointFixture('agent', 2));
      await owner.close();
      await zombie.close();
    } finally {
      await other.close();
      await dropStream(`KV_${bucket}`);
    }
  });

  it('refuses a checkpoint over the server max_payload with ERR_VALUE_TOO_LARGE', async () => {
    const bucket = fresh('payload');
    const store = await JetStreamCheckpointStore.open(nc, { bucket, maxBytes: 10_000_000 });
    const maxPayload = nc.info?.max_payload ?? 0;
    expect(maxPayload).toBe(1024 * 1024);
    const huge = checkpointFixture('a', 1, { snapshot: 'x'.repeat(maxPayload) });
    const error = await rejectionOf(() => store.put(huge));
    expect(error.code).toBe('ERR_VALUE_TOO_LARGE');
    expect(await store.latest('a')).toBeUndefined();
    await store.close();
    await dropStream(`KV_${bucket}`);
  });

  it('skips a corrupt value in latest and reports it, leaving it out of list', async () => {
    const bucket = fresh('corrupt');
    const store = await JetStreamCheckpointStore.open(nc, { bucket });
    const good = await store.put(checkpointFixture('a', 1));
    const kv = await new Kvm(nc).open(bucket);
    const garbage = await kv.put(keyOf('a'), new Uint8Array([0xc1, 0xff, 0x00, 0x13]));
    // Valid msgpack, wrong schema: corrupt as well.
    const wrongShape = await kv.put(keyOf('a'), new Uint8Array([0x81, 0xa1, 0x76, 0x02]));

    const latest = await store.latest('a');
    expect(latest?.revision).toBe(good.revision);
    expect(latest?.checkpoint).toEqual(checkpointFixture('a', 1));
    expect(latest?.skipped.map((s) => [s.revision, s.error.code])).toEqual([
      [wrongShape, 'ERR_CORRUPT_DATA'],
      [garbage, 'ERR_CORRUPT_DATA'],
    ]);
    expect((await store.list('a')).map((i) => i.revision)).toEqual([good.revision]);
    expect((await rejectionOf(() => store.get('a', garbage))).code).toBe('ERR_CORRUPT_DATA');
    // Compare-and-set is against the newest value, corrupt or not.
    const conflict = await rejectionOf(() =>
      store.put(checkpointFixture('a', 2), { expectedRevision: good.revision }),
    );
    expect(conflict.code).toBe('ERR_PERSISTENCE_CONFLICT');
    await store.put(checkpointFixture('a', 2), { expectedRevision: wrongShape });
    await store.close();
    await dropStream(`KV_${bucket}`);
  });

  it('deletes the newest revision without losing compare-and-set on the one before', async () => {
    const bucket = fresh('newest');
    const store = await JetStreamCheckpointStore.open(nc, { bucket });
    const r1 = await store.put(checkpointFixture('a', 1));
    const r2 = await store.put(checkpointFixture('a', 2));
    await store.delete('a', r2.revision);
    expect((await store.latest('a'))?.revision).toBe(r1.revision);
    // The writer that knows r1 as the newest may put; one that knows r2 may not.
    const stale = await rejectionOf(() =>
      store.put(checkpointFixture('a', 9), { expectedRevision: r2.revision }),
    );
    expect(stale.code).toBe('ERR_PERSISTENCE_CONFLICT');
    const r3 = await store.put(checkpointFixture('a', 3), { expectedRevision: r1.revision });
    expect((await store.list('a')).map((i) => i.revision)).toEqual([r1.revision, r3.revision]);
    // The marker is gone: the next compare-and-set is a plain one.
    await store.put(checkpointFixture('a', 4), { expectedRevision: r3.revision });
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(`KV_${bucket}`);
    expect(info.state.messages).toBe(3);
    await store.close();
    await dropStream(`KV_${bucket}`);
  });

  it('fails with ERR_STORE_UNAVAILABLE once its connection is closed', async () => {
    const bucket = fresh('closed');
    const other = await connect({ servers: server.url });
    const store = await JetStreamCheckpointStore.open(other, { bucket });
    await store.put(checkpointFixture('a', 1));
    await other.close();
    const error = await rejectionOf(() => store.latest('a'));
    expect(error.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(error.cause).toBeInstanceOf(Error);
    await store.close();
    await dropStream(`KV_${bucket}`);
  });

  it('refuses an expectedRevision that is no revision rather than ignoring it', async () => {
    const bucket = fresh('badrev');
    const store = await JetStreamCheckpointStore.open(nc, { bucket });
    const { revision } = await store.put(checkpointFixture('a', 1));
    for (const expectedRevision of [-1, revision + 0.5, Number.NaN]) {
      const error = await rejectionOf(() =>
        store.put(checkpointFixture('a', 2), { expectedRevision }),
      );
      expect(error.code).toBe('ERR_PERSISTENCE_CONFLICT');
    }
    expect(await store.list('a')).toHaveLength(1);
    await store.close();
    await dropStream(`KV_${bucket}`);
  });

  it('refuses bad options with ERR_INVALID_OPTIONS', async () => {
    for (const options of [{ keep: 65 }, { keep: 0 }, { bucket: 'a.b' }, { maxBytes: -1 }]) {
      const error = await rejectionOf(() => JetStreamCheckpointStore.open(nc, options));
      expect(error.code).toBe('ERR_INVALID_OPTIONS');
    }
  });
});

describe('JetStreamJournal on nats-server', () => {
  it('refuses the stale one of two writers on one actor', async () => {
    const options = { stream: fresh('TWO'), subjectPrefix: fresh('two') };
    const other = await connect({ servers: server.url });
    try {
      const a = await JetStreamJournal.open(nc, options);
      const b = await JetStreamJournal.open(other, options);
      const [s1] = (await a.append('agent', [eventFixture('e1')], { expectedLastSeq: 0 })) as [
        number,
      ];
      // b takes over from s1 and appends; a still believes s1 is the last.
      const [s2] = (await b.append('agent', [eventFixture('e2')], { expectedLastSeq: s1 })) as [
        number,
      ];
      const error = await rejectionOf(() =>
        a.append('agent', [eventFixture('e3')], { expectedLastSeq: s1 }),
      );
      expect(error.code).toBe('ERR_PERSISTENCE_CONFLICT');
      expect(error.details).toMatchObject({ expectedLastSeq: s1, actualLastSeq: s2 });
      expect((await a.read('agent', 0)).map((e) => e.event.id)).toEqual(['e1', 'e2']);
      await a.close();
      await b.close();
    } finally {
      await other.close();
      await dropStream(options.stream);
    }
  });

  it('refuses a fenced batch mid-way when another writer appends between its events', async () => {
    const options = { stream: fresh('MID'), subjectPrefix: fresh('mid') };
    const journal = await JetStreamJournal.open(nc, options);
    const events = Array.from({ length: 400 }, (_, i) => eventFixture(`a${i}`, i));
    const batch = journal.append('agent', events, { expectedLastSeq: 0 });
    const outcome = batch.then(
      () => undefined,
      (e: unknown) => e,
    );
    // Wait until the batch is under way, then slip in an unfenced append.
    while ((await journal.lastSeq('agent')) === 0) {
      /* the batch's first ack has not landed yet */
    }
    const [intruder] = (await journal.append('agent', [eventFixture('intruder')])) as [number];
    const error = await outcome;
    expect(error).toMatchObject({ code: 'ERR_PERSISTENCE_CONFLICT' });
    const ids = (await journal.read('agent', 0)).map((e) => e.event.id);
    // The events acknowledged before the intruder stay; none of the batch follows it.
    expect(ids.at(-1)).toBe('intruder');
    expect(ids.slice(0, -1)).toEqual(events.slice(0, ids.length - 1).map((e) => e.id));
    expect(await journal.lastSeq('agent')).toBe(intruder);
    await journal.close();
    await dropStream(options.stream);
  });

  it('refuses an expectedLastSeq that is no sequence rather than ignoring it', async () => {
    const options = { stream: fresh('BADSEQ'), subjectPrefix: fresh('badseq') };
    const journal = await JetStreamJournal.open(nc, options);
    const [s1] = (await journal.append('a', [eventFixture('e1')])) as [number];
    for (const expectedLastSeq of [-1, s1 + 0.5, Number.NaN]) {
      const error = await rejectionOf(() =>
        journal.append('a', [eventFixture('e2')], { expectedLastSeq }),
      );
      expect(error.code).toBe('ERR_PERSISTENCE_CONFLICT');
    }
    expect(await journal.lastSeq('a')).toBe(s1);
    await journal.close();
    await dropStream(options.stream);
  });

  it('answers a re-published event id with the original sequence', async () => {
    const options = { stream: fresh('DEDUPE'), subjectPrefix: fresh('dd') };
    const journal = await JetStreamJournal.open(nc, options);
    const [s1] = (await journal.append('a', [eventFixture('e1', 1)])) as [number];
    await journal.append('b', [eventFixture('e1', 2)]); // another actor, same id: no dedupe
    expect(await journal.append('a', [eventFixture('e1', 3)])).toEqual([s1]);
    expect(await journal.append('a', [eventFixture('e1', 4)], { expectedLastSeq: s1 })).toEqual([
      s1,
    ]);
    // Ids that are not plain printable ASCII are encoded, never trimmed into one another.
    const odd = await journal.append('a', [
      eventFixture(' x'),
      eventFixture('x'),
      eventFixture('x '),
    ]);
    expect(new Set(odd).size).toBe(3);
    expect((await journal.read('a', 0)).map((e) => e.event)).toEqual([
      eventFixture('e1', 1),
      eventFixture(' x'),
      eventFixture('x'),
      eventFixture('x '),
    ]);
    expect((await journal.read('b', 0)).map((e) => e.event)).toEqual([eventFixture('e1', 2)]);
    await journal.close();
    await dropStream(options.stream);
  });

  it('reads long journals through a consumer, in order, within limits', async () => {
    const options = { stream: fresh('LONG'), subjectPrefix: fresh('long') };
    const journal = await JetStreamJournal.open(nc, options);
    const events = Array.from({ length: 600 }, (_, i) => eventFixture(`e${i}`, i));
    // Interleave another actor so the sequences of `a` are not contiguous.
    const seqs: number[] = [];
    for (let i = 0; i < events.length; i += 100) {
      seqs.push(...(await journal.append('a', events.slice(i, i + 100))));
      await journal.append('b', [eventFixture(`b${i}`)]);
    }
    const all = await journal.read('a', 0);
    expect(all.map((e) => e.seq)).toEqual(seqs);
    expect(all.map((e) => e.event)).toEqual(events);
    const page = await journal.read('a', seqs[99] as number, { limit: 300 });
    expect(page.map((e) => e.event.id)).toEqual(events.slice(100, 400).map((e) => e.id));
    await journal.truncateBefore('a', seqs[450] as number);
    expect((await journal.read('a', 0)).map((e) => e.seq)).toEqual(seqs.slice(450));
    await journal.close();
    await dropStream(options.stream);
  });

  it('refuses an event over the server max_payload with ERR_VALUE_TOO_LARGE', async () => {
    const options = { stream: fresh('BIG'), subjectPrefix: fresh('big'), maxBytes: 10_000_000 };
    const journal = await JetStreamJournal.open(nc, options);
    const huge = { ...eventFixture('huge'), data: 'x'.repeat(1024 * 1024) };
    expect((await rejectionOf(() => journal.append('a', [huge]))).code).toBe('ERR_VALUE_TOO_LARGE');
    expect(await journal.lastSeq('a')).toBe(0);
    await journal.close();
    await dropStream(options.stream);
  });

  it('refuses a stream that does not take its subjects, and bad options', async () => {
    const jsm = await jetstreamManager(nc);
    const stream = fresh('OTHER');
    await jsm.streams.add({ name: stream, subjects: [`${stream}.elsewhere`] });
    const mismatch = await rejectionOf(() =>
      JetStreamJournal.open(nc, { stream, subjectPrefix: 'av.x' }),
    );
    expect(mismatch.code).toBe('ERR_INVALID_OPTIONS');
    for (const options of [{ stream: 'a.b' }, { subjectPrefix: 'a.*' }, { duplicateWindowMs: 0 }]) {
      expect((await rejectionOf(() => JetStreamJournal.open(nc, options))).code).toBe(
        'ERR_INVALID_OPTIONS',
      );
    }
    await dropStream(stream);
  });

  it('opened read-only, creates no stream: reads see an empty journal, writes are refused', async () => {
    const options = { stream: fresh('RO'), subjectPrefix: fresh('ro') };
    const jsm = await jetstreamManager(nc);
    const streams = async () => (await jsm.streams.names().next()).includes(options.stream);
    const reader = await JetStreamJournal.open(nc, { ...options, readOnly: true });
    expect(await reader.read('a', 0)).toEqual([]);
    expect(await reader.lastSeq('a')).toBe(0);
    expect(await readTrace(reader, 'a')).toEqual([]);
    for (const call of [
      () => reader.append('a', [eventFixture('e1')]),
      () => reader.truncateBefore('a', 5),
    ]) {
      expect((await rejectionOf(call)).code).toBe('ERR_INVALID_OPTIONS');
    }
    expect(await streams()).toBe(false);
    // A writer creates the stream later: the same reader sees what it appends.
    const writer = await JetStreamJournal.open(nc, options);
    const [seq] = await writer.append('a', [eventFixture('e1')]);
    expect(await reader.lastSeq('a')).toBe(seq);
    expect((await reader.read('a', 0)).map((e) => e.event.id)).toEqual(['e1']);
    await reader.close();
    await writer.close();
    await dropStream(options.stream);
  });
});
