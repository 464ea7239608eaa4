// Type-level tests: checked by `npx tsc` (tsconfig includes test/), not run by vitest.
import { expectTypeOf } from 'vitest';
import type { RuntimeError } from 'agentvisor';
import { expectRuntimeError } from 'agentvisor/testing';

declare const sync: () => number;
declare const throws: () => never;
declare const async: () => Promise<number>;
declare const promise: Promise<unknown>;

expectTypeOf(expectRuntimeError(sync, 'ERR_TIMEOUT')).toEqualTypeOf<RuntimeError>();
expectTypeOf(expectRuntimeError(throws, 'ERR_TIMEOUT')).toEqualTypeOf<RuntimeError>();
expectTypeOf(expectRuntimeError(async, 'ERR_TIMEOUT')).toEqualTypeOf<Promise<RuntimeError>>();
expectTypeOf(expectRuntimeError(promise, 'ERR_TIMEOUT')).toEqualTypeOf<Promise<RuntimeError>>();
// @ts-expect-error only stable ERR_* codes
void expectRuntimeError(sync, 'ERR_NOT_A_CODE');
