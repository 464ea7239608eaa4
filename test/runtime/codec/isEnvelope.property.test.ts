import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { EnvelopeLimits, EnvelopeSchema, validateEnvelope } from 'agentvisor/internal';
// The hand-written check is internal to the codec (the schema is the public spec).
import { isEnvelope } from '../../../runtime/codec/index.js';

const { idLength, typeLength, addressLength, traceparentLength } = EnvelopeLimits;

/** Strings around a length limit: empty, 1, at the limit, one over, and any in between. */
const stringAround = (max: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 12, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
    fc.constantFrom('', 'a', 'x'.repeat(max), 'x'.repeat(max + 1)),
    fc.string({ maxLength: max + 2 }),
    // Astral code points count twice in UTF-16, as zod counts.
    fc.string({ unit: 'binary', maxLength: Math.ceil(max / 2) + 1 }),
  );

/** Values no field accepts, or that only some do. */
const oddValue = fc.oneof(
  fc.constantFrom(
    null,
    undefined,
    0,
    -0,
    1,
    -1,
    1.5,
    2 ** 53,
    2 ** 53 - 1,
    Number.NaN,
    Infinity,
    -Infinity,
    true,
    [],
    {},
  ),
  fc.integer(),
  fc.double(),
  fc.bigInt(),
);

const numberField = (valid: fc.Arbitrary<number>) =>
  fc.oneof({ weight: 12, arbitrary: valid }, oddValue);
const stringField = (max: number) =>
  fc.oneof({ weight: 12, arbitrary: stringAround(max) }, oddValue);

/** Records shaped like envelopes, each field valid or not, present or not, with stray keys. */
const envelopeLike = fc
  .tuple(
    fc.record(
      {
        v: fc.oneof({ weight: 20, arbitrary: fc.constant(1) }, oddValue, fc.constant('1')),
        id: stringField(idLength),
        type: stringField(typeLength),
        to: stringField(addressLength),
        ns: stringField(addressLength),
        from: stringField(addressLength),
        replyTo: stringField(addressLength),
        correlationId: stringField(idLength),
        causationId: stringField(idLength),
        traceparent: stringField(traceparentLength),
        deadline: numberField(fc.maxSafeNat()),
        attempt: numberField(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
        payload: fc.anything({ maxDepth: 2 }),
      },
      { requiredKeys: ['v', 'id', 'type', 'to'] },
    ),
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(true) },
      fc.constant(false), // no payload key: the schema requires it
    ),
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(null) },
      fc.dictionary(fc.string({ maxLength: 8 }), fc.anything({ maxDepth: 1 })),
    ),
    fc.boolean(),
  )
  .map(([record, withPayload, extra, nullProto]) => {
    const out: Record<string, unknown> = nullProto
      ? (Object.create(null) as Record<string, unknown>)
      : {};
    Object.assign(out, record);
    if (!withPayload) delete out['payload'];
    else if (!('payload' in out)) out['payload'] = undefined;
    if (extra !== null) {
      for (const [k, v] of Object.entries(extra))
        Object.defineProperty(out, k, {
          value: v,
          enumerable: true,
          configurable: true,
          writable: true,
        });
    }
    return out;
  });

/** A class instance: not a plain object. */
class Box {
  readonly boxed = true;
}

const anyInput = fc.oneof(
  { weight: 5, arbitrary: envelopeLike },
  fc.anything({ maxDepth: 2 }),
  // Not plain objects: arrays, class instances, objects with inherited keys.
  envelopeLike.map((o) => [o]),
  envelopeLike.map((o) => Object.assign(Object.create({ inherited: 1 }) as object, o)),
  envelopeLike.map((o) => Object.assign(new Box(), o)),
);

describe('isEnvelope (the hand-written check of EnvelopeSchema)', () => {
  it.prop([anyInput], { numRuns: 3000 })(
    'never accepts what EnvelopeSchema refuses, and agrees with it exactly on plain objects',
    (input) => {
      const schema = EnvelopeSchema.safeParse(input).success;
      const fast = isEnvelope(input);
      if (fast) expect(schema).toBe(true);
      const proto: unknown =
        typeof input === 'object' && input !== null ? Object.getPrototypeOf(input) : undefined;
      if (proto === Object.prototype || proto === null) expect(fast).toBe(schema);
    },
  );

  it.prop([anyInput], { numRuns: 2000 })(
    'validateEnvelope gives the verdict and the issues of EnvelopeSchema',
    (input) => {
      const parsed = EnvelopeSchema.safeParse(input);
      const result = validateEnvelope(input);
      expect(result.ok).toBe(parsed.success);
      if (!result.ok && !parsed.success) {
        expect(result.error.code).toBe('ERR_INVALID_MESSAGE');
        const issues = (result.error.details as { issues: { message: string }[] }).issues;
        expect(issues.map((i) => i.message)).toEqual(parsed.error.issues.map((i) => i.message));
      }
    },
  );

  it('sees both verdicts often enough to mean something', () => {
    const sample = fc.sample(envelopeLike, { numRuns: 2000, seed: 42 });
    const accepted = sample.filter((x) => isEnvelope(x)).length;
    expect(accepted).toBeGreaterThan(50);
    expect(sample.length - accepted).toBeGreaterThan(50);
  });

  it('accepts a minimal envelope and refuses one without its payload key', () => {
    expect(isEnvelope({ v: 1, id: 'a', type: 't', to: 'x', payload: undefined })).toBe(true);
    expect(isEnvelope({ v: 1, id: 'a', type: 't', to: 'x' })).toBe(false);
    expect(EnvelopeSchema.safeParse({ v: 1, id: 'a', type: 't', to: 'x' }).success).toBe(false);
  });
});
