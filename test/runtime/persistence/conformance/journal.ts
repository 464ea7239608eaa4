import { fc, it } from '@fast-check/vitest';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import type { Journal, JournalEntry } from '../../../../runtime/persistence/index.js';
import { ODD_ACTOR_NAMES, eventFixture, rejectionOf } from './fixtures.js';

/** File-system tests reopen and fsync many times: generous on a loaded machine. */
const SLOW_MS = 60_000;

/** What a conformance factory hands the suite. */
export interface JournalUnderTest {
  /** A fresh, empty journal. */
  readonly journal: Journal;
  /**
   * For durable journals: opens the same storage again. The suite closes the previous journal
   * first; `cleanup` must close the one `reopen` returned last.
   */
  readonly reopen?: () => Promise<Journal>;
  /** Closes the journal (a second close must be harmless) and removes what it stored. */
  cleanup(): Promise<void>;
}

/** The ids (and sequences) of a read, for compact comparisons. */
const idsOf = (entries: readonly JournalEntry[]) => entries.map((e) => e.event.id);

/**
 * The behaviour every {@link Journal} must show (memory, file, JetStream). Call it at the top
 * level of a test file; `factory` runs before each test. Sequences must increase along an actor's
 * journal; they need not be contiguous. The journal must take events of at least 100 kB and refuse
 * ones over 1 MB (the default `maxBytes`).
 */
