import { fc } from '@fast-check/vitest';
import { isRuntimeError, type RuntimeError } from '../../../../runtime/errors/index.js';
import type { Checkpoint, JournalEvent } from '../../../../runtime/persistence/index.js';

/** A valid checkpoint of `actor`; `n` varies every field that carries data. */
export function checkpointFixture(
  actor: string,
  n: number,
  overrides: Partial<Checkpoint> = {},
): Checkpoint {
  return {
    v: 1,
    actor,
    machineId: 'counter',
    machineVersion: 1,
    snapshot: { status: 'active', value: 'counting', context: { count: n, tags: ['a', `t${n}`] } },
    journalSeq: n,
    processedIds: [`msg-${n}`],
    incarnation: 1,
    createdAt: 1_700_000_000_000 + n,
    ...overrides,
  };
}

/** A valid journal event. */
export function eventFixture(id: string, n = 0): JournalEvent {
  return { id, kind: 'message', at: 1_700_000_000_000 + n, data: { n, text: `event ${id}` } };
}

/**
 * The RuntimeError a call fails with. Accepts calls that throw synchronously as well as ones that
 * reject: the memory stores throw before returning a promise.
 */
export async function rejectionOf(call: () => unknown): Promise<RuntimeError> {
  try {
    await call();
  } catch (error) {
    if (isRuntimeError(error)) return error;
    throw error;
  }
  throw new Error('Expected the call to fail, but it succeeded');
}

/** Actor names that are awkward as file names, subjects or keys. */
export const ODD_ACTOR_NAMES = [
  'a/b c.d*>',
  'агент-🤖',
  'A',
  'a',
  '.',
  '..',
  'con',
  '%2F..%2F',
  ' lead and trail ',
  'x'.repeat(512),
  'é'.repeat(300),
] as const;

/** Replaces -0 by 0 everywhere: MessagePack encodes -0 as the integer 0, a legitimate change. */
function withoutNegativeZero(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(withoutNegativeZero);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutNegativeZero(v)]));
  }
  return value;
}

/** msgpackr renames a `__proto__` key on decode (prototype-pollution guard). */
function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([k, v]) => k === '__proto__' || hasProtoKey(v));
}

/** JSON values that survive a MessagePack round trip unchanged. */
export const jsonDataArb = fc
  .jsonValue({ maxDepth: 3 })
  .map(withoutNegativeZero)
  .filter((v) => !hasProtoKey(v));
