import { fc, it } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { createMachine } from 'xstate';
import type { ActorTemplate } from 'agentvisor';
import {
  EscalationSchema,
  HumanDecisionSchema,
  specAsData,
  type Escalation,
} from '../../../supervisors/escalation/index.js';
import { facts } from './fixtures.js';

const record: Escalation = {
  v: 1,
  id: 'e1',
  status: 'resolved',
  ...facts(),
  raisedAt: 1_700_000_000_000,
  dueAt: 1_700_000_060_000,
  resolution: {
    decision: { type: 'resume', context: { apiKey: 'rotated' } },
    decidedBy: 'human',
    by: 'alice',
    note: 'rotated the key',
    decidedAt: 1_700_000_010_000,
  },
};

const viaJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describe('HumanDecisionSchema', () => {
  it.each([
    [{ type: 'retry' }],
    [{ type: 'resume' }],
    [{ type: 'resume', context: { n: 1, nested: { ok: true } } }],
    [{ type: 'skip', result: { answer: 42 } }],
    [{ type: 'skip', result: null }],
    [{ type: 'restart-fresh' }],
    [{ type: 'stop' }],
  ])('accepts %j', (decision) => {
    expect(HumanDecisionSchema.parse(decision)).toEqual(decision);
  });

  it.each([
    ['an unknown type', { type: 'explode' }],
    ['no type', {}],
    ['a bare string', 'retry'],
    ['null', null],
    ['an extra key', { type: 'retry', force: true }],
    ['a skip without result', { type: 'skip' }],
    ['a resume whose context is not an object', { type: 'resume', context: 'n=1' }],
  ])('rejects %s', (_what, decision) => {
    const result = HumanDecisionSchema.safeParse(decision);
    expect(result.success).toBe(false);
  });
});

describe('EscalationSchema', () => {
  it('reads back a full record written as JSON', () => {
    expect(EscalationSchema.parse(viaJson(record))).toEqual(record);
  });

  it('reads a dueAt of Infinity back from the null JSON writes', () => {
    const forever: Escalation = { ...record, dueAt: Infinity };
    expect(JSON.stringify(forever)).toContain('"dueAt":null');
    expect(EscalationSchema.parse(viaJson(forever)).dueAt).toBe(Infinity);
    expect(EscalationSchema.parse(structuredClone(forever)).dueAt).toBe(Infinity);
  });

  it('reads back a record without checkpoint, failed message or message payloads', () => {
    const { failedMessage: _dropped, ...rest } = facts({ lastCheckpoint: undefined });
    const bare: Escalation = {
      v: 1,
      id: 'e2',
      status: 'resolved',
      ...rest,
      lastMessages: [{ v: 1, id: 'm1', type: 'ping', to: 'greeter-1', payload: undefined }],
      raisedAt: 1,
      dueAt: 2,
      resolution: {
        decision: { type: 'skip', result: undefined },
        decidedBy: 'deadline',
        decidedAt: 2,
      },
    };
    const back = EscalationSchema.parse(viaJson(bare));
    expect(back.lastCheckpoint).toBeUndefined();
    expect(back.failedMessage).toBeUndefined();
    expect(back.resolution?.decision).toEqual({ type: 'skip' });
  });

  it.each([
    ['another version', { ...record, v: 2 }],
    ['an unknown status', { ...record, status: 'pending' }],
    ['an open record with a resolution', { ...record, status: 'open' }],
    ['a resolved record without one', { ...record, resolution: undefined }],
    ['an unknown failure class', { ...record, failureClass: 'gremlins' }],
    ['an unknown default decision', { ...record, defaultDecision: 'panic' }],
    ['an extra field', { ...record, extra: 1 }],
    ['an error chain entry without code', { ...record, errorChain: [{ message: 'x' }] }],
    ['a non-envelope message', { ...record, lastMessages: [{ hello: 'world' }] }],
  ])('rejects %s', (_what, value) => {
    expect(EscalationSchema.safeParse(viaJson(value)).success).toBe(false);
  });
});

describe('specAsData', () => {
  const greeter: ActorTemplate = { createLogic: () => createMachine({}) };
  const named = Object.assign(greeter, { name: 'greeter' });

  it('describes agents, logic and functions instead of keeping them', () => {
    function start(): void {
      // a start function, as a spec may carry
    }
    const spec = {
      id: 'greeter',
      agent: named,
      logic: createMachine({ id: 'checkout' }),
      start,
      onError: (
        () => () =>
          undefined
      )(),
      shutdownMs: Infinity,
      input: { since: new Date(0), tags: new Set(['a']), big: 10n, missing: undefined },
      list: [1, undefined, 'x'],
    };
    expect(specAsData(spec)).toEqual({
      id: 'greeter',
      agent: '[agent greeter]',
      logic: '[logic checkout]',
      start: '[function start]',
      onError: '[function]',
      shutdownMs: 'infinity',
      input: { since: '1970-01-01T00:00:00.000Z', tags: '[object Set]', big: '10' },
      list: [1, null, 'x'],
    });
  });

  it('cuts cycles but keeps shared references', () => {
    const shared = { n: 1 };
    const cyclic: Record<string, unknown> = { a: shared, b: shared };
    cyclic['self'] = cyclic;
    expect(specAsData(cyclic)).toEqual({ a: { n: 1 }, b: { n: 1 }, self: '[circular]' });
  });

  it.prop([
    fc.anything({
      withBigInt: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withTypedArray: true,
      withSparseArray: true,
      withBoxedValues: true,
    }),
  ])('gives JSON-safe data and is idempotent', (value) => {
    const data = specAsData(value);
    expect(viaJson({ data })).toEqual({ data });
    expect(specAsData(data)).toEqual(data);
  });
});