export function describeJournalConformance(
  name: string,
  factory: () => Promise<JournalUnderTest>,
): void {
  describe(`Journal conformance: ${name}`, () => {
    let subject: JournalUnderTest;
    let journal: Journal;

    beforeEach(async () => {
      subject = await factory();
      journal = subject.journal;
    });
    afterEach(async () => {
      await subject.cleanup();
    });

    it('starts empty: last sequence 0 and nothing to read', async () => {
      expect(await journal.lastSeq('a')).toBe(0);
      expect(await journal.read('a', 0)).toEqual([]);
      await journal.truncateBefore('a', 10);
      expect(await journal.append('a', [])).toEqual([]);
      expect(await journal.lastSeq('a')).toBe(0);
    });

    it('appends events in order and reads them back with increasing sequences', async () => {
      const first = await journal.append('a', [eventFixture('e1', 1), eventFixture('e2', 2)]);
      const second = await journal.append('a', [eventFixture('e3', 3)]);
      const seqs = [...first, ...second];
      expect(seqs).toHaveLength(3);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
      expect(new Set(seqs).size).toBe(3);
      expect(seqs[0]).toBeGreaterThan(0);
      expect(await journal.lastSeq('a')).toBe(seqs[2]);
      expect(await journal.read('a', 0)).toEqual([
        { seq: seqs[0], event: eventFixture('e1', 1) },
        { seq: seqs[1], event: eventFixture('e2', 2) },
        { seq: seqs[2], event: eventFixture('e3', 3) },
      ]);
    });

    it('reads only the events after a sequence, at most limit of them', async () => {
      const seqs = await journal.append(
        'a',
        [1, 2, 3, 4, 5].map((n) => eventFixture(`e${n}`, n)),
      );
      const [, s2, s3] = seqs as [number, number, number];
      expect(idsOf(await journal.read('a', s2))).toEqual(['e3', 'e4', 'e5']);
      expect(idsOf(await journal.read('a', s2, { limit: 2 }))).toEqual(['e3', 'e4']);
      expect(idsOf(await journal.read('a', 0, { limit: 1 }))).toEqual(['e1']);
      expect(await journal.read('a', s3, { limit: 0 })).toEqual([]);
      expect(await journal.read('a', seqs.at(-1) as number)).toEqual([]);
    });

    it('returns the original sequence for a re-appended id and stores it once', async () => {
      const [s1, s2] = (await journal.append('a', [eventFixture('e1'), eventFixture('e2')])) as [
        number,
        number,
      ];
      const again = await journal.append('a', [
        eventFixture('e2', 99),
        eventFixture('e3'),
        eventFixture('e3', 98),
        eventFixture('e1', 97),
      ]);
      expect(again[0]).toBe(s2);
      expect(again[1]).toBeGreaterThan(s2);
      expect(again[2]).toBe(again[1]);
      expect(again[3]).toBe(s1);
      const entries = await journal.read('a', 0);
      expect(idsOf(entries)).toEqual(['e1', 'e2', 'e3']);
      expect(entries[1]?.event).toEqual(eventFixture('e2')); // the original, not the re-append
      expect(await journal.lastSeq('a')).toBe(again[1]);
      expect(await journal.append('a', [eventFixture('e1')])).toEqual([s1]);
    });

    it('fences appends: a stale expectedLastSeq is refused and appends nothing', async () => {
      expect(await journal.append('a', [eventFixture('e1')], { expectedLastSeq: 0 })).toHaveLength(
        1,
      );
      const last = await journal.lastSeq('a');
      for (const expectedLastSeq of [0, last - 1, last + 1]) {
        const error = await rejectionOf(() =>
          journal.append('a', [eventFixture('stale')], { expectedLastSeq }),
        );
        expect(error.code).toBe('ERR_PERSISTENCE_CONFLICT');
      }
      expect(idsOf(await journal.read('a', 0))).toEqual(['e1']);
      const [s2] = await journal.append('a', [eventFixture('e2')], { expectedLastSeq: last });
      expect(await journal.lastSeq('a')).toBe(s2);
    });

    it('lets exactly one of several concurrent appends with the same expectedLastSeq win', async () => {
      await journal.append('a', [eventFixture('e0')]);
      const last = await journal.lastSeq('a');
      const outcomes = await Promise.allSettled(
        [1, 2, 3].map((n) =>
          Promise.resolve().then(() =>
            journal.append('a', [eventFixture(`w${n}`)], { expectedLastSeq: last }),
          ),
        ),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      for (const o of outcomes) {
        if (o.status === 'rejected')
          expect(o.reason).toMatchObject({ code: 'ERR_PERSISTENCE_CONFLICT' });
      }
      expect(await journal.read('a', 0)).toHaveLength(2);
    });

    it('truncates events before a sequence and keeps the last sequence', async () => {
      const seqs = await journal.append(
        'a',
        [1, 2, 3, 4].map((n) => eventFixture(`e${n}`, n)),
      );
      const [, , s3, s4] = seqs as [number, number, number, number];
      await journal.truncateBefore('a', s3);
      expect(idsOf(await journal.read('a', 0))).toEqual(['e3', 'e4']);
      expect(await journal.lastSeq('a')).toBe(s4);
      await journal.truncateBefore('a', s3); // again: nothing more to drop
      expect(idsOf(await journal.read('a', 0))).toEqual(['e3', 'e4']);
      await journal.truncateBefore('a', s4 + 1);
      expect(await journal.read('a', 0)).toEqual([]);
      expect(await journal.lastSeq('a')).toBe(s4);
      const [s5] = (await journal.append('a', [eventFixture('e5')], {
        expectedLastSeq: s4,
      })) as [number];
      expect(s5).toBeGreaterThan(s4);
      expect(idsOf(await journal.read('a', 0))).toEqual(['e5']);
    });

    it('keeps actors apart, whatever their names', async () => {
      for (const [i, actor] of ODD_ACTOR_NAMES.entries()) {
        await journal.append(actor, [eventFixture(`own-${i}`, i), eventFixture('shared', i)]);
      }
      for (const [i, actor] of ODD_ACTOR_NAMES.entries()) {
        const entries = await journal.read(actor, 0);
        expect(entries.map((e) => e.event)).toEqual([
          eventFixture(`own-${i}`, i),
          eventFixture('shared', i),
        ]);
      }
      await journal.truncateBefore('A', (await journal.lastSeq('A')) + 1);
      expect(await journal.read('A', 0)).toEqual([]);
      expect(await journal.read('a', 0)).toHaveLength(2);
    });

    it('refuses an event over the size limit with ERR_VALUE_TOO_LARGE and appends none of the call', async () => {
      const huge = { ...eventFixture('huge'), data: 'x'.repeat(1_100_000) };
      const error = await rejectionOf(() => journal.append('a', [eventFixture('e1'), huge]));
      expect(error.code).toBe('ERR_VALUE_TOO_LARGE');
      expect(await journal.read('a', 0)).toEqual([]);
      expect(await journal.lastSeq('a')).toBe(0);
      const big = { ...eventFixture('big'), data: 'x'.repeat(100_000) };
      await journal.append('a', [big]);
      expect((await journal.read('a', 0))[0]?.event).toEqual(big);
    });

    it('reopens with every event, the last sequence and dedupe intact', async ({ skip }) => {
      const { reopen } = subject;
      if (reopen === undefined) {
        skip('this journal is not durable');
        return;
      }
      const seqs = await journal.append(
        'a',
        [1, 2, 3].map((n) => eventFixture(`e${n}`, n)),
      );
      await journal.append('b', [eventFixture('b1')]);
      await journal.truncateBefore('a', seqs[1] as number);
      const before = { a: await journal.read('a', 0), b: await journal.read('b', 0) };
      const last = await journal.lastSeq('a');
      await journal.close();
      const reopened = await reopen();
      expect(await reopened.read('a', 0)).toEqual(before.a);
      expect(await reopened.read('b', 0)).toEqual(before.b);
      expect(await reopened.lastSeq('a')).toBe(last);
      expect(reopened.repairs()).toEqual([]);
      expect(await reopened.append('a', [eventFixture('e3')])).toEqual([seqs[2]]);
      const [s4] = (await reopened.append('a', [eventFixture('e4')], {
        expectedLastSeq: last,
      })) as [number];
      expect(s4).toBeGreaterThan(last);
      await reopened.truncateBefore('b', (await reopened.lastSeq('b')) + 1);
      await reopened.close();
      const again = await reopen();
      expect(idsOf(await again.read('a', 0))).toEqual(['e2', 'e3', 'e4']);
      expect(await again.read('b', 0)).toEqual([]);
      expect(await again.lastSeq('b')).toBe(before.b[0]?.seq);
    });

    it('refuses every call with ERR_CLOSED once closed', async () => {
      await journal.append('a', [eventFixture('e1')]);
      await journal.close();
      const calls: (() => unknown)[] = [
        () => journal.append('a', [eventFixture('e2')]),
        () => journal.read('a', 0),
        () => journal.lastSeq('a'),
        () => journal.truncateBefore('a', 1),
      ];
      for (const call of calls) expect((await rejectionOf(call)).code).toBe('ERR_CLOSED');
    });

    let run = 0;
    it.prop([journalOpsArb], { numRuns: 40 })(
      'agrees with an array model under random appends, duplicates, fences and truncations',
      async (ops) => {
        const actor = `model-${run++}`;
        const model = new JournalModel();
        for (const op of ops) {
          switch (op.type) {
            case 'append': {
              const ids = op.picks.map((p) => model.idFor(p));
              const events = ids.map((id, i) => eventFixture(id, i));
              if (op.fence === 'stale' && model.last > 0) {
                const error = await rejectionOf(() =>
                  journal.append(actor, events, { expectedLastSeq: model.last - 1 }),
                );
                expect(error.code).toBe('ERR_PERSISTENCE_CONFLICT');
                break;
              }
              const options = op.fence === 'current' ? { expectedLastSeq: model.last } : {};
              model.applyAppend(events, await journal.append(actor, events, options));
              break;
            }
            case 'truncate': {
              const beforeSeq = model.pickTruncation(op.pick);
              await journal.truncateBefore(actor, beforeSeq);
              model.applyTruncate(beforeSeq);
              break;
            }
            case 'read': {
              const after = model.pickTruncation(op.pick) - 1;
              const limit = op.limit ?? undefined;
              const read = await journal.read(actor, after, limit === undefined ? {} : { limit });
              expect(read).toEqual(model.read(after, limit));
              break;
            }
          }
          expect(await journal.lastSeq(actor)).toBe(model.last);
          expect(await journal.read(actor, 0)).toEqual(model.read(0, undefined));
        }
      },
      SLOW_MS,
    );
  });
}

// --- the model of the property ---

type JournalOp =
  | { type: 'append'; picks: number[]; fence: 'none' | 'current' | 'stale' }
  | { type: 'truncate'; pick: number }
  | { type: 'read'; pick: number; limit: number | null };

const journalOpsArb: fc.Arbitrary<JournalOp[]> = fc.array(
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        type: fc.constant('append' as const),
        picks: fc.array(fc.nat(11), { maxLength: 4 }),
        fence: fc.constantFrom('none' as const, 'current' as const, 'stale' as const),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ type: fc.constant('truncate' as const), pick: fc.nat(20) }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        type: fc.constant('read' as const),
        pick: fc.nat(20),
        limit: fc.option(fc.nat(4)),
      }),
    },
  ),
  { maxLength: 12 },
);

