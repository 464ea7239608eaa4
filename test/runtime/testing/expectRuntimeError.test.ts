import { describe, expect, it } from 'vitest';
import { ErrorCode, RuntimeError } from 'agentvisor';
import { ExpectedRuntimeError, expectRuntimeError } from 'agentvisor/testing';

const invalid = (): RuntimeError =>
  new RuntimeError(ErrorCode.InvalidOptions, 'bad', { details: { a: 1 } });

function failure(fn: () => unknown): ExpectedRuntimeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ExpectedRuntimeError) return err;
    throw err;
  }
  throw new Error('expectRuntimeError did not fail');
}

describe('expectRuntimeError', () => {
  it('returns the RuntimeError a function throws when its code matches', () => {
    const thrown = invalid();
    const err = expectRuntimeError(() => {
      throw thrown;
    }, ErrorCode.InvalidOptions);
    expect(err).toBe(thrown);
    expect(err.details).toEqual({ a: 1 });
  });

  it('fails when nothing is thrown, another code is thrown, or a plain Error is', () => {
    expect(failure(() => expectRuntimeError(() => 1, ErrorCode.InvalidOptions)).nothingThrown).toBe(
      true,
    );
    const other = failure(() =>
      expectRuntimeError(() => {
        throw invalid();
      }, ErrorCode.Timeout),
    );
    expect(other.nothingThrown).toBe(false);
    expect(other.expected).toBe(ErrorCode.Timeout);
    expect((other.actual as RuntimeError).code).toBe(ErrorCode.InvalidOptions);
    const plain = new TypeError('x');
    expect(
      failure(() =>
        expectRuntimeError(() => {
          throw plain;
        }, ErrorCode.InvalidOptions),
      ).actual,
    ).toBe(plain);
  });

  it('awaits a promise, or a function returning one', async () => {
    const thrown = invalid();
    await expect(
      expectRuntimeError(Promise.reject(thrown), ErrorCode.InvalidOptions),
    ).resolves.toBe(thrown);
    await expect(
      expectRuntimeError(() => Promise.reject(thrown), ErrorCode.InvalidOptions),
    ).resolves.toBe(thrown);
    await expect(
      expectRuntimeError(Promise.resolve(1), ErrorCode.InvalidOptions),
    ).rejects.toBeInstanceOf(ExpectedRuntimeError);
    await expect(
      expectRuntimeError(Promise.reject(thrown), ErrorCode.Timeout),
    ).rejects.toMatchObject({ expected: ErrorCode.Timeout, actual: thrown });
  });
});
