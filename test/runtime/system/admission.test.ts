import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  FileJournal,
  MemoryCheckpointStore,
  MemoryJournal,
  Persister,
  RuntimeError,
  createActorSystem,
  isRuntimeError,
  silentLogger,
  type ActorTemplate,
  type DeadLetter,
  type Journal,
  type PersistenceOptions,
} from 'agentvisor/internal';
import { TestClock } from 'agentvisor/testing';
import { packr } from '../../../runtime/codec/index.js';
import { makeTempDir } from '../persistence/tempDir.js';
import { counterMachine } from './fixtures.js';
import { deepArray, deepEnvelopeBytes, failureMarks } from './admissionFixtures.js';

/** The oversized payload: under the transport's 1 MiB, over the journal's 1,000,000. */
const OVERSIZED = 1_010_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The journals the rule is held on: memory and file (JetStream: the mailbox integration test). */
const journals: [string, () => Promise<Journal>][] = [
  ['memory', () => Promise.resolve(new MemoryJournal())],
  [
    'file',
    async () => {
      const tmp = await makeTempDir('admission');
      const journal = await FileJournal.open({ dir: tmp.dir, fsync: 'never' });
      cleanups.push(async () => {
        await journal.close();
        await tmp.remove();
      });
      return journal;
    },
  ],
];

function processOn(clock = new TestClock()) {
  const system = createActorSystem({}, { clock });
  const deadLetters: DeadLetter[] = [];
  system.deadLetters.subscribe((d) => deadLetters.push(d));
  cleanups.push(() => system.shutdown());
  return { system, deadLetters };
}

/** An agent whose payload schema is recursive: zod walks it with the JS stack. */
const recursiveAgent: ActorTemplate = {
  accepts: { inc: z.json(), get: z.unknown() },
  createLogic: () => counterMachine,
};

