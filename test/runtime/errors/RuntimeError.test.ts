import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { z } from 'zod';
import {
  decodeValue,
  encodeValue,
  ErrorCode,
  isErrorCode,
  isRuntimeError,
  parseOptions,
  RuntimeError,
  toWireError,
  type WireError,
} from 'agentvisor/internal';

const allCodes = Object.values(ErrorCode);

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('RuntimeError', () => {
  it('keeps its error codes stable', () => {
    // The code is the contract: this list only ever grows.
    expect(ErrorCode).toStrictEqual({
      InvalidOptions: 'ERR_INVALID_OPTIONS',
      UnknownDetector: 'ERR_UNKNOWN_DETECTOR',
      MalformedMessage: 'ERR_MALFORMED_MESSAGE',
      InvalidMessage: 'ERR_INVALID_MESSAGE',
      MessageTooLarge: 'ERR_MESSAGE_TOO_LARGE',
      UnknownMessageType: 'ERR_UNKNOWN_MESSAGE_TYPE',
      ActorNotFound: 'ERR_ACTOR_NOT_FOUND',
      ActorExists: 'ERR_ACTOR_EXISTS',
      ActorStopped: 'ERR_ACTOR_STOPPED',
      ActorFailed: 'ERR_ACTOR_FAILED',
      MailboxFull: 'ERR_MAILBOX_FULL',
      Unhandled: 'ERR_UNHANDLED',
      Timeout: 'ERR_TIMEOUT',
      Aborted: 'ERR_ABORTED',
      Closed: 'ERR_CLOSED',
      Auth: 'ERR_AUTH',
      Tls: 'ERR_TLS',
      ForeignNamespace: 'ERR_FOREIGN_NAMESPACE',
      Connection: 'ERR_CONNECTION',
      NatsServerMissing: 'ERR_NATS_SERVER_MISSING',
      NatsServerStart: 'ERR_NATS_SERVER_START',
      CircuitOpen: 'ERR_CIRCUIT_OPEN',
      BulkheadFull: 'ERR_BULKHEAD_FULL',
      BudgetExceeded: 'ERR_BUDGET_EXCEEDED',
      FallbackExhausted: 'ERR_FALLBACK_EXHAUSTED',
      RestartIntensity: 'ERR_RESTART_INTENSITY',
      CheckpointVersion: 'ERR_CHECKPOINT_VERSION',
      ChildNotFound: 'ERR_CHILD_NOT_FOUND',
      ChildConflict: 'ERR_CHILD_CONFLICT',
      EscalationNotFound: 'ERR_ESCALATION_NOT_FOUND',
      EscalationClosed: 'ERR_ESCALATION_CLOSED',
      InvalidDecision: 'ERR_INVALID_DECISION',
      UnknownAgent: 'ERR_UNKNOWN_AGENT',
      IncidentNotFound: 'ERR_INCIDENT_NOT_FOUND',
      IncidentTimestamp: 'ERR_INCIDENT_TIMESTAMP',
      IncidentTransition: 'ERR_INCIDENT_TRANSITION',
      PersistenceConflict: 'ERR_PERSISTENCE_CONFLICT',
      CorruptData: 'ERR_CORRUPT_DATA',
      ValueTooLarge: 'ERR_VALUE_TOO_LARGE',
      StoreUnavailable: 'ERR_STORE_UNAVAILABLE',
      DuplicateMessage: 'ERR_DUPLICATE_MESSAGE',
      UncertainEffect: 'ERR_UNCERTAIN_EFFECT',
      ModelHttp: 'ERR_MODEL_HTTP',
      ModelConnection: 'ERR_MODEL_CONNECTION',
      ModelOutput: 'ERR_MODEL_OUTPUT',
      InvalidOutput: 'ERR_INVALID_OUTPUT',
      InputBlocked: 'ERR_INPUT_BLOCKED',
      NodeExists: 'ERR_NODE_EXISTS',
      MetricsPortInUse: 'ERR_METRICS_PORT_IN_USE',
      PoisonMessage: 'ERR_POISON_MESSAGE',
      DeliveryExhausted: 'ERR_DELIVERY_EXHAUSTED',
      Unauthorized: 'ERR_UNAUTHORIZED',
      Forbidden: 'ERR_FORBIDDEN',
      BodyTooLarge: 'ERR_BODY_TOO_LARGE',
      JournalRange: 'ERR_JOURNAL_RANGE',
      RouteNotFound: 'ERR_ROUTE_NOT_FOUND',
      ConsolePortInUse: 'ERR_CONSOLE_PORT_IN_USE',
      UnknownVersion: 'ERR_UNKNOWN_VERSION',
      RolloutConflict: 'ERR_ROLLOUT_CONFLICT',
      MigrationMissing: 'ERR_MIGRATION_MISSING',
      ShadowEffect: 'ERR_SHADOW_EFFECT',
      RolloutNotFound: 'ERR_ROLLOUT_NOT_FOUND',
      SafetyViolation: 'ERR_SAFETY_VIOLATION',
      Unknown: 'ERR_UNKNOWN',
    });
    expect(new Set(allCodes).size).toBe(allCodes.length);
    for (const code of allCodes) {
      expect(code).toMatch(/^ERR_[A-Z0-9_]+$/);
      expect(isErrorCode(code)).toBe(true);
    }
    expect(isErrorCode('ERR_NOT_A_CODE')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });

  it('is an Error with its code, details and cause', () => {
    const cause = new Error('root');
    const err = new RuntimeError('ERR_TIMEOUT', 'too slow', { details: { ms: 5 }, cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('RuntimeError');
    expect(err.code).toBe('ERR_TIMEOUT');
    expect(err.details).toEqual({ ms: 5 });
    expect(err.cause).toBe(cause);
    expect(new RuntimeError('ERR_CLOSED', 'closed').cause).toBeUndefined();
    expect(new RuntimeError('ERR_CLOSED', 'closed').details).toBeUndefined();
  });

  it('recognises errors by brand, optionally by code', () => {
    const err = new RuntimeError('ERR_TIMEOUT', 'too slow');
    expect(isRuntimeError(err)).toBe(true);
    expect(isRuntimeError(err, 'ERR_TIMEOUT')).toBe(true);
    expect(isRuntimeError(err, 'ERR_CLOSED')).toBe(false);
    for (const other of [new Error('x'), { code: 'ERR_TIMEOUT' }, null, undefined, 'ERR_TIMEOUT']) {
      expect(isRuntimeError(other)).toBe(false);
    }
  });

  it('recognises a RuntimeError from a duplicate copy of the package', () => {
    // Another copy of the package has its own class but the same Symbol.for brand.
    const brand = Symbol.for('agentvisor.error');
    class DuplicateRuntimeError extends Error {
      readonly [brand] = true;
      readonly code = 'ERR_ACTOR_NOT_FOUND';
    }
    const duplicate = new DuplicateRuntimeError('elsewhere');
    expect(duplicate).not.toBeInstanceOf(RuntimeError);
    expect(isRuntimeError(duplicate)).toBe(true);
    expect(isRuntimeError(duplicate, 'ERR_ACTOR_NOT_FOUND')).toBe(true);
    expect(isRuntimeError(duplicate, 'ERR_TIMEOUT')).toBe(false);
    const plain = { [brand]: true, code: 'ERR_CLOSED', message: 'm' };
    expect(isRuntimeError(plain, 'ERR_CLOSED')).toBe(true);
    // The same description without Symbol.for is a different symbol: not the brand.
    expect(isRuntimeError({ [Symbol('agentvisor.error')]: true, code: 'ERR_CLOSED' })).toBe(false);
  });

  it('round-trips through its wire form with the cause chain', () => {
    const inner = new RuntimeError('ERR_TIMEOUT', 'inner', { details: { ms: 100 } });
    const middle = new RuntimeError('ERR_ACTOR_FAILED', 'middle', { cause: inner });
    const outer = new RuntimeError('ERR_MAILBOX_FULL', 'outer', {
      details: { capacity: 3 },
      cause: middle,
    });
    const wire = outer.toWire();
    expect(wire).toStrictEqual({
      code: 'ERR_MAILBOX_FULL',
      message: 'outer',
      details: { capacity: 3 },
      cause: {
        code: 'ERR_ACTOR_FAILED',
        message: 'middle',
        cause: { code: 'ERR_TIMEOUT', message: 'inner', details: { ms: 100 } },
      },
    });
    // The wire form survives JSON and MessagePack.
    expect(JSON.parse(JSON.stringify(wire))).toStrictEqual(wire);
    const packed = encodeValue(wire);
    expect(packed.ok && decodeValue(packed.value)).toStrictEqual({ ok: true, value: wire });

    const back = RuntimeError.fromWire(JSON.parse(JSON.stringify(wire)) as WireError);
    expect(back).toBeInstanceOf(RuntimeError);
    expect(back.code).toBe('ERR_MAILBOX_FULL');
    expect(back.details).toEqual({ capacity: 3 });
    const backMiddle = back.cause;
    expect(isRuntimeError(backMiddle, 'ERR_ACTOR_FAILED')).toBe(true);
    const backInner = (backMiddle as RuntimeError).cause;
    expect(isRuntimeError(backInner, 'ERR_TIMEOUT')).toBe(true);
    expect((backInner as RuntimeError).details).toEqual({ ms: 100 });
    expect((backInner as RuntimeError).cause).toBeUndefined();
    expect(back.toWire()).toStrictEqual(wire);
  });

  it('describes foreign errors and thrown non-errors as ERR_UNKNOWN', () => {
    const wrapped = new RuntimeError('ERR_ACTOR_FAILED', 'failed', {
      cause: new TypeError('bad type'),
    });
    expect(wrapped.toWire().cause).toStrictEqual({
      code: 'ERR_UNKNOWN',
      message: 'bad type',
      details: { name: 'TypeError' },
    });
    expect(toWireError('just a string')).toStrictEqual({
      code: 'ERR_UNKNOWN',
      message: 'just a string',
    });
    expect(toWireError({ a: 1 })).toStrictEqual({ code: 'ERR_UNKNOWN', message: '{"a":1}' });
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(toWireError(cyclic).code).toBe('ERR_UNKNOWN');
    expect(toWireError(undefined)).toStrictEqual({ code: 'ERR_UNKNOWN', message: 'undefined' });
  });

  it('limits the depth of the cause chain, so a cyclic cause terminates', () => {
    const err = new RuntimeError('ERR_ACTOR_FAILED', 'loop');
    Object.defineProperty(err, 'cause', { value: err });
    let depth = 0;
    for (let w: WireError | undefined = err.toWire(); w !== undefined; w = w.cause) depth++;
    expect(depth).toBe(9); // the error and eight causes
  });

  it('turns an unknown wire code into ERR_UNKNOWN and keeps the original in details', () => {
    const err = RuntimeError.fromWire({
      code: 'ERR_FROM_THE_FUTURE',
      message: 'newer peer',
      details: { hint: 'upgrade' },
      cause: { code: 'ERR_ALSO_NEW', message: 'inner' },
    });
    expect(err.code).toBe('ERR_UNKNOWN');
    expect(err.message).toBe('newer peer');
    expect(err.details).toEqual({ hint: 'upgrade', originalCode: 'ERR_FROM_THE_FUTURE' });
    expect(isRuntimeError(err.cause, 'ERR_UNKNOWN')).toBe(true);
    expect((err.cause as RuntimeError).details).toEqual({ originalCode: 'ERR_ALSO_NEW' });
  });

  it.prop([
    fc.oneof(fc.constantFrom(...allCodes), fc.string()),
    fc.string({ unit: 'binary' }),
    fc.option(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })), { nil: undefined }),
  ])(
    'preserves code, message and details through toWire and fromWire',
    (code, message, details) => {
      const wire: WireError = { code, message, ...(details === undefined ? {} : { details }) };
      const err = RuntimeError.fromWire(wire);
      expect(err.message).toBe(message);
      if (isErrorCode(code)) {
        expect(err.code).toBe(code);
        expect(err.details).toStrictEqual(details);
        expect(err.toWire()).toStrictEqual(wire);
        expect(RuntimeError.fromWire(err.toWire()).toWire()).toStrictEqual(wire);
      } else {
        expect(err.code).toBe('ERR_UNKNOWN');
        expect(err.details).toStrictEqual({ ...details, originalCode: code });
      }
    },
  );

  it.prop([
    fc.constantFrom(...allCodes),
    fc.string(),
    fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
  ])('rebuilds an equal error from the wire form of a RuntimeError', (code, message, details) => {
    const original = new RuntimeError(code, message, { details });
    const back = RuntimeError.fromWire(original.toWire());
    expect(back.code).toBe(code);
    expect(back.message).toBe(message);
    expect(back.details).toStrictEqual(details);
  });
});

