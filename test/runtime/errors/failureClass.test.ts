import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { z } from 'zod';
import {
  classifyFailure,
  ErrorCode,
  FAILURE_CLASSES,
  isRuntimeError,
  retryAfterMsOf,
  RuntimeError,
  withFailureClass,
  type FailureClass,
} from 'agentvisor';
import { classifyFailure as supervisorsClassifyFailure } from '../../../supervisors/classifyFailure.js';
import { FAILURE_CLASSES as SUPERVISOR_CLASSES } from '../../../supervisors/failureClasses.js';

const errorWith = (fields: Record<string, unknown>, options?: ErrorOptions): Error =>
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
const chains = fc
  .tuple(leaves, fc.array(fc.boolean(), { maxLength: 10 }))
  .map(([leaf, wrappers]) =>
    wrappers.reduce<unknown>(
      (cause, tagged) =>
        tagged ? errorWith({ status: undefined }, { cause }) : new Error('wrap', { cause }),
      leaf,
    ),
  );

describe('classifyFailure', () => {
  it('has the failure classes of the supervisors', () => {
    expect([...FAILURE_CLASSES]).toEqual([...SUPERVISOR_CLASSES]);
  });

  it('is the one classifier: the supervisors export the same function', () => {
    expect(supervisorsClassifyFailure).toBe(classifyFailure);
  });

  it.prop([chains])('classifies as the supervisors do, outside the resilience codes', (error) => {
    expect(classifyFailure(error)).toBe(supervisorsClassifyFailure(error));
  });

  it.each<[string, unknown, FailureClass]>([
    ['an open breaker', new RuntimeError(ErrorCode.CircuitOpen, 'x'), 'transient'],
    ['a full bulkhead', new RuntimeError(ErrorCode.BulkheadFull, 'x'), 'transient'],
    ['an unreachable server', new RuntimeError(ErrorCode.Connection, 'x'), 'transient'],
    ['an exceeded budget', new RuntimeError(ErrorCode.BudgetExceeded, 'x'), 'budget'],
    ['output repairs used up', new RuntimeError(ErrorCode.InvalidOutput, 'x'), 'invalid-output'],
    ['blocked input', new RuntimeError(ErrorCode.InputBlocked, 'x'), 'safety'],
    ['a poison message', new RuntimeError(ErrorCode.PoisonMessage, 'x'), 'poison'],
    ['refused credentials', new RuntimeError(ErrorCode.Auth, 'x'), 'auth'],
    ['a refused TLS handshake', new RuntimeError(ErrorCode.Tls, 'x'), 'auth'],
    [
      'an exhausted chain, by its detail',
      new RuntimeError(ErrorCode.FallbackExhausted, 'x', { details: { failureClass: 'auth' } }),
      'auth',
    ],
    [
      'an exhausted chain without a detail, by its cause',
      new RuntimeError(ErrorCode.FallbackExhausted, 'x', { cause: errorWith({ status: 503 }) }),
      'transient',
    ],
    ['a tagged error', withFailureClass(new Error('x'), 'poison'), 'poison'],
  ])('classifies %s', (_, error, expected) => {
    expect(classifyFailure(error)).toBe(expected);
  });

  it('refuses to tag with a class that does not exist', () => {
    let thrown: unknown;
    try {
      withFailureClass(new Error('x'), 'oops' as FailureClass);
    } catch (err) {
      thrown = err;
    }
    expect(isRuntimeError(thrown, ErrorCode.InvalidOptions)).toBe(true);
  });
});

describe('retryAfterMsOf', () => {
  it('reads details.retryAfterMs, an own property, or a cause', () => {
    const http = new RuntimeError(ErrorCode.Timeout, 'x', { details: { retryAfterMs: 1500 } });
    expect(retryAfterMsOf(http)).toBe(1500);
    expect(retryAfterMsOf(errorWith({ retryAfterMs: 20 }))).toBe(20);
    expect(retryAfterMsOf(new Error('wrap', { cause: http }))).toBe(1500);
  });

  it('ignores what is not a delay', () => {
    expect(retryAfterMsOf(errorWith({ retryAfterMs: -1 }))).toBeUndefined();
    expect(retryAfterMsOf(errorWith({ retryAfterMs: '5' }))).toBeUndefined();
    expect(retryAfterMsOf(new Error('x'))).toBeUndefined();
    expect(retryAfterMsOf('x')).toBeUndefined();
  });
});
