/**
 * Causes followed past the thrown error, by every walk of a cause chain (classification, the wire
 * form, the error chain of an escalation): a hostile or cyclic chain ends, and what crosses the
 * wire is what the rules looked at.
 */
export const MAX_CAUSE_DEPTH = 8;

/**
 * The thrown value and its causes, outermost first: `error`, `error.cause`, `error.cause.cause`,
 * … — the one walk of a cause chain.
 *
 * `cause` is followed on any object (an Error, or the plain `{ code }` objects that undici and
 * Node put as causes); the walk ends at a cause that is `undefined`, after a value that is not an
 * object (a thrown string or `null` is kept, it has no cause), and after `maxCauses` causes, so a
 * cyclic chain (`a.cause = a`) ends too (repeating its members).
 *
 * @param maxCauses - Causes kept at most after `error` itself. @default 8
 *
 * @example
 * const code = causeChain(err).find((e) => isRuntimeError(e))?.code;
 */
export function causeChain(error: unknown, maxCauses = MAX_CAUSE_DEPTH): unknown[] {
  const chain: unknown[] = [error];
  let current = error;
  while (chain.length <= maxCauses && typeof current === 'object' && current !== null) {
    const cause = (current as { cause?: unknown }).cause;
    if (cause === undefined) break;
    chain.push(cause);
    current = cause;
  }
  return chain;
}