/** What the journal should hold: entries in order, the last sequence and the live ids. */
class JournalModel {
  entries: JournalEntry[] = [];
  last = 0;
  readonly #live = new Map<string, number>();
  readonly #truncated = new Set<string>();
  #renames = 0;

  /**
   * The id for pick `p` of a small pool, so ids repeat. An id whose event was truncated away is
   * replaced by a fresh one: whether a journal still dedupes it is left open (JetStream forgets
   * ids after its duplicate window).
   */
  idFor(p: number): string {
    const id = `e${p}`;
    return this.#truncated.has(id) ? `e${p}.${this.#renames++}` : id;
  }

  applyAppend(events: readonly JournalEntry['event'][], seqs: readonly number[]): void {
    expect(seqs).toHaveLength(events.length);
    const batch = new Map<string, number>();
    events.forEach((event, i) => {
      const seq = seqs[i] as number;
      const known = this.#live.get(event.id) ?? batch.get(event.id);
      if (known !== undefined) {
        expect(seq).toBe(known);
        return;
      }
      expect(seq).toBeGreaterThan(this.last);
      this.last = seq;
      batch.set(event.id, seq);
      this.entries.push({ seq, event });
    });
    for (const [id, seq] of batch) this.#live.set(id, seq);
  }

  /** A truncation point: 0, an existing sequence or one past the last. */
  pickTruncation(p: number): number {
    const candidates = [0, this.last + 1, ...this.entries.map((e) => e.seq)];
    return candidates[p % candidates.length] as number;
  }

  applyTruncate(beforeSeq: number): void {
    for (const e of this.entries) {
      if (e.seq < beforeSeq) {
        this.#live.delete(e.event.id);
        this.#truncated.add(e.event.id);
      }
    }
    this.entries = this.entries.filter((e) => e.seq >= beforeSeq);
  }

  read(after: number, limit: number | undefined): JournalEntry[] {
    const newer = this.entries.filter((e) => e.seq > after);
    return limit === undefined ? newer : newer.slice(0, limit);
  }
}
