import { setMaxListeners } from 'node:events';

/**
 * A signal that never aborts: the context of a call made without one, and the signal of a
 * deadline that never expires (shared, as cockatiel's `neverAbortedSignal`: no controller per
 * call). Our own code never listens to it; a caller's listeners on it are never called, so the
 * leak warning is off for it.
 */
export const neverAborted: AbortSignal = new AbortController().signal;
setMaxListeners(0, neverAborted);

/**
 * Whether `signal` has aborted. A function rather than `signal?.aborted` inline: TypeScript keeps
 * a property narrowed across `await`, so a second inline check after an early return reads as
 * always false to it.
 */
export function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
