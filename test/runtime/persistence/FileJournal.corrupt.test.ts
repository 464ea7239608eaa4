import { fc, it } from '@fast-check/vitest';
import { copyFile, readFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { packr } from '../../../runtime/codec/index.js';
import { isRuntimeError } from '../../../runtime/errors/index.js';
import {
  FileJournal,
  encodeJournalEvent,
  type JournalEvent,
} from '../../../runtime/persistence/index.js';
import { actorFileStem } from '../../../runtime/persistence/internal/actorFileStem.js';
import { crc32 } from '../../../runtime/persistence/internal/crc32.js';
import { eventFixture, jsonDataArb, rejectionOf } from './conformance/fixtures.js';
import { makeTempDir } from './tempDir.js';

/** File-system tests reopen and fsync many times: generous on a loaded machine. */
const SLOW_MS = 60_000;

/** The documented header: 'AVJL' | u8 version | u64 base seq | u32 n | actor | u32 crc32. */
function header(actor: string, baseSeq = 0): Buffer {
  const name = Buffer.from(actor, 'utf8');
  const fixed = Buffer.alloc(17);
  fixed.write('AVJL', 0, 'latin1');
  fixed.writeUInt8(1, 4);
  fixed.writeBigUInt64BE(BigInt(baseSeq), 5);
  fixed.writeUInt32BE(name.byteLength, 13);
  const body = Buffer.concat([fixed, name]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([body, crc]);
}

/** The documented record: u32 length | u32 crc32(seq + payload) | u64 seq | payload. */
function record(seq: number, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt32BE(payload.byteLength, 0);
  head.writeBigUInt64BE(BigInt(seq), 8);
  head.writeUInt32BE(crc32(payload, crc32(head.subarray(8))), 4);
  return Buffer.concat([head, payload]);
}

/** The repairs of a journal as `[actor, truncatedBytes]`, each checked to give a reason. */
function repairsOf(journal: FileJournal): [string, number][] {
  return journal.repairs().map((r) => {
    expect(r.reason).not.toBe('');
    return [r.actor, r.truncatedBytes];
  });
}

describe('FileJournal with damaged files', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  const open: FileJournal[] = [];
  const fileOf = (dir: string, actor: string) => join(dir, `${actorFileStem(actor)}.journal`);

  async function openJournal(dir = temp.dir): Promise<FileJournal> {
    const journal = await FileJournal.open({ dir });
    open.push(journal);
    return journal;
  }

  /** Appends `events` one call each and closes; returns the file size before each append and after. */
  async function build(dir: string, actor: string, events: JournalEvent[]): Promise<number[]> {
    const journal = await openJournal(dir);
    const sizes: number[] = [];
    for (const event of events) {
      sizes.push(
        (await stat(fileOf(dir, actor)).catch(() => ({ size: header(actor).length }))).size,
      );
      await journal.append(actor, [event]);
    }
    sizes.push((await stat(fileOf(dir, actor))).size);
    await journal.close();
    return sizes;
  }

  /** Reopens `dir` and checks it holds exactly `events`, reported `repairs`, and appends on. */
  async function expectRepaired(
    dir: string,
    actor: string,
    events: JournalEvent[],
    truncatedBytes: number | undefined,
  ) {
    const journal = await openJournal(dir);
    const entries = await journal.read(actor, 0);
    expect(entries).toEqual(events.map((event, i) => ({ seq: i + 1, event })));
    expect(await journal.lastSeq(actor)).toBe(events.length);
    expect(repairsOf(journal)).toEqual(
      truncatedBytes === undefined ? [] : [[actor, truncatedBytes]],
    );
    expect(await journal.append(actor, [eventFixture('after-repair')])).toEqual([
      events.length + 1,
    ]);
    await journal.close();
    const again = await openJournal(dir);
    expect(again.repairs()).toEqual([]);
    expect((await again.read(actor, 0)).map((e) => e.event.id)).toEqual([
      ...events.map((e) => e.id),
      'after-repair',
    ]);
    await again.close();
  }

  beforeEach(async () => {
    temp = await makeTempDir('journal-corrupt');
  });
  afterEach(async () => {
    for (const journal of open.splice(0)) await journal.close();
    await temp.remove();
  });

  it('writes the documented format', async () => {
    const events = [eventFixture('e1', 1), eventFixture('e2', 2)];
    const journal = await openJournal();
    await journal.append('alice', events);
    const expected = Buffer.concat([
      header('alice'),
      record(1, encodeJournalEvent(events[0] as JournalEvent)),
      record(2, encodeJournalEvent(events[1] as JournalEvent)),
    ]);
    expect(await readFile(fileOf(temp.dir, 'alice'))).toEqual(expected);
    await journal.truncateBefore('alice', 2);
    expect(await readFile(fileOf(temp.dir, 'alice'))).toEqual(
      Buffer.concat([header('alice', 1), record(2, encodeJournalEvent(events[1] as JournalEvent))]),
    );
  });

  it(
    'cuts a tail torn at every offset inside the last record and reports it once',
    async () => {
      const events = [1, 2, 3].map((n) => eventFixture(`e${n}`, n));
      const sizes = await build(temp.dir, 'alice', events);
      const whole = await readFile(fileOf(temp.dir, 'alice'));
      const [start, end] = sizes.slice(-2) as [number, number];
      for (let cut = start + 1; cut < end; cut++) {
        await writeFile(fileOf(temp.dir, 'alice'), whole.subarray(0, cut));
        await expectRepaired(temp.dir, 'alice', events.slice(0, 2), cut - start);
      }
      await writeFile(fileOf(temp.dir, 'alice'), whole.subarray(0, start)); // a clean cut
      await expectRepaired(temp.dir, 'alice', events.slice(0, 2), undefined);
    },
    SLOW_MS,
  );

  let runs = 0;
  it.prop(
    [
      fc.array(jsonDataArb, { minLength: 1, maxLength: 5 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
    ],
    { numRuns: 60 },
  )(
    'keeps exactly the complete records whatever the data and the cut',
    async (data, where) => {
      const dir = join(temp.dir, `torn-${runs++}`);
      const events = data.map((d, i) => ({ ...eventFixture(`e${i}`, i), data: d }));
      const sizes = await build(dir, 'bob', events);
      const [start, end] = sizes.slice(-2) as [number, number];
      const cut = Math.min(end - 1, start + 1 + Math.floor(where * (end - start - 1)));
      await truncate(fileOf(dir, 'bob'), cut);
      await expectRepaired(dir, 'bob', events.slice(0, -1), cut - start);
    },
    SLOW_MS,
  );

  it.prop([fc.nat(), fc.nat(7)], { numRuns: 100 })(
    'cuts the last record when any one of its bits flips',
    async (position, bit) => {
      const dir = join(temp.dir, `flip-${runs++}`);
      const events = [1, 2, 3].map((n) => eventFixture(`e${n}`, n));
      const sizes = await build(dir, 'carol', events);
      const [start, end] = sizes.slice(-2) as [number, number];
      const bytes = await readFile(fileOf(dir, 'carol'));
      const at = start + (position % (end - start));
      bytes[at] = (bytes[at] as number) ^ (1 << bit);
      await writeFile(fileOf(dir, 'carol'), bytes);
      await expectRepaired(dir, 'carol', events.slice(0, 2), end - start);
    },
    SLOW_MS,
  );

  /**
   * Opens `dir` and checks that the actor's journal is refused with ERR_CORRUPT_DATA, reported
   * (nothing cut) and left byte for byte as it was, while other actors work.
   */
  async function expectRefused(dir: string, actor: string, bytes: Buffer) {
    const journal = await openJournal(dir);
    expect(repairsOf(journal)).toEqual([[actor, 0]]);
    for (const call of [
      () => journal.read(actor, 0),
      () => journal.append(actor, [eventFixture('after-corruption')]),
      () => journal.lastSeq(actor),
    ]) {
      expect((await rejectionOf(call)).code).toBe('ERR_CORRUPT_DATA');
    }
    expect(await readFile(fileOf(dir, actor))).toEqual(bytes);
    expect(await journal.append('someone-else', [eventFixture('e1')])).toEqual([1]);
    await journal.close();
    // Still refused (and still untouched) on the next open: nothing was cut for a person to miss.
    const again = await openJournal(dir);
    expect((await rejectionOf(() => again.read(actor, 0))).code).toBe('ERR_CORRUPT_DATA');
    expect(await readFile(fileOf(dir, actor))).toEqual(bytes);
    await again.close();
  }

  it('refuses a byte flipped in record 5 of 12 and keeps the file for a person', async () => {
    const events = Array.from({ length: 12 }, (_, i) => eventFixture(`e${i + 1}`, i + 1));
    const sizes = await build(temp.dir, 'alice', events);
    const bytes = await readFile(fileOf(temp.dir, 'alice'));
    const fifth = sizes[4] as number;
    bytes[fifth + 20] = (bytes[fifth + 20] as number) ^ 0x10; // inside record 5's payload
    await writeFile(fileOf(temp.dir, 'alice'), bytes);
    const journal = await openJournal();
    const error = await rejectionOf(() => journal.read('alice', 0));
    expect(error.details).toMatchObject({ offset: fifth, lastGoodSeq: 4 });
    await journal.close();
    await expectRefused(temp.dir, 'alice', bytes);
  });

  it.prop([fc.integer({ min: 1, max: 5 }), fc.nat(), fc.nat(7)], { numRuns: 60 })(
    'refuses any bit flipped in a record that is not the last one',
    async (victim, position, bit) => {
      const dir = join(temp.dir, `mid-flip-${runs++}`);
      const events = [1, 2, 3, 4, 5, 6].map((n) => eventFixture(`e${n}`, n));
      const sizes = await build(dir, 'dave', events);
      const [start, end] = [sizes[victim - 1], sizes[victim]] as [number, number];
      const bytes = await readFile(fileOf(dir, 'dave'));
      const at = start + (position % (end - start));
      bytes[at] = (bytes[at] as number) ^ (1 << bit);
      await writeFile(fileOf(dir, 'dave'), bytes);
      await expectRefused(dir, 'dave', bytes);
    },
    SLOW_MS,
  );

  it.prop([fc.nat(), fc.nat(7)], { numRuns: 80 })(
    'never loses a record silently: a flip anywhere is refused untouched or cuts only the last record',
    async (position, bit) => {
      const dir = join(temp.dir, `any-flip-${runs++}`);
      const events = [1, 2, 3, 4].map((n) => eventFixture(`e${n}`, n));
      const sizes = await build(dir, 'erin', events);
      const bytes = await readFile(fileOf(dir, 'erin'));
      const at = position % bytes.byteLength;
      bytes[at] = (bytes[at] as number) ^ (1 << bit);
      await writeFile(fileOf(dir, 'erin'), bytes);
      const journal = await openJournal(dir);
      const read = await journal.read('erin', 0).catch((e: unknown) => e);
      if (isRuntimeError(read)) {
        expect(read.code).toBe('ERR_CORRUPT_DATA');
        expect(await readFile(fileOf(dir, 'erin'))).toEqual(bytes);
        expect(at).toBeLessThan(sizes[3] as number); // never for a flip in the last record
        return;
      }
      const ids = (read as { event: JournalEvent }[]).map((e) => e.event.id);
      expect(ids).toEqual(at < (sizes[3] as number) ? [] : ['e1', 'e2', 'e3']);
    },
    SLOW_MS,
  );

  it('refuses records 3 and 4 swapped (both checksums valid) rather than cutting at 3', async () => {
    const events = [1, 2, 3, 4, 5, 6].map((n) => eventFixture(`e${n}`, n));
    const sizes = await build(temp.dir, 'alice', events);
    const bytes = await readFile(fileOf(temp.dir, 'alice'));
    const [s3, s4, s5] = [sizes[2], sizes[3], sizes[4]] as [number, number, number];
    const swapped = Buffer.concat([
      bytes.subarray(0, s3),
      bytes.subarray(s4, s5),
      bytes.subarray(s3, s4),
      bytes.subarray(s5),
    ]);
    await writeFile(fileOf(temp.dir, 'alice'), swapped);
    await expectRefused(temp.dir, 'alice', swapped);
  });

  it('refuses a record whose sequence skips ahead in the middle of the file', async () => {
    await build(temp.dir, 'alice', [eventFixture('e1')]);
    const bytes = await readFile(fileOf(temp.dir, 'alice'));
    const e2 = encodeJournalEvent(eventFixture('e2'));
    const e3 = encodeJournalEvent(eventFixture('e3'));
    const gapped = Buffer.concat([bytes, record(3, e2), record(4, e3)]);
    await writeFile(fileOf(temp.dir, 'alice'), gapped);
    await expectRefused(temp.dir, 'alice', gapped);
  });

  it('keeps appends made after a torn-tail repair across later restarts', async () => {
    const events = [1, 2, 3, 4].map((n) => eventFixture(`e${n}`, n));
    const sizes = await build(temp.dir, 'alice', events);
    await truncate(fileOf(temp.dir, 'alice'), (sizes.at(-1) as number) - 3);
    const journal = await openJournal();
    expect(repairsOf(journal)).toEqual([
      ['alice', (sizes[4] as number) - 3 - (sizes[3] as number)],
    ]);
    for (const n of [4, 5, 6]) {
      await journal.append('alice', [eventFixture(`new${n}`)], { expectedLastSeq: n - 1 });
    }
    await journal.truncateBefore('alice', 2);
    await journal.append('alice', [eventFixture('new7')], { expectedLastSeq: 6 });
    await journal.close();
    for (let restart = 0; restart < 3; restart++) {
      const again = await openJournal();
      expect(again.repairs()).toEqual([]);
      expect((await again.read('alice', 0)).map((e) => [e.seq, e.event.id])).toEqual([
        [2, 'e2'],
        [3, 'e3'],
        [4, 'new4'],
        [5, 'new5'],
        [6, 'new6'],
        [7, 'new7'],
      ]);
      await again.close();
    }
  });

  it('cuts zeros or garbage after the last record', async () => {
    const events = [eventFixture('e1'), eventFixture('e2')];
    await build(temp.dir, 'alice', events);
    const bytes = await readFile(fileOf(temp.dir, 'alice'));
    await writeFile(fileOf(temp.dir, 'alice'), Buffer.concat([bytes, Buffer.alloc(4096)]));
    await expectRepaired(temp.dir, 'alice', events, 4096);
    const grown = await readFile(fileOf(temp.dir, 'alice'));
    await writeFile(fileOf(temp.dir, 'alice'), Buffer.concat([grown, Buffer.from('{"x":1}\n')]));
    const journal = await openJournal();
    expect(repairsOf(journal)).toEqual([['alice', 8]]);
  });

  it('keeps a checksummed record that fails the schema, and reports it on read', async () => {
    await build(temp.dir, 'alice', [eventFixture('e1')]);
    const bogus = packr.pack({ ...eventFixture('e2'), kind: 'from-the-future' });
    const bytes = await readFile(fileOf(temp.dir, 'alice'));
    await writeFile(fileOf(temp.dir, 'alice'), Buffer.concat([bytes, record(2, bogus)]));
    const journal = await openJournal();
    expect(journal.repairs()).toEqual([]);
    expect(await journal.lastSeq('alice')).toBe(2);
    expect(await journal.read('alice', 0, { limit: 1 })).toHaveLength(1);
    expect((await rejectionOf(() => journal.read('alice', 0))).code).toBe('ERR_CORRUPT_DATA');
    expect(await journal.append('alice', [eventFixture('e2')])).toEqual([2]); // its id still dedupes
  });

  it('reports a damaged header, leaves the file alone and refuses that actor only', async () => {
    await build(temp.dir, 'alice', [eventFixture('e1')]);
    await build(temp.dir, 'bob', [eventFixture('b1')]);
    const bytes = await readFile(fileOf(temp.dir, 'alice'));
    bytes[6] = (bytes[6] as number) ^ 1; // inside the base sequence
    await writeFile(fileOf(temp.dir, 'alice'), bytes);
    const journal = await openJournal();
    expect(repairsOf(journal)).toEqual([['alice', 0]]);
    for (const call of [
      () => journal.read('alice', 0),
      () => journal.append('alice', [eventFixture('e2')]),
      () => journal.lastSeq('alice'),
    ]) {
      expect((await rejectionOf(call)).code).toBe('ERR_CORRUPT_DATA');
    }
    expect(await readFile(fileOf(temp.dir, 'alice'))).toEqual(bytes);
    expect(await journal.read('bob', 0)).toHaveLength(1);
  });

  it('refuses a journal file that belongs to another actor', async () => {
    await build(temp.dir, 'alice', [eventFixture('e1')]);
    await copyFile(fileOf(temp.dir, 'alice'), fileOf(temp.dir, 'bob'));
    const journal = await openJournal();
    expect(journal.repairs().map((r) => r.actor)).toEqual(['bob']);
    expect((await rejectionOf(() => journal.read('bob', 0))).code).toBe('ERR_CORRUPT_DATA');
    expect(await journal.read('alice', 0)).toHaveLength(1);
  });

  it('reports foreign .journal files, ignores other files and removes temp files', async () => {
    await writeFile(join(temp.dir, 'notes.txt'), 'hello');
    await writeFile(join(temp.dir, 'stray.journal'), JSON.stringify({ events: [] }));
    await writeFile(join(temp.dir, `${actorFileStem('alice')}.journal.1234.tmp`), 'half');
    const journal = await openJournal();
    expect(repairsOf(journal)).toEqual([['stray', 0]]);
    expect((await readdir(temp.dir)).sort()).toEqual(['notes.txt', 'stray.journal']);
    expect(await journal.append('alice', [eventFixture('e1')])).toEqual([1]);
  });

  it('detects a record damaged on disk after open when reading it', async () => {
    const journal = await openJournal();
    await journal.append('alice', [eventFixture('e1'), eventFixture('e2')]);
    const bytes = await readFile(fileOf(temp.dir, 'alice'));
    bytes[bytes.byteLength - 3] = (bytes[bytes.byteLength - 3] as number) ^ 4;
    await writeFile(fileOf(temp.dir, 'alice'), bytes);
    expect(await journal.read('alice', 0, { limit: 1 })).toHaveLength(1);
    expect((await rejectionOf(() => journal.read('alice', 1))).code).toBe('ERR_CORRUPT_DATA');
  });

  it('fails with ERR_STORE_UNAVAILABLE or ERR_INVALID_OPTIONS at open', async () => {
    await writeFile(join(temp.dir, 'plain-file'), '');
    const error = await rejectionOf(() => FileJournal.open({ dir: join(temp.dir, 'plain-file') }));
    expect(error.code).toBe('ERR_STORE_UNAVAILABLE');
    const bad = [
      { dir: '' },
      { dir: temp.dir, fsync: 'sometimes' },
      { dir: temp.dir, maxBytes: -1 },
    ];
    for (const options of bad) {
      const invalid = await rejectionOf(() => FileJournal.open(options as { dir: string }));
      expect(invalid.code).toBe('ERR_INVALID_OPTIONS');
    }
  });

  it('works the same without fsync', async () => {
    const journal = await FileJournal.open({ dir: temp.dir, fsync: 'never' });
    open.push(journal);
    expect(await journal.append('alice', [eventFixture('e1'), eventFixture('e2')])).toEqual([1, 2]);
    await journal.close();
    const reopened = await openJournal();
    expect(await reopened.lastSeq('alice')).toBe(2);
  });
});
