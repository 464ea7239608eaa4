import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_DEPTH, decodeEnvelope, decodeValue } from 'agentvisor/internal';
import { deepEnvelopeBytes } from '../system/admissionFixtures.js';
import { exceedsDepth } from '../../../runtime/codec/index.js';

/** The naive recursive depth: what `exceedsDepth` must agree with. */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children: unknown[] = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

describe('decode depth bound', () => {
  test.prop([fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 10 })])(
    'exceedsDepth agrees with the naive recursive depth',
    (value, maxDepth) => {
      expect(exceedsDepth(value, maxDepth)).toBe(depthOf(value) > maxDepth);
    },
  );

  it('refuses a payload nested deeper than 64 levels with ERR_MALFORMED_MESSAGE', () => {
    expect(DEFAULT_MAX_DEPTH).toBe(64);
    expect(decodeEnvelope(deepEnvelopeBytes('a', 64)).ok).toBe(true);
    for (const depth of [65, 2_500]) {
      const decoded = decodeEnvelope(deepEnvelopeBytes('a', depth));
      expect(decoded.ok).toBe(false);
      if (!decoded.ok) {
        expect(decoded.error.code).toBe('ERR_MALFORMED_MESSAGE');
        expect(decoded.error.details).toEqual({ maxDepth: 64 });
      }
    }
  });

  it('takes the bound as an option; decodeValue bounds only when asked', () => {
    const bytes = deepEnvelopeBytes('a', 10);
    expect(decodeEnvelope(bytes, { maxDepth: 9 }).ok).toBe(false);
    expect(decodeEnvelope(bytes, { maxDepth: 10 }).ok).toBe(true);
    // The envelope map is one level more than its payload.
    expect(decodeValue(bytes).ok).toBe(true);
    expect(decodeValue(bytes, { maxDepth: 10 }).ok).toBe(false);
    expect(decodeValue(bytes, { maxDepth: 11 }).ok).toBe(true);
  });

  it('judges depth without recursion, cycles and byte arrays included', () => {
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    expect(exceedsDepth(cyclic, 64)).toBe(true);
    expect(exceedsDepth({ a: [{ b: new Uint8Array(4) }] }, 3)).toBe(false);
    expect(exceedsDepth({ a: [{ b: {} }] }, 3)).toBe(true);
    expect(exceedsDepth('scalar', 0)).toBe(false);
    expect(exceedsDepth([], 0)).toBe(true);
  });
});
