import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  actorFileStem,
  actorFromStem,
} from '../../../../runtime/persistence/internal/actorFileStem.js';

describe('actorFileStem', () => {
  it('keeps names that differ only in case apart, even on case-insensitive file systems', () => {
    const stems = ['A', 'a', 'QQ', 'Qq'].map(actorFileStem);
    expect(new Set(stems.map((s) => s.toLowerCase())).size).toBe(4);
  });

  it.prop([fc.string({ unit: 'binary', minLength: 1, maxLength: 512 })])(
    'gives a short, portable, reversible (or hashed) stem for any name',
    (actor) => {
      const stem = actorFileStem(actor);
      expect(stem).toMatch(/^(?:[0-9a-f]{2}){1,100}$|^~[0-9a-f]{64}$/);
      if (!stem.startsWith('~')) expect(actorFromStem(stem)).toBe(actor);
    },
  );
});
