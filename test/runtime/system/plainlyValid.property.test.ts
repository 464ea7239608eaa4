/**
 * The hot-path option check (`plainlyValid`) may only pass what the zod schemas pass: it skips the
 * schema on good options, so a value it waves through that the schema refuses would reach the
 * transport unchecked (the NaN-timeout hang of issue 10 item H).
 */
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  AskOptionsSchema,
  TellOptionsSchema,
  plainlyValid,
} from '../../../runtime/system/MessageOptions.js';

const value = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 140 }),
  fc.string({ minLength: 1000, maxLength: 1100 }),
  fc.double(),
  fc.integer(),
  fc.constant(Number.NaN),
  fc.constant(-1),
  fc.boolean(),
  fc.constant(null),
  fc.constant(new AbortController().signal),
);
const key = fc.constantFrom(
  'id',
  'from',
  'correlationId',
  'causationId',
  'traceparent',
  'deadline',
  'timeoutMs',
  'signal',
  'other',
);
const options = fc.dictionary(key, value, { maxKeys: 5 });

describe('plainlyValid', () => {
  test.prop([options])('tell: passes only what TellOptionsSchema passes', (o) => {
    if (plainlyValid(o, false)) expect(TellOptionsSchema.safeParse(o).success).toBe(true);
  });
  test.prop([options])(
    'ask: passes only what AskOptionsSchema (and an AbortSignal) passes',
    (o) => {
      if (!plainlyValid(o, true)) return;
      const { signal, ...rest } = o as { signal?: unknown };
      expect(AskOptionsSchema.safeParse(rest).success).toBe(true);
      expect(signal === undefined || signal instanceof AbortSignal).toBe(true);
    },
  );
  test.prop([
    fc.record({
      timeoutMs: fc.double({ min: 0.001, max: 1e9, noNaN: true }),
      from: fc.string({ minLength: 1, maxLength: 64 }),
    }),
  ])('the common shapes take the fast path', (o) => {
    expect(plainlyValid(o, true)).toBe(true);
    expect(plainlyValid({}, true)).toBe(true);
  });
});
