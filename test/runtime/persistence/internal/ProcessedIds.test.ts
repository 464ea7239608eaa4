import { describe, expect, it } from 'vitest';
import { ProcessedIds } from '../../../../runtime/persistence/internal/ProcessedIds.js';

describe('ProcessedIds', () => {
  it('remembers each id once and drops the oldest beyond its limit', () => {
    const ids = new ProcessedIds(2);
    for (const id of ['a', 'b', 'a', 'c']) ids.remember(id);
    expect(ids.toArray()).toEqual(['b', 'c']);
    expect(ids.has('a')).toBe(false);
    expect(ids.has('c')).toBe(true);
  });

  it('remembers nothing with a limit of 0', () => {
    const ids = new ProcessedIds(0);
    ids.remember('a');
    expect(ids.has('a')).toBe(false);
    expect(ids.toArray()).toEqual([]);
  });
});
