import { readFile, readdir, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FileCheckpointStore,
  FileJournal,
  createActorSystem,
  isRuntimeError,
  type ActorSystem,
  type PersistenceOptions,
} from 'agentvisor';
import { TestClock } from 'agentvisor/testing';
import { actorFileStem } from '../../../runtime/persistence/internal/actorFileStem.js';
import { counterMachine } from '../system/fixtures.js';
import { makeTempDir } from './tempDir.js';

/** Checkpoints only on demand: the journal keeps every message (no truncation). */
const NO_AUTO_CHECKPOINT = { everySteps: 1_000_000, onSettled: false };

describe('durable actors on damaged file stores', () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  const opened: { close(): Promise<void> }[] = [];
  const systems: ActorSystem[] = [];
  const journalFile = (actor: string) =>
    join(temp.dir, 'journal', `${actorFileStem(actor)}.journal`);

  beforeEach(async () => {
    temp = await makeTempDir('journal-recovery');
  });
  afterEach(async () => {
    for (const system of systems.splice(0)) await system.shutdown();
    for (const o of opened.splice(0)) await o.close();
    await temp.remove();
  });

  /** A "process": its own system and its own opening of the stores on disk. */
  async function processOn(
    policy: PersistenceOptions['policy'] = NO_AUTO_CHECKPOINT,
  ): Promise<{ system: ActorSystem; persistence: PersistenceOptions }> {
    const store = await FileCheckpointStore.open({ dir: join(temp.dir, 'checkpoints') });
    const journal = await FileJournal.open({ dir: join(temp.dir, 'journal') });
    opened.push(store, journal);
    const system = createActorSystem({}, { clock: new TestClock() });
    systems.push(system);
    const persistence = {
      store,
      journal,
      machineId: 'counter',
      machineVersion: 1,
      policy,
    };
    return { system, persistence };
  }

  /**
   * Starts `c` in a new process, sends `count` incs, answers the count; then the process ends,
   * waiting up to `shutdownTimeoutMs` for a checkpoint write in flight (0: it goes down without).
   */
  async function run(
    count: number,
    policy?: PersistenceOptions['policy'],
    shutdownTimeoutMs?: number,
  ): Promise<unknown> {
    const { system, persistence } = await processOn(policy);
    await system.spawnDurable('c', counterMachine, { persistence });
    for (let i = 0; i < count; i++) system.tell('c', 'inc');
    const state = await system.ask('c', 'get');
    await system.shutdown(shutdownTimeoutMs === undefined ? {} : { timeoutMs: shutdownTimeoutMs });
    for (const o of opened.splice(0)) await o.close();
    return state;
  }

  it('refuses to start on a byte flipped in record 5 of 12, leaving the file for a person', async () => {
    expect(await run(12)).toBe(12);
    const bytes = await readFile(journalFile('c'));
    // Records are alike in size: record 5 starts about 4/13 of the way in (12 incs and a get).
    const at = Math.floor((bytes.byteLength * 4.5) / 13);
    bytes[at] = (bytes[at] as number) ^ 0x40;
    await writeFile(journalFile('c'), bytes);
    const { system, persistence } = await processOn();
    const refused: unknown = await system
      .spawnDurable('c', counterMachine, { persistence })
      .catch((e: unknown) => e);
    expect(isRuntimeError(refused, 'ERR_CORRUPT_DATA')).toBe(true);
    expect(await readFile(journalFile('c'))).toEqual(bytes);
  });

  it('keeps what it acknowledged after a torn-tail repair across the next restarts', async () => {
    expect(await run(12)).toBe(12);
    // The last record (the `get`) torn by a crash mid-write.
    await truncate(journalFile('c'), (await stat(journalFile('c'))).size - 5);
    expect(await run(3)).toBe(15);
    expect(await run(0)).toBe(15);
    expect(await run(1)).toBe(16);
  });

  it('skips a newest checkpoint file damaged in place and keeps running', async () => {
    const damage: [string, (bytes: Buffer) => Buffer][] = [
      ['truncated', (b) => b.subarray(0, Math.floor(b.byteLength / 2))],
      ['bit-flipped', (b) => Buffer.from(b.map((x, i) => (i === b.byteLength - 9 ? x ^ 4 : x)))],
      ['emptied', () => Buffer.alloc(0)],
    ];
    const policy = { everySteps: 1 };
    let count = 0;
    for (const [kind, harm] of damage) {
      count += 3;
      expect(await run(3, policy), kind).toBe(count);
      const dir = join(temp.dir, 'checkpoints', actorFileStem('c'));
      const newest = join(
        dir,
        (await readdir(dir))
          .filter((n) => n.endsWith('.ckpt'))
          .sort()
          .at(-1) ?? '',
      );
      await writeFile(newest, harm(await readFile(newest)));
      const { system, persistence } = await processOn(policy);
      const failures: unknown[] = [];
      system.onLifecycle((e) => {
        if (e.type === 'failed') failures.push(e.error);
      });
      await system.spawnDurable('c', counterMachine, { persistence });
      expect(await system.ask('c', 'get'), kind).toBe(count);
      system.tell('c', 'inc');
      count += 1;
      expect(await system.ask('c', 'get'), kind).toBe(count);
      await system.checkpoint('c');
      expect(failures, kind).toEqual([]);
      await system.shutdown();
      for (const o of opened.splice(0)) await o.close();
    }
    expect(await run(0, policy)).toBe(count);
  });

  it('keeps them too when checkpoints and truncation run meanwhile', async () => {
    const policy = { everySteps: 5, keep: 2 };
    // The tail torn below is the last record's: this process went down mid-write, before the
    // checkpoint coalesced behind step 10 (taken at the `get`, seq 13) could land. A graceful
    // shutdown waits for that write, and a checkpoint past a torn record cannot exist.
    expect(await run(12, policy, 0)).toBe(12);
    await truncate(journalFile('c'), (await stat(journalFile('c'))).size - 5);
    expect(await run(3, policy)).toBe(15);
    expect(await run(0, policy)).toBe(15);
    expect(await run(7, policy)).toBe(22);
    expect(await run(0, policy)).toBe(22);
  });
});
