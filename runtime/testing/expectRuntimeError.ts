import type { ErrorCode } from '../errors/codes.js';
import type { RuntimeError } from '../errors/RuntimeError.js';
import { isRuntimeError } from '../errors/RuntimeError.js';

/** Thrown by {@link expectRuntimeError} when the failure was not the expected one. */
export class ExpectedRuntimeError extends Error {
  override readonly name = 'ExpectedRuntimeError';
  constructor(
    /** The code that was expected. */
    readonly expected: ErrorCode,
    /** What was thrown instead (`undefined` when nothing was). */
    readonly actual: unknown,
    readonly nothingThrown: boolean,
  ) {
    super(
      nothingThrown
        ? `expected a RuntimeError ${expected}, nothing was thrown`
        : `expected a RuntimeError ${expected}, got ${describe(actual)}`,
      { cause: actual },
    );
  }
}

/**
 * What {@link expectRuntimeError} returns for a function returning `R`: a promise of the error
 * when `R` is a promise, the error itself otherwise (also for a function that only throws).
 */
export type ExpectRuntimeErrorResult<R> = [R] extends [never]
  ? RuntimeError
  : [R] extends [PromiseLike<unknown>]
    ? Promise<RuntimeError>
    : RuntimeError;

/**
 * Asserts that `fn` throws (or `promise` rejects with) a {@link RuntimeError} of `code`, and
 * returns that error for further checks on its `details`. Anything else (no throw, another code,
 * not a RuntimeError) fails with an {@link ExpectedRuntimeError} that carries what happened.
 * A function that returns a promise is awaited, so the result is a promise then.
 *
 * @example
 * const err = expectRuntimeError(() => parsePolicy(input), 'ERR_POLICY_INVALID');
 * await expectRuntimeError(system.ask(ref, msg), 'ERR_TIMEOUT');
 */
export function expectRuntimeError(
  promise: PromiseLike<unknown>,
  code: ErrorCode,
): Promise<RuntimeError>;
export function expectRuntimeError<R>(fn: () => R, code: ErrorCode): ExpectRuntimeErrorResult<R>;
export function expectRuntimeError(
  fnOrPromise: (() => unknown) | PromiseLike<unknown>,
  code: ErrorCode,
): RuntimeError | Promise<RuntimeError> {
  let result: unknown;
  if (typeof fnOrPromise === 'function') {
    try {
      result = fnOrPromise();
    } catch (err) {
      return checked(err, code);
    }
  } else {
    result = fnOrPromise;
  }
  if (isThenable(result)) {
    return Promise.resolve(result).then(
      () => {
        throw new ExpectedRuntimeError(code, undefined, true);
      },
      (err: unknown) => checked(err, code),
    );
  }
  throw new ExpectedRuntimeError(code, undefined, true);
}

function checked(err: unknown, code: ErrorCode): RuntimeError {
  if (isRuntimeError(err, code)) return err;
  throw new ExpectedRuntimeError(code, err, false);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function describe(value: unknown): string {
  if (isRuntimeError(value)) return `RuntimeError ${value.code}`;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  return typeof value;
}
