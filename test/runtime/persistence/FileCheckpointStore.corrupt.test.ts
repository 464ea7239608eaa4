import { fc, it } from '@fast-check/vitest';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { packr } from '../../../runtime/codec/index.js';
import {
  FileCheckpointStore,
  encodeCheckpoint,
  type Checkpoint,
} from '../../../runtime/persistence/index.js';
import { actorFileStem } from '../../../runtime/persistence/internal/actorFileStem.js';
import { crc32 } from '../../../runtime/persistence/internal/crc32.js';
import { checkpointFixture, rejectionOf } from './conformance/fixtures.js';
import { makeTempDir } from './tempDir.js';

/** File-system tests reopen and fsync many times: generous on a loaded machine. */
const SLOW_MS = 60_000;

/** The documented file format: 'AVCK' | u8 version | u32 length | u32 crc32 | payload. */
function frame(payload: Uint8Array, version = 1): Buffer {
  const header = Buffer.alloc(13);
  header.write('AVCK', 0, 'latin1');
  header.writeUInt8(version, 4);
  header.writeUInt32BE(payload.byteLength, 5);
  header.writeUInt32BE(crc32(payload), 9);
  return Buffer.concat([header, payload]);
}

describe('FileCheckpointStore with damaged files', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  let store: FileCheckpointStore;
  const actorDir = (actor: string) => join(temp.dir, actorFileStem(actor));
  const fileOf = (actor: string, revision: number) =>
    join(actorDir(actor), `${String(revision).padStart(16, '0')}.ckpt`);

  /** Puts two checkpoints of `actor`; returns their revisions. */
  async function twoCheckpoints(actor: string): Promise<[number, number]> {
    const first = await store.put(checkpointFixture(actor, 1));
    const second = await store.put(checkpointFixture(actor, 2));
    return [first.revision, second.revision];
  }

  /** latest falls back to checkpoint 1 and reports `bad` (newest first) as corrupt. */
  async function expectFallback(actor: string, good: number, bad: readonly number[]) {
    const latest = await store.latest(actor);
    expect(latest?.revision).toBe(good);
    expect(latest?.checkpoint).toEqual(checkpointFixture(actor, 1));
    expect(latest?.skipped.map((s) => s.revision)).toEqual(bad);
    for (const s of latest?.skipped ?? []) expect(s.error.code).toBe('ERR_CORRUPT_DATA');
  }

  beforeEach(async () => {
    temp = await makeTempDir('ckpt-corrupt');
    store = await FileCheckpointStore.open({ dir: temp.dir });
  });
  afterEach(async () => {
    await store.close();
    await temp.remove();
  });

  it('writes the documented format', async () => {
    const checkpoint = checkpointFixture('alice', 1);
    const { revision } = await store.put(checkpoint);
    const bytes = await readFile(fileOf('alice', revision));
    expect(bytes).toEqual(frame(encodeCheckpoint(checkpoint)));
    expect(await readdir(temp.dir)).toEqual([Buffer.from('alice').toString('hex')]);
  });

  it('skips a truncated newest checkpoint, cut anywhere', async () => {
    const [r1, r2] = await twoCheckpoints('alice');
    const whole = await readFile(fileOf('alice', r2));
    for (const cut of [0, 3, 12, 13, 20, whole.byteLength - 1]) {
      await writeFile(fileOf('alice', r2), whole.subarray(0, cut));
      await expectFallback('alice', r1, [r2]);
      expect((await rejectionOf(() => store.get('alice', r2))).code).toBe('ERR_CORRUPT_DATA');
      expect((await store.list('alice')).map((i) => i.revision)).toEqual([r1]);
    }
  });

  let flips = 0;
  it.prop([fc.nat(), fc.nat(7)], { numRuns: 100 })(
    'skips the newest checkpoint when any one of its bits flips, and never throws',
    async (position, bit) => {
      const actor = `flip-${flips++}`;
      const [r1, r2] = await twoCheckpoints(actor);
      const bytes = await readFile(fileOf(actor, r2));
      const at = position % bytes.byteLength;
      bytes[at] = (bytes[at] as number) ^ (1 << bit);
      await writeFile(fileOf(actor, r2), bytes);
      await expectFallback(actor, r1, [r2]);
    },
    SLOW_MS,
  );

  it('skips foreign files named like checkpoints and ignores other files', async () => {
    const [r1] = await twoCheckpoints('alice');
    await store.delete('alice', r1 + 1);
    await writeFile(fileOf('alice', r1 + 5), Buffer.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3]));
    await writeFile(fileOf('alice', r1 + 6), JSON.stringify(checkpointFixture('alice', 9)));
    await writeFile(join(actorDir('alice'), 'notes.json'), '{"hello":"world"}');
    await writeFile(join(actorDir('alice'), '12.ckpt'), 'not a 16-digit name');
    await expectFallback('alice', r1, [r1 + 6, r1 + 5]);
    expect((await store.list('alice')).map((i) => i.revision)).toEqual([r1]);
    const { revision } = await store.put(checkpointFixture('alice', 3), {
      expectedRevision: r1 + 6,
    });
    expect(revision).toBe(r1 + 7);
    expect(await readdir(actorDir('alice'))).toContain('notes.json');
  });

  it('skips a checkpoint that decodes but fails the schema', async () => {
    const [r1, r2] = await twoCheckpoints('alice');
    const future = { ...checkpointFixture('alice', 2), v: 2 };
    await writeFile(fileOf('alice', r2), frame(packr.pack(future)));
    await expectFallback('alice', r1, [r2]);
    await writeFile(fileOf('alice', r2), frame(packr.pack('just a string')));
    await expectFallback('alice', r1, [r2]);
    await writeFile(fileOf('alice', r2), frame(Buffer.from([0xc1]))); // never-used msgpack byte
    await expectFallback('alice', r1, [r2]);
  });

  it('skips a valid checkpoint of another actor found in this actor’s directory', async () => {
    const [r1, r2] = await twoCheckpoints('alice');
    const bobs: Checkpoint = checkpointFixture('bob', 2);
    await writeFile(fileOf('alice', r2), frame(encodeCheckpoint(bobs)));
    await expectFallback('alice', r1, [r2]);
  });

  it('skips an unknown file format version', async () => {
    const [r1, r2] = await twoCheckpoints('alice');
    await writeFile(fileOf('alice', r2), frame(encodeCheckpoint(checkpointFixture('alice', 2)), 2));
    await expectFallback('alice', r1, [r2]);
  });

  it('returns undefined when every checkpoint is corrupt', async () => {
    const [r1, r2] = await twoCheckpoints('alice');
    await writeFile(fileOf('alice', r1), 'garbage');
    await writeFile(fileOf('alice', r2), '');
    expect(await store.latest('alice')).toBeUndefined();
    expect(await store.list('alice')).toEqual([]);
  });

  it('counts a corrupt newest checkpoint for compare-and-set, and never overwrites it', async () => {
    const [r1, r2] = await twoCheckpoints('alice');
    await writeFile(fileOf('alice', r2), 'torn');
    const error = await rejectionOf(() =>
      store.put(checkpointFixture('alice', 3), { expectedRevision: r1 }),
    );
    expect(error.code).toBe('ERR_PERSISTENCE_CONFLICT');
    expect(error.details).toMatchObject({ expectedRevision: r1, actualRevision: r2 });
    const { revision } = await store.put(checkpointFixture('alice', 3), { expectedRevision: r2 });
    expect(revision).toBe(r2 + 1);
    expect(await readFile(fileOf('alice', r2), 'utf8')).toBe('torn');
    expect(await store.latest('alice')).toMatchObject({ revision, skipped: [] });
  });

  it('retains the newest valid checkpoints, never dropping good ones for corrupt ones', async () => {
    const revisions: number[] = [];
    for (let n = 1; n <= 5; n++) {
      revisions.push((await store.put(checkpointFixture('alice', n))).revision);
    }
    const [r1, r2, r3, r4, r5] = revisions as [number, number, number, number, number];
    await writeFile(fileOf('alice', r5), 'corrupt');
    await writeFile(fileOf('alice', r3), 'corrupt');
    expect(await store.retain('alice', 5)).toBe(0);
    expect(await store.retain('alice', 2)).toBe(1); // keeps r4 and r2 (r3, r5 between stay)
    expect((await store.list('alice')).map((i) => i.revision)).toEqual([r2, r4]);
    expect(await store.get('alice', r1)).toBeUndefined();
    expect((await store.latest('alice'))?.skipped.map((s) => s.revision)).toEqual([r5]);
  });

  it('refuses a checkpoint over maxBytes with ERR_VALUE_TOO_LARGE and writes no file', async () => {
    const small = await FileCheckpointStore.open({ dir: join(temp.dir, 'small'), maxBytes: 300 });
    const big = checkpointFixture('alice', 1, { snapshot: 'x'.repeat(400) });
    const error = await rejectionOf(() => small.put(big));
    expect(error.code).toBe('ERR_VALUE_TOO_LARGE');
    expect(error.details).toMatchObject({ maxBytes: 300 });
    expect(await readdir(join(temp.dir, 'small'))).toEqual([]);
    await small.put(checkpointFixture('alice', 1));
    await small.close();
  });

  it('ignores temp files a crashed writer left and sweeps them on the next put', async () => {
    const [r1, r2] = await twoCheckpoints('alice');
    const leftover = join(actorDir('alice'), `${String(r2 + 1).padStart(16, '0')}.ckpt.0a1b.tmp`);
    await writeFile(leftover, 'half a checkpoint');
    expect(await store.latest('alice')).toMatchObject({ revision: r2, skipped: [] });
    expect((await store.list('alice')).map((i) => i.revision)).toEqual([r1, r2]);
    await store.put(checkpointFixture('alice', 3));
    expect((await readdir(actorDir('alice'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('fails with ERR_STORE_UNAVAILABLE when the file system does', async () => {
    await writeFile(join(temp.dir, 'plain-file'), '');
    const error = await rejectionOf(() =>
      FileCheckpointStore.open({ dir: join(temp.dir, 'plain-file', 'sub') }),
    );
    expect(error.code).toBe('ERR_STORE_UNAVAILABLE');
    expect(error.cause).toBeInstanceOf(Error);
    // The actor's directory is a file: every call on that actor fails, others work.
    await writeFile(actorDir('alice'), 'in the way');
    for (const call of [
      () => store.put(checkpointFixture('alice', 1)),
      () => store.latest('alice'),
      () => store.list('alice'),
    ]) {
      expect((await rejectionOf(call)).code).toBe('ERR_STORE_UNAVAILABLE');
    }
    await store.put(checkpointFixture('bob', 1));
  });

  it('validates its options and the actor name', async () => {
    for (const options of [{ dir: '' }, { dir: temp.dir, maxBytes: 0 }, { dir: temp.dir, x: 1 }]) {
      const error = await rejectionOf(() => FileCheckpointStore.open(options));
      expect(error.code).toBe('ERR_INVALID_OPTIONS');
    }
    expect((await rejectionOf(() => store.latest(''))).code).toBe('ERR_INVALID_OPTIONS');
  });

  it('keeps a new actor directory after a put even when the store is reopened', async () => {
    await mkdir(join(temp.dir, 'unrelated-dir'));
    const { revision } = await store.put(checkpointFixture('alice', 1));
    const reopened = await FileCheckpointStore.open({ dir: temp.dir });
    expect(await reopened.latest('alice')).toMatchObject({ revision, skipped: [] });
    await reopened.close();
  });
});
