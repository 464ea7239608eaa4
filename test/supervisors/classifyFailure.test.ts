import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { z } from 'zod';
import {
  classifyFailure as runtimeClassifyFailure,
  FAILURE_CLASSES as RUNTIME_CLASSES,
  isRuntimeError,
  RuntimeError,
  type ErrorCode,
} from 'agentvisor';
import {
  classifyFailure,
  decideDirective,
  withFailureClass,
  type DecisionTable,
} from '../../supervisors/classifyFailure.js';
import {
  DEFAULT_DECISIONS,
  DIRECTIVES,
  FAILURE_CLASSES,
  type FailureClass,
} from '../../supervisors/failureClasses.js';
import { DecisionTableSchema } from '../../supervisors/policy/schema.js';
import { failureChains } from '../runtime/errors/failureChains.js';

/** An Error with extra fields, as HTTP clients and Node throw them. */
function errorWith(fields: Record<string, unknown>, options?: ErrorOptions): Error {
  return Object.assign(new Error('boom', options), fields);
}

const runtime = (code: ErrorCode, details?: Record<string, unknown>, cause?: unknown) =>
  new RuntimeError(code, 'boom', {
    ...(details === undefined ? {} : { details }),
    ...(cause === undefined ? {} : { cause }),
  });

function zodError(): unknown {
  const result = z.object({ answer: z.string() }).safeParse({ answer: 42 });
  return result.error;
}

function coreZodError(): unknown {
  try {
    z.core.parse(z.string(), 42);
  } catch (err) {
    return err;
  }
  return undefined;
}

function chain(depth: number, innermost: unknown): unknown {
  let error = innermost;
  for (let i = 0; i < depth; i++) error = new Error(`wrapper ${i}`, { cause: error });
  return error;
}

