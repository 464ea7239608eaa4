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

  /** Rebuilds an error from its wire form; an unknown code becomes `ERR_UNKNOWN` (original kept in details). */
  static fromWire(wire: WireError): RuntimeError {
    const code = isErrorCode(wire.code) ? wire.code : ErrorCode.Unknown;
    const details =
      code === wire.code ? wire.details : { ...wire.details, originalCode: wire.code };
    const cause = wire.cause === undefined ? undefined : RuntimeError.fromWire(wire.cause);
    return new RuntimeError(code, wire.message, {
      ...(details === undefined ? {} : { details }),
      ...(cause === undefined ? {} : { cause }),
    });
  }
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

const MAX_CAUSE_DEPTH = 8;

/**
 * The wire form of any thrown value. A RuntimeError keeps its code; any other Error becomes
 * `ERR_UNKNOWN` with its name in details; a non-Error is described by its string form.
 */
export function toWireError(e: unknown, depth = 0): WireError {
  const cause =
    depth < MAX_CAUSE_DEPTH && e instanceof Error && e.cause !== undefined
      ? toWireError(e.cause, depth + 1)
      : undefined;
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
