import { fc } from '@fast-check/vitest';
import { z } from 'zod';
import { ErrorCode, FAILURE_CLASSES, RuntimeError } from 'agentvisor';

/** An Error with extra fields, as HTTP clients and Node throw them. */
export const errorWith = (fields: Record<string, unknown>, options?: ErrorOptions): Error =>
  Object.assign(new Error('boom', options), fields);

/** The codes the runtime classifies and supervisors' classifyFailure does not (yet). */
const resilienceCodes: readonly string[] = [
  ErrorCode.BulkheadFull,
  ErrorCode.BudgetExceeded,
  ErrorCode.FallbackExhausted,
];

/** Thrown values of every shape the rules look at, nested in cause chains. */
const leaves: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(undefined, null, 'boom', 429),
  fc.constant(new Error('plain')),
  fc.integer({ min: 100, max: 650 }).map((status) => errorWith({ status })),
  fc.integer({ min: 100, max: 650 }).map((statusCode) => errorWith({ statusCode })),
  fc
    .constantFrom('ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOENT', 'UND_ERR_SOCKET')
    .map((code) => errorWith({ code })),
  fc.constantFrom('AbortError', 'TimeoutError', 'TypeError').map((name) => errorWith({ name })),
  fc
    .constantFrom(...FAILURE_CLASSES, 'nonsense')
    .map((failureClass) => errorWith({ failureClass })),
  fc
    .tuple(
      fc.constantFrom(...Object.values(ErrorCode).filter((c) => !resilienceCodes.includes(c))),
      fc.option(fc.constantFrom(...FAILURE_CLASSES)),
    )
    .map(
      ([code, cls]) =>
        new RuntimeError(code, 'boom', cls === null ? {} : { details: { failureClass: cls } }),
    ),
  fc.constant(z.object({ a: z.string() }).safeParse({ a: 1 }).error),
);
/** A leaf wrapped in up to 10 causes, some of them HTTP-looking Errors without a status. */
export const failureChains = fc
  .tuple(leaves, fc.array(fc.boolean(), { maxLength: 10 }))
  .map(([leaf, wrappers]) =>
    wrappers.reduce<unknown>(
      (cause, tagged) =>
        tagged ? errorWith({ status: undefined }, { cause }) : new Error('wrap', { cause }),
      leaf,
    ),
  );
