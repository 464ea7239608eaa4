// Type-level tests: checked by `npm run typecheck` (tsc includes test/), not run by vitest.
import { expectTypeOf } from 'vitest';
import { setup } from 'xstate';
import { z } from 'zod';
import { defineAgent, type AgentConfig, type ToolDefinition } from 'agentvisor/actors';

const search: ToolDefinition<{ q: string }, string> = {
  input: z.object({ q: z.string() }),
  run: ({ q }) => Promise.resolve(`found ${q}`),
};

const count: ToolDefinition<{ n: number }, { total: number }> = {
  input: z.object({ n: z.number().int() }),
  idempotent: true,
  run: ({ n }) => Promise.resolve({ total: n + 1 }),
};

type Tools = NonNullable<AgentConfig<Record<string, z.ZodType>, never>['tools']>;

// A typed tool is assignable to `tools` without a cast (its `run` takes a narrower input).
expectTypeOf(search).toExtend<Tools[string]>();
expectTypeOf({ search, count }).toExtend<Tools>();

defineAgent({
  name: 'searcher',
  version: 1,
  accepts: { 'search.run': z.object({ q: z.string() }) },
  tools: { search, count },
  machine: setup({}).createMachine({}),
});

// The tool's own types stay what it declared.
expectTypeOf(search.run).parameter(0).toEqualTypeOf<{ q: string }>();
expectTypeOf(search.run).returns.toEqualTypeOf<Promise<string>>();