describe('classifyFailure', () => {
  it.each<[string, unknown, FailureClass]>([
    // --- nothing to go on ---
    ['a plain Error', new Error('boom'), 'bug'],
    ['a TypeError', new TypeError('x is undefined'), 'bug'],
    ['a thrown string', 'boom', 'bug'],
    ['undefined', undefined, 'bug'],
    ['null', null, 'bug'],
    ['a number', 429, 'bug'],

    // --- 1. explicit failureClass ---
    ['a tagged error', withFailureClass(new Error('over budget'), 'budget'), 'budget'],
    ['an own failureClass on a plain object', { failureClass: 'safety' }, 'safety'],
    [
      'an unknown failureClass, then its status',
      errorWith({ failureClass: 'nope', status: 429 }),
      'rate-limit',
    ],
    [
      'a tag beating the status',
      errorWith({ failureClass: 'uncertain-effect', status: 503 }),
      'uncertain-effect',
    ],

    // --- 2. RuntimeError details.failureClass ---
    ['details.failureClass', runtime('ERR_ACTOR_FAILED', { failureClass: 'auth' }), 'auth'],
    [
      'details.failureClass beating the code',
      runtime('ERR_TIMEOUT', { failureClass: 'budget' }),
      'budget',
    ],
    [
      'an invalid details.failureClass, then the code',
      runtime('ERR_TIMEOUT', { failureClass: 7 }),
      'transient',
    ],

    // --- 3. RuntimeError codes ---
    ['ERR_TIMEOUT', runtime('ERR_TIMEOUT'), 'transient'],
    ['ERR_CIRCUIT_OPEN', runtime('ERR_CIRCUIT_OPEN'), 'transient'],
    ['ERR_INVALID_MESSAGE', runtime('ERR_INVALID_MESSAGE'), 'invalid-request'],
    ['ERR_UNKNOWN_MESSAGE_TYPE', runtime('ERR_UNKNOWN_MESSAGE_TYPE'), 'invalid-request'],
    ['ERR_INVALID_OPTIONS', runtime('ERR_INVALID_OPTIONS'), 'invalid-request'],
    ['ERR_RESTART_INTENSITY', runtime('ERR_RESTART_INTENSITY'), 'bug'],
    [
      'ERR_RESTART_INTENSITY with details.failureClass',
      runtime('ERR_RESTART_INTENSITY', { failureClass: 'rate-limit' }),
      'rate-limit',
    ],
    [
      'ERR_RESTART_INTENSITY over a transient cause (the giving up decides)',
      runtime('ERR_RESTART_INTENSITY', undefined, runtime('ERR_TIMEOUT')),
      'bug',
    ],
    ['another code with no cause', runtime('ERR_ACTOR_FAILED'), 'bug'],
    [
      'another code, by its cause',
      runtime('ERR_ACTOR_FAILED', undefined, errorWith({ status: 429 })),
      'rate-limit',
    ],
    [
      'a RuntimeError rebuilt from the wire',
      RuntimeError.fromWire({ code: 'ERR_TIMEOUT', message: 't' }),
      'transient',
    ],

    // --- 4. HTTP status ---
    ['429', errorWith({ status: 429 }), 'rate-limit'],
    ['401', errorWith({ status: 401 }), 'auth'],
    ['403', errorWith({ status: 403 }), 'auth'],
    ['400', errorWith({ status: 400 }), 'invalid-request'],
    ['404', errorWith({ status: 404 }), 'invalid-request'],
    ['409', errorWith({ status: 409 }), 'invalid-request'],
    ['413', errorWith({ status: 413 }), 'invalid-request'],
    ['422', errorWith({ status: 422 }), 'invalid-request'],
    ['402', errorWith({ status: 402 }), 'budget'],
    ['408', errorWith({ status: 408 }), 'transient'],
    ['500', errorWith({ status: 500 }), 'transient'],
    ['503', errorWith({ status: 503 }), 'transient'],
    ['599', errorWith({ status: 599 }), 'transient'],
    ['statusCode 429', errorWith({ statusCode: 429 }), 'rate-limit'],
    ['statusCode 502', errorWith({ statusCode: 502 }), 'transient'],
    ['status on a plain object', { status: 401 }, 'auth'],
    ['status preferred to statusCode', errorWith({ status: 401, statusCode: 500 }), 'auth'],
    ['an unlisted status (418)', errorWith({ status: 418 }), 'bug'],
    ['a success status (200)', errorWith({ status: 200 }), 'bug'],
    ['600', errorWith({ status: 600 }), 'bug'],
    ['a non-integer 5xx', errorWith({ status: 500.5 }), 'bug'],
    ['a status string', errorWith({ status: '429' }), 'bug'],
    ['a status beating a network code', errorWith({ status: 401, code: 'ECONNRESET' }), 'auth'],

    // --- 5. network codes ---
    ['ECONNRESET', errorWith({ code: 'ECONNRESET' }), 'transient'],
    ['ECONNREFUSED', errorWith({ code: 'ECONNREFUSED' }), 'transient'],
    ['ETIMEDOUT', errorWith({ code: 'ETIMEDOUT' }), 'transient'],
    ['EPIPE', errorWith({ code: 'EPIPE' }), 'transient'],
    ['EAI_AGAIN', errorWith({ code: 'EAI_AGAIN' }), 'transient'],
    ['ENOTFOUND', errorWith({ code: 'ENOTFOUND' }), 'transient'],
    ['UND_ERR_SOCKET', errorWith({ code: 'UND_ERR_SOCKET' }), 'transient'],
    ['UND_ERR_CONNECT_TIMEOUT', errorWith({ code: 'UND_ERR_CONNECT_TIMEOUT' }), 'transient'],
    ['ENOENT (not a network failure)', errorWith({ code: 'ENOENT' }), 'bug'],

    // --- 6. names ---
    ['an AbortError', AbortSignal.abort().reason, 'transient'],
    ['a TimeoutError', new DOMException('timed out', 'TimeoutError'), 'transient'],
    ['an Error named AbortError', errorWith({ name: 'AbortError' }), 'transient'],

    // --- 7. zod ---
    ['a ZodError', zodError(), 'invalid-output'],
    ['a zod core error', coreZodError(), 'invalid-output'],
    [
      'an error named ZodError (another zod copy)',
      errorWith({ name: 'ZodError' }),
      'invalid-output',
    ],
    [
      'a network code beating the ZodError name',
      errorWith({ name: 'ZodError', code: 'EPIPE' }),
      'transient',
    ],

    // --- cause chains: outermost first ---
    [
      'a plain wrapper, by its cause',
      new Error('wrapped', { cause: errorWith({ status: 429 }) }),
      'rate-limit',
    ],
    [
      'a tagged wrapper over a 429',
      withFailureClass(new Error('w', { cause: errorWith({ status: 429 }) }), 'safety'),
      'safety',
    ],
    [
      'ERR_TIMEOUT over a 401',
      runtime('ERR_TIMEOUT', undefined, errorWith({ status: 401 })),
      'transient',
    ],
    [
      'a 401 over ERR_TIMEOUT',
      errorWith({ status: 401 }, { cause: runtime('ERR_TIMEOUT') }),
      'auth',
    ],
    ['a tag deep in the chain', chain(5, withFailureClass(new Error('x'), 'poison')), 'poison'],
    ['a ZodError behind wrappers', chain(3, zodError()), 'invalid-output'],
    ['a cause 8 levels deep', chain(8, errorWith({ status: 429 })), 'rate-limit'],
    ['a cause 9 levels deep (past the limit)', chain(9, errorWith({ status: 429 })), 'bug'],
    ['a string cause', new Error('w', { cause: 'ECONNRESET' }), 'bug'],
  ])('classifies %s', (_, error, expected) => {
    expect(classifyFailure(error)).toBe(expected);
  });

  it('ignores a failureClass inherited from a prototype', () => {
    class Tagged extends Error {}
    Object.defineProperty(Tagged.prototype, 'failureClass', { value: 'auth' });
    expect(classifyFailure(new Tagged('x'))).toBe('bug');
  });

  it('accepts a failureClass declared as a class field (an own property)', () => {
    class QuotaError extends Error {
      readonly failureClass = 'budget';
    }
    expect(classifyFailure(new QuotaError('x'))).toBe('budget');
  });

  it('terminates on a cause cycle', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    const self = new Error('self');
    (self as { cause?: unknown }).cause = self;
    expect(classifyFailure(a)).toBe('bug');
    expect(classifyFailure(self)).toBe('bug');
  });

  it.prop([fc.anything()])('returns a failure class for any thrown value', (value) => {
    expect(FAILURE_CLASSES).toContain(classifyFailure(value));
  });
});