describe('parseOptions', () => {
  const SupervisorSchema = z.strictObject({
    name: z.string().min(1),
    children: z.array(
      z.strictObject({
        id: z.string(),
        restart: z.enum(['permanent', 'transient', 'temporary']).default('permanent'),
      }),
    ),
  });

  it('returns the parsed options with their defaults', () => {
    expect(parseOptions(SupervisorSchema, { name: 's', children: [{ id: 'a' }] }, 'sup')).toEqual({
      name: 's',
      children: [{ id: 'a', restart: 'permanent' }],
    });
  });

  it('throws ERR_INVALID_OPTIONS with the path of every issue', () => {
    const input = {
      name: '',
      children: [{ id: 'a' }, { id: 'b' }, { id: 'c', restart: 'sometimes' }],
    };
    const err = thrown(() => parseOptions(SupervisorSchema, input, 'supervisor'));
    expect(isRuntimeError(err, 'ERR_INVALID_OPTIONS')).toBe(true);
    const details = (err as RuntimeError).details as {
      what: string;
      issues: { path: string; message: string }[];
    };
    expect(details.what).toBe('supervisor');
    expect(details.issues.map((i) => i.path).sort()).toEqual(['children[2].restart', 'name']);
    for (const issue of details.issues) expect(issue.message).not.toBe('');
  });

  it('reports a problem with the whole input under the empty path', () => {
    const err = thrown(() => parseOptions(SupervisorSchema, 42, 'supervisor'));
    expect(isRuntimeError(err, 'ERR_INVALID_OPTIONS')).toBe(true);
    expect((err as RuntimeError).details?.['issues']).toEqual([
      { path: '', message: expect.any(String) as string },
    ]);
  });

  it('formats nested array indexes and keys as children[0].retry[1].ms', () => {
    const schema = z.object({
      children: z.array(z.object({ retry: z.array(z.object({ ms: z.number() })) })),
    });
    const err = thrown(() =>
      parseOptions(schema, { children: [{ retry: [{ ms: 1 }, { ms: 'x' }] }] }, 'x'),
    );
    const issues = (err as RuntimeError).details?.['issues'] as { path: string }[];
    expect(issues.map((i) => i.path)).toEqual(['children[0].retry[1].ms']);
  });
});
