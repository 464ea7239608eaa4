import { MAX_CAUSE_DEPTH } from './causeChain.js';
import { toWireError, type WireError } from './RuntimeError.js';

/**
 * The error and its causes, outermost first, each in wire form without its nested `cause`: how an
 * escalation records a failure (`errorChain`) for a person to read. The causes are those
 * {@link toWireError} keeps (the error and up to 8 causes); `[]` for `undefined`.
 */
export function errorChain(error: unknown): WireError[] {
  return error === undefined ? [] : wireChain(toWireError(error));
}

/**
 * {@link errorChain} of an error already in wire form (a dead letter's, a reply's): the error and
 * up to 8 causes.
 */
export function wireChain(wire: WireError): WireError[] {
  const chain: WireError[] = [];
  for (let e: WireError | undefined = wire; e !== undefined && chain.length <= MAX_CAUSE_DEPTH;) {
    chain.push({
      code: e.code,
      message: e.message,
      ...(e.details === undefined ? {} : { details: e.details }),
    });
    e = e.cause;
  }
  return chain;
}
