import { causeChain, MAX_CAUSE_DEPTH } from './causeChain.js';
import { ErrorCode, isErrorCode } from './codes.js';

// Symbol.for: the brand is shared across duplicate copies of the package in one process, so
// isRuntimeError works where `instanceof` would not.
const BRAND = Symbol.for('agentvisor.error');

/** The wire form of an error: what crosses NATS or lands in a journal. JSON- and msgpack-safe. */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
  readonly cause?: WireError;
}

/** Options of {@link RuntimeError}. */
export interface RuntimeErrorOptions extends ErrorOptions {
  /** Structured facts about the failure (the offending field, limits, ids). */
  details?: Record<string, unknown>;
}

/**
 * The one error type of agentvisor. Branch on `code`, never on `message`.
 *
 * @example
 * if (isRuntimeError(err, 'ERR_TIMEOUT')) retryLater();
 */
export class RuntimeError extends Error {
  readonly [BRAND] = true;
  override readonly name = 'RuntimeError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: RuntimeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  /** The wire form of this error, with its cause chain (depth-limited). */
  toWire(): WireError {
    return toWireError(this);
  }

  /**
   * Rebuilds an error from its wire form; an unknown code becomes `ERR_UNKNOWN` (original kept in
   * details). Total: whatever arrives (a forged reply's `null`, a string, `42`, `details` that is
   * not an object, a cause chain 1,500 deep, a getter that throws) yields a RuntimeError and never
   * throws. What is not a wire error becomes `ERR_MALFORMED_MESSAGE`; a valid code is kept even
   * when other fields are bad (they are dropped); the cause chain is cut after 8 levels.
   */
  static fromWire(wire: unknown): RuntimeError {
    return fromWireAt(wire, 0);
  }
}

/** Characters of a wire message kept (a forged one can be megabytes). */
const MAX_MESSAGE_LENGTH = 4_096;

function fromWireAt(wire: unknown, depth: number): RuntimeError {
  try {
    if (typeof wire !== 'object' || wire === null || Array.isArray(wire)) {
      return malformed(`An error reply carried ${describeKind(wire)}, not a wire error`, wire);
    }
    const w = wire as Record<string, unknown>;
    const rawCode = w['code'];
    if (typeof rawCode !== 'string') {
      return malformed('An error reply carried no string code', undefined);
    }
    const code = isErrorCode(rawCode) ? rawCode : ErrorCode.Unknown;
    const rawMessage = w['message'];
    const message =
      typeof rawMessage === 'string' ? rawMessage.slice(0, MAX_MESSAGE_LENGTH) : rawCode;
    const rawDetails = w['details'];
    const wireDetails = isPlainRecord(rawDetails) ? rawDetails : undefined;
    const details =
      code === rawCode ? wireDetails : { ...wireDetails, originalCode: rawCode.slice(0, 256) };
    const rawCause = w['cause'];
    // Bounded: a hostile chain cannot recurse the stack away, nor a cyclic one loop.
    const cause =
      rawCause === undefined || depth >= MAX_CAUSE_DEPTH
        ? undefined
        : fromWireAt(rawCause, depth + 1);
    return new RuntimeError(code, message, {
      ...(details === undefined ? {} : { details }),
      ...(cause === undefined ? {} : { cause }),
    });
  } catch {
    return malformed('An error reply could not be read', undefined);
  }
}

function malformed(message: string, received: unknown): RuntimeError {
  const kind = describeKind(received);
  return new RuntimeError(ErrorCode.MalformedMessage, message, { details: { received: kind } });
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `a string (${value.length} characters)`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `e` is a {@link RuntimeError} (from any copy of the package), optionally with `code`. */
export function isRuntimeError(e: unknown, code?: ErrorCode): e is RuntimeError {
  return (
    typeof e === 'object' &&
    e !== null &&
    BRAND in e &&
    (code === undefined || (e as RuntimeError).code === code)
  );
}

/**
 * The wire form of any thrown value. A RuntimeError keeps its code; any other Error becomes
 * `ERR_UNKNOWN` with its name in details; a non-Error is described by its string form. Causes
 * nest as `cause` (an Error's only), up to 8 deep ({@link causeChain}).
 *
 * @param depth - Causes already above `e` (they count towards the 8). @default 0
 */
export function toWireError(e: unknown, depth = 0): WireError {
  const chain = causeChain(e, Math.max(0, MAX_CAUSE_DEPTH - depth));
  // Only an Error's cause crosses the wire: the chain ends at the first value that is not one.
  const end = chain.findIndex((value) => !(value instanceof Error));
  const kept = end === -1 ? chain : chain.slice(0, end + 1);
  let wire: WireError | undefined;
  for (let i = kept.length - 1; i >= 0; i--) wire = wireOne(kept[i], wire);
  return wire ?? wireOne(e, undefined);
}

/** The wire form of one value of a chain, with its cause's already made. */
function wireOne(e: unknown, cause: WireError | undefined): WireError {
  if (isRuntimeError(e)) {
    return {
      code: e.code,
      message: e.message,
      ...(e.details === undefined ? {} : { details: e.details }),
      ...(cause === undefined ? {} : { cause }),
    };
  }
  if (e instanceof Error) {
    return {
      code: ErrorCode.Unknown,
      message: e.message,
      details: { name: e.name },
      ...(cause === undefined ? {} : { cause }),
    };
  }
  return { code: ErrorCode.Unknown, message: describe(e) };
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    // JSON.stringify returns undefined for functions and symbols.
    const json = JSON.stringify(value) as string | undefined;
    return json ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
