import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { RuntimeError } from 'agentvisor';
import { expectRuntimeError } from 'agentvisor/testing';
import { PoisonDetector, type PoisonDetectorOptions } from '../../supervisors/poisonDetector.js';

const msg = (payload: unknown, type = 'summarize') => ({ type, payload });
const boom = () => new Error('boom');

describe('PoisonDetector', () => {
  it('finds a message poison on its second identical failure (default threshold 2)', () => {
    const detector = new PoisonDetector();
    expect(detector.record(msg({ doc: 1 }), boom(), 0)).toBe(false);
    expect(detector.record(msg({ doc: 1 }), boom(), 10)).toBe(true);
    expect(detector.record(msg({ doc: 1 }), boom(), 20)).toBe(true);
  });

  it('honours a higher threshold', () => {
    const detector = new PoisonDetector({ threshold: 3 });
    expect(detector.record(msg(1), boom(), 0)).toBe(false);
    expect(detector.record(msg(1), boom(), 1)).toBe(false);
    expect(detector.record(msg(1), boom(), 2)).toBe(true);
  });

  it('finds a message poison at once with threshold 1', () => {
    expect(new PoisonDetector({ threshold: 1 }).record(msg(1), boom(), 0)).toBe(true);
  });

  it('ignores key order in the payload', () => {
    const detector = new PoisonDetector();
    detector.record(msg({ a: 1, b: { c: [1, 2], d: 'x' } }), boom(), 0);
    expect(detector.record(msg({ b: { d: 'x', c: [1, 2] }, a: 1 }), boom(), 1)).toBe(true);
  });

  it.each<[string, { type: string; payload: unknown }, unknown]>([
    ['another payload', msg({ doc: 2 }), boom()],
    ['another message type', msg({ doc: 1 }, 'translate'), boom()],
    ['another error message', msg({ doc: 1 }), new Error('bang')],
    ['another failure class', msg({ doc: 1 }), Object.assign(new Error('boom'), { status: 503 })],
  ])('tells apart failures with %s', (_, second, error) => {
    const detector = new PoisonDetector();
    detector.record(msg({ doc: 1 }), boom(), 0);
    expect(detector.record(second, error, 1)).toBe(false);
  });

  it('compares errors as the durable mailbox does: numbers blanked, a runtime error by its code', () => {
    const detector = new PoisonDetector();
    detector.record(msg({ doc: 1 }), new TypeError('row 17 has no column 3'), 0);
    expect(detector.record(msg({ doc: 1 }), new TypeError('row 912 has no column 40'), 1)).toBe(
      true,
    );
    const byCode = new PoisonDetector();
    byCode.record(msg({ doc: 1 }), new RuntimeError('ERR_MODEL_OUTPUT', 'no JSON at 3'), 0);
    expect(
      byCode.record(msg({ doc: 1 }), new RuntimeError('ERR_MODEL_OUTPUT', 'no JSON at all'), 1),
    ).toBe(true);
    const byName = new PoisonDetector();
    byName.record(msg({ doc: 1 }), new TypeError('row 17'), 0);
    expect(byName.record(msg({ doc: 1 }), new RangeError('row 17'), 1)).toBe(false);
  });

  it('counts failures within windowMs, boundary included', () => {
    const inside = new PoisonDetector({ windowMs: 1_000 });
    inside.record(msg(1), boom(), 5_000);
    expect(inside.record(msg(1), boom(), 6_000)).toBe(true);
    const outside = new PoisonDetector({ windowMs: 1_000 });
    outside.record(msg(1), boom(), 5_000);
    expect(outside.record(msg(1), boom(), 6_001)).toBe(false);
    // The failure that fell out of the window is gone; the fresh one counts for the next.
    expect(outside.record(msg(1), boom(), 6_002)).toBe(true);
  });

  it('defaults to a 10 minute window', () => {
    const detector = new PoisonDetector();
    detector.record(msg(1), boom(), 0);
    expect(detector.record(msg(1), boom(), 600_000)).toBe(true);
    const later = new PoisonDetector();
    later.record(msg(1), boom(), 0);
    expect(later.record(msg(1), boom(), 600_001)).toBe(false);
  });

  it('never finds a failure without a message poison', () => {
    const detector = new PoisonDetector({ threshold: 1 });
    expect(detector.record(undefined, boom(), 0)).toBe(false);
    expect(detector.record(undefined, boom(), 1)).toBe(false);
    expect(detector.size).toBe(0);
  });

  it('fingerprints a message with no payload, apart from a null payload', () => {
    const detector = new PoisonDetector();
    detector.record(msg(undefined), boom(), 0);
    expect(detector.record(msg(null), boom(), 1)).toBe(false);
    expect(detector.record(msg(undefined), boom(), 2)).toBe(true);
  });

  it('fingerprints values with toJSON (a Date) and thrown non-errors', () => {
    const detector = new PoisonDetector();
    detector.record(msg({ at: new Date(0) }), 'went wrong', 0);
    expect(detector.record(msg({ at: new Date(0) }), 'went wrong', 1)).toBe(true);
    expect(detector.record(msg({ at: new Date(1) }), 'went wrong', 2)).toBe(false);
  });

  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic['self'] = cyclic;
  let deep: unknown = 'leaf';
  for (let i = 0; i < 100; i++) deep = [deep];

  it.each<[string, unknown]>([
    ['a cycle', cyclic],
    ['a bigint', { n: 10n }],
    ['a Map (it would serialise as {})', { m: new Map([[1, 2]]) }],
    ['a Set', new Set([1])],
    ['a typed array', new Uint8Array([1, 2])],
    ['a payload over 1 MiB of JSON', { text: 'x'.repeat(1_100_000) }],
    ['nesting 100 deep', deep],
    ['a bare function', () => 1],
  ])('never finds a payload with %s poison, and does not remember it', (_, payload) => {
    const detector = new PoisonDetector({ threshold: 1 });
    expect(detector.record(msg(payload), boom(), 0)).toBe(false);
    expect(detector.record(msg(payload), boom(), 1)).toBe(false);
    expect(detector.size).toBe(0);
  });

  it('fingerprints a shared (not cyclic) object used twice', () => {
    const shared = { x: 1 };
    const detector = new PoisonDetector();
    detector.record(msg([shared, shared]), boom(), 0);
    expect(detector.record(msg([{ x: 1 }, { x: 1 }]), boom(), 1)).toBe(true);
  });

  it('follows JSON for undefined fields and array holes', () => {
    const detector = new PoisonDetector();
    detector.record(msg({ a: 1, b: undefined, c: [undefined, 2] }), boom(), 0);
    expect(detector.record(msg({ a: 1, c: [null, 2] }), boom(), 1)).toBe(true);
  });

  it('remembers at most 1000 signatures by default', () => {
    const detector = new PoisonDetector();
    for (let i = 0; i < 5_000; i++) detector.record(msg(i), boom(), i);
    expect(detector.size).toBe(1_000);
    // The newest are kept, the oldest forgotten.
    expect(detector.record(msg(4_999), boom(), 5_000)).toBe(true);
    expect(detector.record(msg(0), boom(), 5_000)).toBe(false);
  });

  it('forgets the least recently failing signature first', () => {
    const detector = new PoisonDetector({ maxSignatures: 2 });
    detector.record(msg('a'), boom(), 0);
    detector.record(msg('b'), boom(), 1);
    expect(detector.record(msg('a'), boom(), 2)).toBe(true); // a is now the most recent
    detector.record(msg('c'), boom(), 3); // evicts b
    expect(detector.size).toBe(2);
    expect(detector.record(msg('b'), boom(), 4)).toBe(false); // b was forgotten (evicts a)
    expect(detector.record(msg('c'), boom(), 5)).toBe(true);
  });

  it('forgets everything on clear', () => {
    const detector = new PoisonDetector();
    detector.record(msg(1), boom(), 0);
    detector.clear();
    expect(detector.size).toBe(0);
    expect(detector.record(msg(1), boom(), 1)).toBe(false);
  });

  it.each<[string, PoisonDetectorOptions]>([
    ['threshold 0', { threshold: 0 }],
    ['a fractional threshold', { threshold: 1.5 }],
    ['windowMs 0', { windowMs: 0 }],
    ['maxSignatures 0', { maxSignatures: 0 }],
    ['an unknown option', { tresHold: 2 } as PoisonDetectorOptions],
  ])('refuses %s with ERR_INVALID_OPTIONS', (_, options) => {
    expectRuntimeError(() => new PoisonDetector(options), 'ERR_INVALID_OPTIONS');
  });

  /** Failures of a few messages and errors at sorted random times. */
  const histories = fc.record({
    threshold: fc.integer({ min: 1, max: 4 }),
    windowMs: fc.integer({ min: 1, max: 1_000 }),
    failures: fc
      .array(
        fc.record({
          doc: fc.integer({ min: 0, max: 2 }),
          error: fc.constantFrom('boom', 'bang'),
          gap: fc.oneof(fc.integer({ min: 0, max: 400 }), fc.constantFrom(0, 1_000, 1_001)),
        }),
        { maxLength: 40 },
      )
      .map((steps) => {
        let now = 0;
        return steps.map(({ doc, error, gap }) => ({ doc, error, now: (now += gap) }));
      }),
  });

  it.prop([histories])(
    'agrees with a naive count of identical failures in the window',
    ({ threshold, windowMs, failures }) => {
      const detector = new PoisonDetector({ threshold, windowMs });
      failures.forEach((f, i) => {
        const same = failures
          .slice(0, i + 1)
          .filter((g) => g.doc === f.doc && g.error === f.error && f.now - g.now <= windowMs);
        expect(detector.record(msg({ doc: f.doc }), new Error(f.error), f.now)).toBe(
          same.length >= threshold,
        );
      });
    },
  );
});
