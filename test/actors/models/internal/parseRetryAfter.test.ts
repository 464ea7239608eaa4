import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../../../actors/models/internal/parseRetryAfter.js';

const NOW = 1_700_000_000_000;
const at = (headers: Record<string, string>) => parseRetryAfter(new Headers(headers), NOW);

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(at({ 'retry-after': '7' })).toBe(7000);
    expect(at({ 'retry-after': '0' })).toBe(0);
    expect(at({ 'retry-after': ' 1.5 ' })).toBe(1500);
  });

  it('reads an HTTP-date against the clock, a past date meaning now', () => {
    expect(at({ 'retry-after': new Date(NOW + 30_000).toUTCString() })).toBe(30_000);
    expect(at({ 'retry-after': new Date(NOW - 30_000).toUTCString() })).toBe(0);
  });

  it('prefers retry-after-ms, rounding up', () => {
    expect(at({ 'retry-after-ms': '250.2', 'retry-after': '9' })).toBe(251);
  });

  it('falls back to Retry-After when retry-after-ms is unparsable', () => {
    expect(at({ 'retry-after-ms': 'soon', 'retry-after': '3' })).toBe(3000);
  });

  it('is undefined when absent or unparsable', () => {
    expect(at({})).toBeUndefined();
    expect(at({ 'retry-after': '' })).toBeUndefined();
    expect(at({ 'retry-after': '-5' })).toBeUndefined();
    expect(at({ 'retry-after': 'tomorrow-ish' })).toBeUndefined();
  });
});
