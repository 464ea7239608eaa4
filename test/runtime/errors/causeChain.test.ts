import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  causeChain,
  errorChain,
  RuntimeError,
  toWireError,
  wireChain,
  type WireError,
} from 'agentvisor/internal';

/** `depth` errors, each the cause of the one before, innermost `leaf`. */
function nested(depth: number, leaf?: unknown): Error {
  let error = new Error(`e${depth}`, leaf === undefined ? undefined : { cause: leaf });
  for (let i = depth - 1; i >= 0; i--) error = new Error(`e${i}`, { cause: error });
  return error;
}

describe('causeChain (the one walk of a cause chain)', () => {
  it('is the error and its causes, outermost first', () => {
    const inner = new TypeError('inner');
    const middle = new RuntimeError('ERR_TIMEOUT', 'middle', { cause: inner });
    const outer = new Error('outer', { cause: middle });
    expect(causeChain(outer)).toEqual([outer, middle, inner]);
  });

  it('keeps a thrown primitive or null, which ends the chain', () => {
    expect(causeChain('boom')).toEqual(['boom']);
    expect(causeChain(undefined)).toEqual([undefined]);
    const withNull = new Error('x', { cause: null });
    expect(causeChain(withNull)).toEqual([withNull, null]);
    const withString = new Error('x', { cause: 'why' });
    expect(causeChain(withString)).toEqual([withString, 'why']);
  });

  it('follows the cause of a plain object (undici puts `{ code }` objects there)', () => {
    const socket = { code: 'ECONNRESET' };
    const wrapper = { message: 'fetch failed', cause: socket };
    expect(causeChain(wrapper)).toEqual([wrapper, socket]);
  });

  it('stops after 8 causes, so a cyclic chain ends', () => {
    const loop = new Error('loop');
    Object.defineProperty(loop, 'cause', { value: loop });
    expect(causeChain(loop)).toHaveLength(9);
    expect(causeChain(nested(20))).toHaveLength(9);
    expect(causeChain(nested(20), 2)).toHaveLength(3);
    expect(causeChain(nested(20), 0)).toHaveLength(1);
  });

  it.prop([fc.integer({ min: 0, max: 20 })])('has min(depth, 8) causes', (depth) => {
    expect(causeChain(nested(depth))).toHaveLength(Math.min(depth, 8) + 1);
  });
});

describe('errorChain (an escalation’s record of a failure)', () => {
  it('is the wire form of each error in the chain, without the nested cause', () => {
    const error = new RuntimeError('ERR_ACTOR_FAILED', 'failed', {
      details: { actor: 'a' },
      cause: new TypeError('bad type'),
    });
    expect(errorChain(error)).toStrictEqual([
      { code: 'ERR_ACTOR_FAILED', message: 'failed', details: { actor: 'a' } },
      { code: 'ERR_UNKNOWN', message: 'bad type', details: { name: 'TypeError' } },
    ]);
  });

  it('is empty for no error, and one entry for a thrown string', () => {
    expect(errorChain(undefined)).toEqual([]);
    expect(errorChain('went wrong')).toStrictEqual([
      { code: 'ERR_UNKNOWN', message: 'went wrong' },
    ]);
  });

  it.prop([fc.integer({ min: 0, max: 20 })])(
    'lists what the wire keeps, the same from the error or from its wire form',
    (depth) => {
      const error = nested(depth, { code: 'ECONNRESET' });
      const wire = toWireError(error);
      const kept: WireError[] = [];
      for (let w: WireError | undefined = wire; w !== undefined; w = w.cause) kept.push(w);
      expect(errorChain(error)).toStrictEqual(wireChain(wire));
      expect(errorChain(error).map((e) => e.message)).toEqual(kept.map((e) => e.message));
      expect(errorChain(error)).toHaveLength(Math.min(depth + 1, 8) + 1);
    },
  );

  it('keeps at most the error and 8 causes of a wire error decoded from anywhere', () => {
    let wire: WireError = { code: 'ERR_UNKNOWN', message: 'leaf' };
    for (let i = 0; i < 30; i++) wire = { code: 'ERR_UNKNOWN', message: `m${i}`, cause: wire };
    expect(wireChain(wire)).toHaveLength(9);
    expect(wireChain(wire).every((e) => !('cause' in e))).toBe(true);
  });
});
