import { fc, it } from '@fast-check/vitest';
import * as zlib from 'node:zlib';
import { describe, expect } from 'vitest';
import { crc32 } from '../../../../runtime/persistence/internal/crc32.js';

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789', 'latin1'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it.prop([fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 })])(
    'equals zlib.crc32 and chains over pieces',
    (a, b) => {
      const whole = Buffer.concat([a, b]);
      expect(crc32(whole)).toBe(zlib.crc32(whole));
      expect(crc32(b, crc32(a))).toBe(crc32(whole));
    },
  );
});
