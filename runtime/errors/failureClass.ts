import { z } from 'zod';
import { causeChain } from './causeChain.js';
import { ErrorCode, type ErrorCode as Code } from './codes.js';
import { isRuntimeError, RuntimeError } from './RuntimeError.js';

/**
 * Failure classes (DESIGN.md "Failure classes"): one answer to "what kind of failure is this?"
 * that retries, breakers, fallbacks and supervisors share, so a 429 is a rate limit everywhere.
 */
export const FAILURE_CLASSES = [
  'transient',
  'rate-limit',
  'auth',
  'invalid-request',
  'invalid-output',
  'budget',
  'poison',
  'uncertain-effect',
  'safety',
  'bug',
] as const;

/** One of {@link FAILURE_CLASSES}. */
export type FailureClass = (typeof FAILURE_CLASSES)[number];

const failureClasses: ReadonlySet<unknown> = new Set(FAILURE_CLASSES);

/** True when `value` names a {@link FailureClass}. */
export const isFailureClass = (value: unknown): value is FailureClass => failureClasses.has(value);

/** Our own codes with a fixed class. Codes not listed say nothing; their cause may. */
const classByCode: Partial<Record<Code, FailureClass>> = {
  // Deadlines, open breakers and full bulkheads clear by themselves: try again later.
  [ErrorCode.Timeout]: 'transient',
  [ErrorCode.CircuitOpen]: 'transient',
  [ErrorCode.BulkheadFull]: 'transient',
  // No server reachable: it may be back later.
  [ErrorCode.Connection]: 'transient',
  [ErrorCode.BudgetExceeded]: 'budget',
  // The request itself is wrong; sending it again fails again.
  [ErrorCode.InvalidMessage]: 'invalid-request',
  [ErrorCode.UnknownMessageType]: 'invalid-request',
  [ErrorCode.InvalidOptions]: 'invalid-request',
  // Guards and delivery: the class is the code's meaning, whatever the details say.
  [ErrorCode.InvalidOutput]: 'invalid-output',
  [ErrorCode.InputBlocked]: 'safety',
  [ErrorCode.PoisonMessage]: 'poison',
  // Refused credentials or certificates do not heal by retrying.
  [ErrorCode.Auth]: 'auth',
  [ErrorCode.Tls]: 'auth',
  // A child supervisor gave up: to its parent, a subtree that gave up is a failure of code.
  [ErrorCode.RestartIntensity]: 'bug',
};

/** HTTP status → class. 408 and every 5xx are handled in {@link classOfStatus}. */
const classByStatus: ReadonlyMap<number, FailureClass> = new Map<number, FailureClass>([
  [429, 'rate-limit'],
  [401, 'auth'],
  [403, 'auth'],
  [400, 'invalid-request'],
  [404, 'invalid-request'],
  [409, 'invalid-request'],
  [413, 'invalid-request'],
  [422, 'invalid-request'],
  [402, 'budget'],
]);

/** Node and undici network error codes: the connection, not the request, failed. */
const transientSystemCodes: ReadonlySet<unknown> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** `AbortSignal.timeout()` and fetch aborts surface as these DOMException names. */
const transientNames: ReadonlySet<unknown> = new Set(['AbortError', 'TimeoutError']);

/**
 * The failure class of a thrown value.
 *
 * Walks the `cause` chain from the outermost error inward (at most 8 causes deep); the first
 * error that says anything decides, so a wrapper's explicit class beats its cause's. For each
 * error, first match wins:
 * 1. an own `failureClass` property naming a class (see {@link withFailureClass});
 * 2. a RuntimeError's `details.failureClass` naming a class;
 * 3. a RuntimeError code: `ERR_TIMEOUT`, `ERR_CIRCUIT_OPEN`, `ERR_BULKHEAD_FULL`,
 *    `ERR_CONNECTION` → `transient`;
 *    `ERR_BUDGET_EXCEEDED` → `budget`; `ERR_INVALID_MESSAGE`, `ERR_UNKNOWN_MESSAGE_TYPE`,
 *    `ERR_INVALID_OPTIONS` → `invalid-request`; `ERR_INVALID_OUTPUT` → `invalid-output`;
 *    `ERR_INPUT_BLOCKED` → `safety`; `ERR_POISON_MESSAGE` → `poison`; `ERR_AUTH`, `ERR_TLS` →
 *    `auth`; `ERR_RESTART_INTENSITY` → `bug`;
 * 4. a numeric `status` or `statusCode`: 429 → `rate-limit`; 401, 403 → `auth`; 400, 404, 409,
 *    413, 422 → `invalid-request`; 402 → `budget`; 408, 5xx → `transient`;
 * 5. a network `code` (`ECONNRESET`, `ECONNREFUSED`, `ETIMEDOUT`, `EPIPE`, `EAI_AGAIN`,
 *    `ENOTFOUND`, `UND_ERR_SOCKET`, `UND_ERR_CONNECT_TIMEOUT`) → `transient`;
 * 6. `name` `AbortError` or `TimeoutError` → `transient`;
 * 7. a zod error → `invalid-output` (output that failed validation).
 *
 * Anything else, and non-objects (a thrown string), is a `bug`. One classifier for every layer
 * (retries, breakers, fallbacks, the effect ledger, supervisors): it lives with the errors, the
 * lowest runtime tier, so any layer may import it.
 */
