import { describe, expect, it } from 'vitest';
import { failureSignature, RuntimeError } from 'agentvisor/internal';

describe('failureSignature (what "failing the same way" compares)', () => {
  it('is the code of a runtime error, whatever its message', () => {
    expect(failureSignature(new RuntimeError('ERR_TIMEOUT', 'No reply from a in 30 ms'))).toBe(
      'ERR_TIMEOUT',
    );
    expect(failureSignature(new RuntimeError('ERR_TIMEOUT', 'No reply from b in 45 ms'))).toBe(
      'ERR_TIMEOUT',
    );
  });

  it('is name and message with numbers blanked for other errors', () => {
    const a = failureSignature(new TypeError('row 17 has no column 3'));
    expect(a).toBe('TypeError: row # has no column #');
    expect(failureSignature(new TypeError('row 912 has no column 40'))).toBe(a);
    expect(failureSignature(new RangeError('row 17 has no column 3'))).not.toBe(a);
    expect(failureSignature('plain string 5')).toBe('string: plain string #');
  });
});
