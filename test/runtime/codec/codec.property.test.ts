import { fc, it } from '@fast-check/vitest';
import { afterEach, describe, expect, vi } from 'vitest';
import {
  createActorSystem,
  decodeEnvelope,
  encodeEnvelope,
  EnvelopeLimits,
  type CodecResult,
  type DeadLetter,
  type Envelope,
} from 'agentvisor/internal';
import { TestClock } from 'agentvisor/testing';
// `packr` is the codec's shared msgpackr instance: internal, not part of the public API.
import { packr } from '../../../runtime/codec/index.js';
import { counterMachine } from '../system/fixtures.js';

const MESSAGE_ERRORS = ['ERR_MALFORMED_MESSAGE', 'ERR_INVALID_MESSAGE', 'ERR_MESSAGE_TOO_LARGE'];

// Unicode strings of whole code points: `unit: 'binary'` never yields a lone surrogate, which
// UTF-8 (and so MessagePack) cannot carry. zod counts UTF-16 code units and an astral code point
// takes two, hence maxLength is half of each limit.
const text = (maxUnits: number) =>
  fc.string({ unit: 'binary', minLength: 1, maxLength: Math.floor(maxUnits / 2) });

/** Replaces -0 by 0 everywhere: MessagePack encodes -0 as the integer 0, a legitimate change. */
function withoutNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(withoutNegativeZero);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNegativeZero(v)]));
  }
  return value;
}

/** msgpackr renames a `__proto__` key on decode (prototype-pollution guard): legitimate too. */
function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([k, v]) => k === '__proto__' || hasProtoKey(v));
}

const payloadArb = fc
  .jsonValue({ maxDepth: 4 })
  .map(withoutNegativeZero)
  .filter((p) => !hasProtoKey(p));

/** Any envelope the schema accepts; an absent optional field is a key that is not there. */
const envelopeArb: fc.Arbitrary<Envelope> = fc.record(
  {
    v: fc.constant(1 as const),
    id: text(EnvelopeLimits.idLength),
    type: text(EnvelopeLimits.typeLength),
    to: text(128),
    from: text(128),
    replyTo: text(128),
    correlationId: text(EnvelopeLimits.idLength),
    causationId: text(EnvelopeLimits.idLength),
    traceparent: text(EnvelopeLimits.traceparentLength),
    deadline: fc.maxSafeNat(),
    attempt: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    payload: payloadArb,
  },
  { requiredKeys: ['v', 'id', 'type', 'to', 'payload'], noNullPrototype: true },
);

function expectMessageError<T>(result: CodecResult<T>): void {
  if (!result.ok) expect(MESSAGE_ERRORS).toContain(result.error.code);
}

