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
  if (options !== undefined) parseOptions(TellOptionsSchema, options, 'tell');
}

/**
 * The ERR_INVALID_OPTIONS error for bad `ask` options, or `undefined` when they are good (an ask
 * rejects with it rather than throwing). The signal is a capability, kept out of the schema
 * (STYLE §5), and checked here on its own.
 */
export function askOptionsError(options: object): RuntimeError | undefined {
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