describe('admission', () => {
  describe.each(journals)('a durable actor on the %s journal', (_, openJournal) => {
    async function durable() {
      const journal = await openJournal();
      const store = new MemoryCheckpointStore();
      const options: PersistenceOptions = {
        store,
        journal,
        machineId: 'counter',
        machineVersion: 1,
      };
      return { journal, options };
    }

    it('refuses an oversized message at admission: earlier acknowledged messages are kept', async () => {
      const { journal, options } = await durable();
      const a = processOn();
      await a.system.spawnDurable('c', counterMachine, { persistence: options });
      for (let i = 0; i < 3; i++) a.system.tell('c', 'inc', {});
      await expect(a.system.ask('c', 'get')).resolves.toBe(3);
      const big = await a.system
        .ask('c', 'inc', { blob: 'x'.repeat(OVERSIZED) })
        .catch((e: unknown) => e);
      expect(isRuntimeError(big, 'ERR_MESSAGE_TOO_LARGE')).toBe(true);
      expect(a.deadLetters.map((d) => [d.reason, d.error.code])).toEqual([
        ['malformed-message', 'ERR_MESSAGE_TOO_LARGE'],
      ]);
      expect(a.system.describe('c')?.status).toBe('running');
      await expect(a.system.ask('c', 'get')).resolves.toBe(3);
      // Nothing blamed, nothing lost: a recovery elsewhere finds the same state.
      expect(await failureMarks(journal, 'c')).toEqual([]);
      const b = processOn();
      await b.system.spawnDurable('c', counterMachine, { persistence: options });
      await expect(b.system.ask('c', 'get')).resolves.toBe(3);
    });

    it('a journal append that fails blames no message processed before it', async () => {
      const { journal, options } = await durable();
      const a = processOn();
      await a.system.spawnDurable('c', counterMachine, { persistence: options });
      for (let i = 0; i < 3; i++) a.system.tell('c', 'inc', {});
      await expect(a.system.ask('c', 'get')).resolves.toBe(3);
      // The journal goes away for one append: the actor fails on journaling the next message.
      const append = journal.append.bind(journal);
      journal.append = () => {
        journal.append = append;
        return Promise.reject(new RuntimeError('ERR_STORE_UNAVAILABLE', 'journal out of reach'));
      };
      const failed = await a.system.ask('c', 'inc', {}).catch((e: unknown) => e);
      expect(isRuntimeError(failed, 'ERR_ACTOR_FAILED')).toBe(true);
      expect(a.system.describe('c')?.status).toBe('failed');
      expect(await failureMarks(journal, 'c')).toEqual([]);
      const b = processOn();
      await b.system.spawnDurable('c', counterMachine, { persistence: options });
      await expect(b.system.ask('c', 'get')).resolves.toBe(3);
    });

    it('a writer never marks a message an earlier writer journaled (it was acknowledged)', async () => {
      const { journal, options } = await durable();
      const deps = { clock: new TestClock(), logger: silentLogger() };
      const first = new Persister('c', options, deps);
      await first.recover();
      const [old] = await first.journalMessages([
        { v: 1, id: 'm1', type: 'inc', to: 'c', payload: {} },
      ]);
      const second = new Persister('c', options, deps);
      await second.recover();
      second.markFailed(old); // the previous incarnation's message: refused
      const [own] = await second.journalMessages([
        { v: 1, id: 'm2', type: 'inc', to: 'c', payload: {} },
      ]);
      second.markFailed(own); // its own step: marked
      await second.settle();
      expect(await failureMarks(journal, 'c')).toEqual([own]);
    });

    it('admits the largest message whose journal record fits, refuses one byte more', async () => {
      const { options } = await durable();
      const a = processOn();
      await a.system.spawnDurable('c', counterMachine, { persistence: options });
      // Find the payload length at the admission limit by asking the codec for the overhead.
      const envelopeOverhead = packr.pack({
        v: 1,
        id: 'x'.repeat(128),
        type: 'inc',
        to: 'c',
        replyTo: 'r'.repeat(200),
        deadline: Number.MAX_SAFE_INTEGER,
        payload: { blob: '' },
      }).byteLength;
      let lo = 900_000;
      let hi = 1_000_000;
      let count = 0;
      // The largest blob admitted must also be journaled and processed (no journal refusal).
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        const before = a.deadLetters.length;
        a.system.tell('c', 'inc', { blob: 'x'.repeat(mid) }, { correlationId: 'y'.repeat(128) });
        const now = await a.system.ask('c', 'get');
        if (a.deadLetters.length === before) {
          expect(now).toBe(++count);
          lo = mid;
        } else {
          expect(a.deadLetters.at(-1)?.error.code).toBe('ERR_MESSAGE_TOO_LARGE');
          hi = mid - 1;
        }
      }
      expect(lo + envelopeOverhead).toBeLessThan(1_000_000);
      expect(lo + envelopeOverhead).toBeGreaterThan(990_000);
      expect(a.system.describe('c')?.status).toBe('running');
    });

    it('refuses a BigInt the codec cannot encode: nothing journaled, nothing lost', async () => {
      const { journal, options } = await durable();
      const a = processOn();
      await a.system.spawnDurable('c', counterMachine, { persistence: options });
      a.system.tell('c', 'inc', {});
      a.system.tell('c', 'inc', { id: 2n ** 60n }); // within 64 bits: encodable
      const refused = await a.system.ask('c', 'inc', { id: 2n ** 70n }).catch((e: unknown) => e);
      expect(isRuntimeError(refused, 'ERR_MALFORMED_MESSAGE')).toBe(true);
      await expect(a.system.ask('c', 'get')).resolves.toBe(2);
      expect(await failureMarks(journal, 'c')).toEqual([]);
      const b = processOn();
      await b.system.spawnDurable('c', counterMachine, { persistence: options });
      await expect(b.system.ask('c', 'get')).resolves.toBe(2);
    });

    it('refuses a payload nested deeper than the codec bound, even from inside the process', async () => {
      const { options } = await durable();
      const a = processOn();
      await a.system.spawnDurable('c', counterMachine, { persistence: options });
      const refused = await a.system
        .ask('c', 'inc', { nested: deepArray(2_500) })
        .catch((e: unknown) => e);
      expect(isRuntimeError(refused, 'ERR_MALFORMED_MESSAGE')).toBe(true);
      a.system.tell('c', 'inc', { nested: deepArray(60) });
      await expect(a.system.ask('c', 'get')).resolves.toBe(1);
    });
  });

  describe('a recursive payload schema', () => {
    it('dead-letters a 2,500-deep payload off the wire as malformed; the system keeps answering', async () => {
      const a = processOn();
      a.system.spawn('r', recursiveAgent);
      a.system.receiveBytes('r', deepEnvelopeBytes('r', 2_500));
      await a.system.settled();
      expect(a.deadLetters.map((d) => [d.reason, d.error.code])).toEqual([
        ['malformed-message', 'ERR_MALFORMED_MESSAGE'],
      ]);
      a.system.tell('r', 'inc', { by: 2 });
      await expect(a.system.ask('r', 'get')).resolves.toBe(2);
    });

    it('refuses with a code, not a crash, when the schema itself overflows on a local message', async () => {
      const a = processOn();
      a.system.spawn('r', recursiveAgent);
      // Handed over as an object (never decoded), so only admission stands between it and zod.
      const refused = await a.system.ask('r', 'inc', deepArray(20_000)).catch((e: unknown) => e);
      expect(isRuntimeError(refused, 'ERR_MALFORMED_MESSAGE')).toBe(true);
      a.system.tell('r', 'inc', deepArray(20_000));
      await a.system.settled();
      expect(a.deadLetters.map((d) => d.reason)).toEqual([
        'malformed-message',
        'malformed-message',
      ]);
      await expect(a.system.ask('r', 'get')).resolves.toBe(0);
      expect(a.system.describe('r')?.status).toBe('running');
    });

    it('turns a throwing refine into a refusal with ERR_INVALID_MESSAGE', async () => {
      const a = processOn();
      const throwing: ActorTemplate = {
        accepts: {
          inc: z.object({ by: z.number() }).refine(() => {
            throw new TypeError('refine is broken');
          }),
          get: z.unknown(),
        },
        createLogic: () => counterMachine,
      };
      a.system.spawn('t', throwing);
      const refused = await a.system.ask('t', 'inc', { by: 1 }).catch((e: unknown) => e);
      expect(isRuntimeError(refused, 'ERR_INVALID_MESSAGE')).toBe(true);
      expect(a.deadLetters.map((d) => [d.reason, d.error.code])).toEqual([
        ['invalid-message', 'ERR_INVALID_MESSAGE'],
      ]);
      await expect(a.system.ask('t', 'get')).resolves.toBe(0);
    });
  });
});
