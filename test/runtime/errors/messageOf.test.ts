import { describe, expect, it } from 'vitest';
import { messageOf } from 'agentvisor/internal';

describe('messageOf', () => {
  it('reads an Error’s message and turns any other thrown value into a string', () => {
    expect(messageOf(new TypeError('bad input'))).toBe('bad input');
    expect(messageOf('plain')).toBe('plain');
    expect(messageOf(42)).toBe('42');
    expect(messageOf(undefined)).toBe('undefined');
  });
});
