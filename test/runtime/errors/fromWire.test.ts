import { fc, it as prop } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { isErrorCode, isRuntimeError, RuntimeError } from 'agentvisor';

function chain(depth: number): unknown {
  let wire: unknown = { code: 'ERR_TIMEOUT', message: 'leaf' };
  for (let i = 0; i < depth; i++)
    wire = { code: 'ERR_UNKNOWN', message: `level ${i}`, cause: wire };
  return wire;
}

function causeDepth(err: unknown): number {
  let n = 0;
  let e: unknown = err;
  while (e instanceof Error && e.cause !== undefined) {
    n++;
    e = e.cause;
  }
  return n;
}

describe('RuntimeError.fromWire', () => {
  it.each([null, undefined, 'boom', 42, true, [], [{ code: 'ERR_TIMEOUT' }]])(
    'turns a payload that is not a wire error (%s) into ERR_MALFORMED_MESSAGE',
    (payload) => {
      const err = RuntimeError.fromWire(payload);
      expect(isRuntimeError(err, 'ERR_MALFORMED_MESSAGE')).toBe(true);
    },
  );

  it('keeps a valid wire code when details is not an object', () => {
    const err = RuntimeError.fromWire({ code: 'ERR_TIMEOUT', message: 'late', details: 'x' });
    expect(err.code).toBe('ERR_TIMEOUT');
    expect(err.details === undefined || typeof err.details === 'object').toBe(true);
  });

  it('refuses a missing or non-string code as ERR_MALFORMED_MESSAGE', () => {
    expect(RuntimeError.fromWire({ message: 'no code' }).code).toBe('ERR_MALFORMED_MESSAGE');
    expect(RuntimeError.fromWire({ code: 7, message: 'm' }).code).toBe('ERR_MALFORMED_MESSAGE');
  });

  it('keeps an unknown string code as ERR_UNKNOWN, with the original in details', () => {
    const err = RuntimeError.fromWire({ code: 'ERR_FROM_THE_FUTURE', message: 'm' });
    expect(err.code).toBe('ERR_UNKNOWN');
    expect(err.details).toMatchObject({ originalCode: 'ERR_FROM_THE_FUTURE' });
  });

  it('bounds a 1,500-deep cause chain to 8 causes', () => {
    const err = RuntimeError.fromWire(chain(1_500));
    expect(err.code).toBe('ERR_UNKNOWN');
    expect(causeDepth(err)).toBeLessThanOrEqual(8);
  });

  it('survives a payload whose getters throw', () => {
    const hostile = {
      get code(): string {
        throw new Error('gotcha');
      },
    };
    expect(RuntimeError.fromWire(hostile).code).toBe('ERR_MALFORMED_MESSAGE');
  });

  it('round-trips a well-formed error', () => {
    const original = new RuntimeError('ERR_TIMEOUT', 'late', {
      details: { level: 'step' },
      cause: new RuntimeError('ERR_CLOSED', 'closed'),
    });
    const back = RuntimeError.fromWire(original.toWire());
    expect(back.code).toBe('ERR_TIMEOUT');
    expect(back.details).toStrictEqual({ level: 'step' });
    expect(isRuntimeError(back.cause, 'ERR_CLOSED')).toBe(true);
  });

  prop.prop([fc.jsonValue({ maxDepth: 6 })], { numRuns: 500 })(
    'turns any JSON payload into a RuntimeError with a known code',
    (payload) => {
      const err = RuntimeError.fromWire(payload);
      expect(isRuntimeError(err)).toBe(true);
      expect(isErrorCode(err.code)).toBe(true);
      expect(typeof err.message).toBe('string');
      expect(causeDepth(err)).toBeLessThanOrEqual(8);
    },
  );

  prop.prop(
    [
      fc.letrec((tie) => ({
        wire: fc.record(
          {
            code: fc.oneof(fc.constantFrom('ERR_TIMEOUT', 'ERR_NOPE'), fc.jsonValue()),
            message: fc.oneof(fc.string(), fc.jsonValue()),
            details: fc.jsonValue(),
            cause: fc.oneof({ depthSize: 'small' }, fc.jsonValue(), tie('wire')),
          },
          { requiredKeys: [] },
        ),
      })).wire,
    ],
    { numRuns: 500 },
  )('turns any error-shaped payload into a RuntimeError', (payload) => {
    const err = RuntimeError.fromWire(payload);
    expect(isRuntimeError(err)).toBe(true);
    expect(isErrorCode(err.code)).toBe(true);
    expect(err.details === undefined || typeof err.details === 'object').toBe(true);
  });
});
