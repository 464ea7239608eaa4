import { expect } from 'vitest';
import { isRuntimeError, type RuntimeError } from 'agentvisor';
import { classifyFailure, type FailureClass } from 'agentvisor/supervisors';

/**
 * Waits for `promise` to reject and checks its code and failure class, both as the error states
 * it (`details.failureClass`) and as `classifyFailure` reads it. Never the message.
 */
export async function expectFailure(
  promise: Promise<unknown>,
  code: RuntimeError['code'],
  failureClass: FailureClass,
): Promise<RuntimeError> {
  const err: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isRuntimeError(err, code), `expected ${code}, got ${String(err)}`).toBe(true);
  const runtimeError = err as RuntimeError;
  expect(runtimeError.details?.['failureClass']).toBe(failureClass);
  expect(classifyFailure(runtimeError)).toBe(failureClass);
  return runtimeError;
}
