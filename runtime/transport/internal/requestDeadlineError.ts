import { ErrorCode, RuntimeError } from '../../errors/index.js';

/**
 * @internal The refusal of a request whose `deadline` is not a finite number (a NaN deadline never
 * fires: the request would wait for ever), or `undefined` when it is usable. Both transports
 * refuse the same way.
 */
export function requestDeadlineError(deadline: number): RuntimeError | undefined {
  if (Number.isFinite(deadline)) return undefined;
  return new RuntimeError(
    ErrorCode.InvalidOptions,
    `Invalid request options: deadline must be a finite number, got ${String(deadline)}`,
    { details: { what: 'request', issues: [{ path: 'deadline', message: 'not finite' }] } },
  );
}