// Moved from test/runtime/errors/failureClass.test.ts: the runtime test may not import supervisors/.
describe('classifyFailure, the runtime classifier', () => {
  it('has the failure classes of the supervisors', () => {
    expect([...RUNTIME_CLASSES]).toEqual([...FAILURE_CLASSES]);
  });

  it('is the one classifier: the supervisors export the same function', () => {
    expect(classifyFailure).toBe(runtimeClassifyFailure);
  });

  it.prop([failureChains])(
    'classifies as the supervisors do, outside the resilience codes',
    (error) => {
      expect(runtimeClassifyFailure(error)).toBe(classifyFailure(error));
    },
  );
});

describe('withFailureClass', () => {
  it('tags the error itself and returns it', () => {
    const error = new RangeError('too many tokens');
    const tagged = withFailureClass(error, 'budget');
    expect(tagged).toBe(error);
    expect(tagged.failureClass).toBe('budget');
    expect(Object.hasOwn(error, 'failureClass')).toBe(true);
    expect(tagged).toBeInstanceOf(RangeError);
  });

  it('replaces an earlier tag, even a read-only one', () => {
    const error = new Error('x');
    Object.defineProperty(error, 'failureClass', {
      value: 'auth',
      writable: false,
      configurable: true,
    });
    expect(classifyFailure(withFailureClass(error, 'safety'))).toBe('safety');
  });

  it('refuses a value that is not a failure class with ERR_INVALID_OPTIONS', () => {
    let error: unknown;
    try {
      withFailureClass(new Error('x'), 'flaky' as FailureClass);
    } catch (err) {
      error = err;
    }
    expect(isRuntimeError(error, 'ERR_INVALID_OPTIONS')).toBe(true);
  });
});

describe('decideDirective', () => {
  it('prefers the class entry, then the default, then the built-in decisions', () => {
    expect(decideDirective({ transient: 'stop', default: 'escalate' }, 'transient')).toBe('stop');
    expect(decideDirective({ transient: 'stop', default: 'escalate' }, 'auth')).toBe('escalate');
    expect(decideDirective({ transient: 'stop' }, 'auth')).toBe('human');
    expect(decideDirective({}, 'poison')).toBe('resume');
    expect(decideDirective({}, 'bug')).toBe('restart');
  });

  it('treats an entry set to undefined as absent', () => {
    expect(decideDirective({ auth: undefined, default: 'stop' }, 'auth')).toBe('stop');
  });

  it('takes a table parsed by the policy schema', () => {
    const table = DecisionTableSchema.parse({ 'rate-limit': 'escalate' });
    expect(decideDirective(table, 'rate-limit')).toBe('escalate');
    expect(decideDirective(table, 'safety')).toBe(DEFAULT_DECISIONS.safety);
  });

  const keys = [...FAILURE_CLASSES, 'default'] as const;
  const tables: fc.Arbitrary<DecisionTable> = fc.record(
    Object.fromEntries(keys.map((k) => [k, fc.constantFrom(...DIRECTIVES)])) as Record<
      (typeof keys)[number],
      fc.Arbitrary<(typeof DIRECTIVES)[number]>
    >,
    { requiredKeys: [] },
  );

  it.prop([tables, fc.constantFrom(...FAILURE_CLASSES)])(
    'matches table[cls] ?? table.default ?? DEFAULT_DECISIONS[cls]',
    (table, cls) => {
      const expected =
        cls in table ? table[cls] : 'default' in table ? table.default : DEFAULT_DECISIONS[cls];
      expect(decideDirective(table, cls)).toBe(expected);
    },
  );
});
