/** A signal that never aborts: the context of a call made without one. */
export const neverAborted: AbortSignal = new AbortController().signal;

/**
 * Whether `signal` has aborted. A function rather than `signal?.aborted` inline: TypeScript keeps
 * a property narrowed across `await`, so a second inline check after an early return reads as
 * always false to it.
 */
export function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