function encodeOrThrow(envelope: Envelope): Uint8Array {
  const encoded = encodeEnvelope(envelope);
  if (!encoded.ok) throw encoded.error;
  return encoded.value;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('codec', () => {
  it.prop([envelopeArb])('round-trips any valid envelope through encode and decode', (envelope) => {
    const decoded = decodeEnvelope(encodeOrThrow(envelope));
    expect(decoded).toStrictEqual({ ok: true, value: envelope });
  });

  it.prop([fc.uint8Array({ maxLength: 4096 })])(
    'never throws on arbitrary bytes: ok or a message error code',
    (bytes) => {
      expectMessageError(decodeEnvelope(bytes));
    },
  );

  it.prop([fc.anything({ maxDepth: 4 })])(
    'never throws on arbitrary encoded values: ok or a message error code',
    (value) => {
      let bytes: Uint8Array;
      try {
        bytes = packr.pack(value);
      } catch {
        return; // not encodable: nothing for the decoder to see
      }
      expectMessageError(decodeEnvelope(bytes));
    },
  );

  it.prop([
    fc
      .integer({ min: 0, max: 512 })
      .chain((maxBytes) =>
        fc.tuple(
          fc.constant(maxBytes),
          fc.uint8Array({ minLength: maxBytes + 1, maxLength: maxBytes + 600 }),
        ),
      ),
  ])(
    'refuses input over maxBytes with ERR_MESSAGE_TOO_LARGE before decoding',
    ([maxBytes, bytes]) => {
      const unpack = vi.spyOn(packr, 'unpack');
      const result = decodeEnvelope(bytes, { maxBytes });
      expect(result.ok ? undefined : result.error.code).toBe('ERR_MESSAGE_TOO_LARGE');
      expect(result.ok ? undefined : result.error.details).toEqual({
        size: bytes.byteLength,
        maxBytes,
      });
      expect(unpack).not.toHaveBeenCalled();
      unpack.mockRestore();
    },
  );

  it('refuses to encode an envelope whose payload is over maxBytes', () => {
    const envelope: Envelope = { v: 1, id: 'm1', type: 'big', to: 'a', payload: 'x'.repeat(2048) };
    const result = encodeEnvelope(envelope, { maxBytes: 1024 });
    expect(result.ok ? undefined : result.error.code).toBe('ERR_MESSAGE_TOO_LARGE');
    expect(encodeEnvelope(envelope, { maxBytes: 4096 }).ok).toBe(true);
  });

  it('refuses to encode an envelope that fails the schema with ERR_INVALID_MESSAGE', () => {
    const result = encodeEnvelope({ v: 1, id: '', type: 't', to: 'a', payload: null });
    expect(result.ok ? undefined : result.error.code).toBe('ERR_INVALID_MESSAGE');
  });

  it('turns a deep-nesting bomb into ERR_MALFORMED_MESSAGE without throwing', () => {
    // 100k nested one-element arrays (fixarray 0x91) around a nil (0xc0).
    const depth = 100_000;
    const bomb = new Uint8Array(depth + 1).fill(0x91);
    bomb[depth] = 0xc0;
    const result = decodeEnvelope(bomb);
    expect(result.ok ? undefined : result.error.code).toBe('ERR_MALFORMED_MESSAGE');
    // The shared decoder is still usable afterwards.
    const envelope: Envelope = { v: 1, id: 'after', type: 't', to: 'a', payload: [1, 'two'] };
    expect(decodeEnvelope(encodeOrThrow(envelope))).toStrictEqual({ ok: true, value: envelope });
  });

  it('refuses empty input, truncated data and trailing bytes with ERR_MALFORMED_MESSAGE', () => {
    const bytes = encodeOrThrow({ v: 1, id: 'm', type: 't', to: 'a', payload: { n: 1 } });
    const withTrailing = new Uint8Array(bytes.byteLength + 1);
    withTrailing.set(bytes);
    for (const input of [
      new Uint8Array(0),
      bytes.subarray(0, bytes.byteLength - 1),
      withTrailing,
    ]) {
      const result = decodeEnvelope(input);
      expect(result.ok ? undefined : result.error.code).toBe('ERR_MALFORMED_MESSAGE');
    }
  });

  describe('through the ActorSystem', () => {
    /** Bytes that are not a valid envelope: random bytes, or random values in MessagePack. */
    const garbageArb = fc
      .oneof(
        fc.uint8Array({ maxLength: 512 }),
        fc.anything({ maxDepth: 3 }).map((value) => {
          try {
            return packr.pack(value);
          } catch {
            return new Uint8Array([0xc1]); // 0xc1 is never used in MessagePack
          }
        }),
      )
      .filter((bytes) => !decodeEnvelope(bytes).ok);

    const itemArb = fc.oneof(
      garbageArb.map((bytes) => ({ kind: 'garbage' as const, bytes })),
      fc.integer({ min: 1, max: 1000 }).map((by) => ({ kind: 'inc' as const, by })),
    );

    it.prop([fc.array(itemArb, { maxLength: 30 })], { numRuns: 50 })(
      'never lets invalid bytes reach the actor; each becomes exactly one dead letter',
      async (items) => {
        const system = createActorSystem({}, { clock: new TestClock() });
        const deadLetters: DeadLetter[] = [];
        system.deadLetters.subscribe((l) => deadLetters.push(l));
        system.spawn('c', counterMachine);
        let expected = 0;
        const garbage: Uint8Array[] = [];
        for (const [i, item] of items.entries()) {
          if (item.kind === 'garbage') {
            garbage.push(item.bytes);
            system.receiveBytes('c', item.bytes);
          } else {
            expected += item.by;
            const envelope: Envelope = {
              v: 1,
              id: `inc-${i}`,
              type: 'inc',
              to: 'c',
              payload: { by: item.by },
            };
            system.receiveBytes('c', encodeOrThrow(envelope));
          }
        }
        await system.settled();
        const snapshot = system.getSnapshot('c') as { context: { count: number } };
        expect(snapshot.context.count).toBe(expected);
        expect(deadLetters).toHaveLength(garbage.length);
        for (const [i, letter] of deadLetters.entries()) {
          expect(letter.bytes).toBe(garbage[i]);
          expect(letter.envelope).toBeUndefined();
          expect(letter.to).toBe(system.subjects.actor('c'));
          expect(letter.reason).toBe(
            letter.error.code === 'ERR_INVALID_MESSAGE' ? 'invalid-message' : 'malformed-message',
          );
          expect(MESSAGE_ERRORS).toContain(letter.error.code);
        }
        expect(system.describe('c')?.processed).toBe(items.length - garbage.length);
        await system.shutdown();
      },
    );
  });
});