export function classifyFailure(error: unknown): FailureClass {
  for (const current of causeChain(error)) {
    // A thrown primitive carries no facts (and ends the chain).
    if (typeof current !== 'object' || current === null) break;
    const cls = classifyOne(current);
    if (cls !== undefined) return cls;
  }
  return 'bug';
}

/** What one error in the chain says about itself, ignoring its cause. */
function classifyOne(error: object): FailureClass | undefined {
  // Own property only: a class tagged on a prototype (or on Object.prototype by a polluted
  // dependency) must not reclassify every error that inherits it.
  if (Object.hasOwn(error, 'failureClass')) {
    const tagged = (error as { failureClass?: unknown }).failureClass;
    if (isFailureClass(tagged)) return tagged;
  }
  if (isRuntimeError(error)) {
    const detailed = error.details?.['failureClass'];
    if (isFailureClass(detailed)) return detailed;
    const byCode = classByCode[error.code];
    if (byCode !== undefined) return byCode;
  }
  const fields = error as {
    status?: unknown;
    statusCode?: unknown;
    code?: unknown;
    name?: unknown;
  };
  const status = typeof fields.status === 'number' ? fields.status : fields.statusCode;
  if (typeof status === 'number') {
    const byStatus = classOfStatus(status);
    if (byStatus !== undefined) return byStatus;
  }
  if (transientSystemCodes.has(fields.code)) return 'transient';
  if (transientNames.has(fields.name)) return 'transient';
  // `z.core.$ZodError` is the base of both zod's classic ZodError and the one `z.core.parse`
  // throws; the name test catches errors from another copy of zod.
  if (error instanceof z.core.$ZodError || fields.name === 'ZodError') return 'invalid-output';
  return undefined;
}

function classOfStatus(status: number): FailureClass | undefined {
  const known = classByStatus.get(status);
  if (known !== undefined) return known;
  // 408 Request Timeout and every server error are worth another try.
  if (status === 408 || (Number.isInteger(status) && status >= 500 && status <= 599)) {
    return 'transient';
  }
  return undefined;
}

/**
 * Tags `error` with a failure class, so {@link classifyFailure} returns `cls` for it (and for any
 * error that wraps it without a class of its own). For code that knows better than the rules.
 *
 * @example
 * throw withFailureClass(new Error('quota exhausted for today'), 'budget');
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when `cls` is not a failure class.
 */
export function withFailureClass<TError extends Error>(
  error: TError,
  cls: FailureClass,
): TError & { failureClass: FailureClass } {
  if (!isFailureClass(cls)) {
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `Expected \`cls\` to be one of ${FAILURE_CLASSES.join(', ')}, got ${JSON.stringify(cls)}`,
      { details: { cls } },
    );
  }
  // defineProperty rather than assignment: it also replaces a read-only `failureClass`.
  Object.defineProperty(error, 'failureClass', {
    value: cls,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return error as TError & { failureClass: FailureClass };
}

/**
 * The delay, in ms, that a failure asks for before the next attempt (a 429's `Retry-After`):
 * the first `retryAfterMs` found walking the cause chain, as an own property or in a
 * RuntimeError's `details`. `undefined` when no error in the chain says.
 */
export function retryAfterMsOf(error: unknown): number | undefined {
  for (const current of causeChain(error)) {
    if (typeof current !== 'object' || current === null) break;
    const own = Object.hasOwn(current, 'retryAfterMs')
      ? (current as { retryAfterMs?: unknown }).retryAfterMs
      : undefined;
    const detailed = isRuntimeError(current) ? current.details?.['retryAfterMs'] : undefined;
    const value = typeof own === 'number' ? own : detailed;
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  }
  return undefined;
}
