import { it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  classifyFailure,
  ErrorCode,
  isRuntimeError,
  retryAfterMsOf,
  RuntimeError,
  withFailureClass,
  type FailureClass,
} from 'agentvisor';
import { errorWith } from './failureChains.js';

describe('classifyFailure', () => {
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
