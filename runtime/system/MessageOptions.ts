import { z } from 'zod';
import { EnvelopeLimits } from '../codec/index.js';
import { ErrorCode, RuntimeError, parseOptions } from '../errors/index.js';

/**
 * The options of `tell` (and the envelope fields of `ask`), validated at the public boundary: a
 * NaN, negative or non-numeric deadline would otherwise hang an ask on one transport and be
 * refused on another. The same limits as the envelope schema, so what passes here also encodes.
 */
export const TellOptionsSchema = z.strictObject({
  /** Caller-chosen message id (retries reuse it: processed ids make it exactly-once). */
  id: z.string().min(1).max(EnvelopeLimits.idLength).optional(),
  /** Name of the sending actor. */
  from: z.string().min(1).max(EnvelopeLimits.addressLength).optional(),
  /** Id of the conversation the message belongs to. */
  correlationId: z.string().min(1).max(EnvelopeLimits.idLength).optional(),
  /** Id of the message that caused this one. */
  causationId: z.string().min(1).max(EnvelopeLimits.idLength).optional(),
  /** W3C trace context. */
  traceparent: z.string().min(1).max(EnvelopeLimits.traceparentLength).optional(),
  /** Absolute deadline on this process's wall clock, epoch ms (finite, not negative). */
  deadline: z.number().nonnegative().optional(),
});

/** The options of `ask`: those of `tell` plus a relative timeout (the signal is checked apart). */
export const AskOptionsSchema = TellOptionsSchema.extend({
  /** Relative timeout in ms, finite and positive. @default the system's askTimeoutMs */
  timeoutMs: z.number().positive().optional(),
});

/**
 * Validates the options of a `tell`; `undefined` passes as is (the hot path).
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS with the path of each bad option.
 */
export function checkTellOptions(options: object | undefined): void {
  if (options !== undefined && !plainlyValid(options, false))
    parseOptions(TellOptionsSchema, options, 'tell');
}

/** Longest value of each string option (the schemas' limits). */
const STRING_LIMITS: Readonly<Record<string, number>> = {
  id: EnvelopeLimits.idLength,
  from: EnvelopeLimits.addressLength,
  correlationId: EnvelopeLimits.idLength,
  causationId: EnvelopeLimits.idLength,
  traceparent: EnvelopeLimits.traceparentLength,
};

/**
 * The hot path of option checks: true only when every option is one the schemas accept as it is
 * (a property test holds it to the schemas). Anything else goes through zod, which names the
 * bad path; a zod parse on every ask cost ~7 % of local ask throughput.
 */
export function plainlyValid(options: object, ask: boolean): boolean {
  for (const key in options) {
    if (!Object.hasOwn(options, key)) return false;
    const value = (options as Record<string, unknown>)[key];
    const limit = STRING_LIMITS[key];
    const known =
      limit !== undefined ||
      key === 'deadline' ||
      (ask && (key === 'timeoutMs' || key === 'signal'));
    if (!known) return false;
    if (value === undefined) continue;
    if (limit !== undefined) {
      if (typeof value !== 'string' || value.length === 0 || value.length > limit) return false;
    } else if (key === 'deadline') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return false;
    } else if (key === 'timeoutMs') {
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return false;
    } else if (key === 'signal') {
      if (!(value instanceof AbortSignal)) return false;
    }
  }
  return true;
}

/**
 * The ERR_INVALID_OPTIONS error for bad `ask` options, or `undefined` when they are good (an ask
 * rejects with it rather than throwing). The signal is a capability, kept out of the schema
 * (STYLE §5), and checked here on its own.
 */
export function askOptionsError(options: object): RuntimeError | undefined {
  if (plainlyValid(options, true)) return undefined;
  const { signal, ...rest } = options as { signal?: unknown };
  try {
    parseOptions(AskOptionsSchema, rest, 'ask');
  } catch (err) {
    return err as RuntimeError;
  }
  if (signal === undefined || signal instanceof AbortSignal) return undefined;
  return new RuntimeError(
    ErrorCode.InvalidOptions,
    `Invalid ask options: signal: expected an AbortSignal, got ${typeof signal}`,
    { details: { what: 'ask', issues: [{ path: 'signal', message: 'expected an AbortSignal' }] } },
  );
}
