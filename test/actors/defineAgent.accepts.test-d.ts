// Type-level tests: checked by `npx tsc` (tsconfig includes test/), not run by vitest.
import { expectTypeOf } from 'vitest';
import { setup } from 'xstate';
import { z } from 'zod';
import type { MessageEvent } from 'agentvisor';
import { defineAgent, type AgentEvents } from 'agentvisor/actors';

const accepts = {
  'order.place': z.object({ sku: z.string(), qty: z.number().int() }),
  'order.cancel': z.object({ id: z.string(), reason: z.string().optional() }),
  // Transforms: the machine sees the schema's output, not its input.
  'order.tag': z.object({ at: z.string().transform((s) => s.length) }),
};

const shop = defineAgent({
  name: 'shop',
  version: 1,
  accepts,
  machine: setup({ types: { events: {} as AgentEvents<typeof accepts> } }).createMachine({}),
});

// `accepts` keeps its schemas exactly: no widening to Record<string, ZodType>.
expectTypeOf(shop.accepts).toEqualTypeOf<typeof accepts>();
expectTypeOf<keyof typeof shop.accepts>().toEqualTypeOf<
  'order.place' | 'order.cancel' | 'order.tag'
>();

// One event per accepted message type, its payload the schema's output.
type Events = AgentEvents<typeof shop.accepts>;
expectTypeOf<Events['type']>().toEqualTypeOf<'order.place' | 'order.cancel' | 'order.tag'>();
expectTypeOf<Extract<Events, { type: 'order.place' }>>().toEqualTypeOf<
  MessageEvent<'order.place', { sku: string; qty: number }>
>();
expectTypeOf<Extract<Events, { type: 'order.cancel' }>['payload']>().toEqualTypeOf<{
  id: string;
  reason?: string | undefined;
}>();
expectTypeOf<Extract<Events, { type: 'order.tag' }>['payload']>().toEqualTypeOf<{ at: number }>();
// A type the agent does not accept is no event of it.
expectTypeOf<Extract<Events, { type: 'order.refund' }>>().toBeNever();

// The machine passed in is the machine the definition carries.
const machine = setup({}).createMachine({ id: 'm' });
const typed = defineAgent({ name: 'm', version: 1, accepts: {}, machine });
expectTypeOf(typed.machineType).toEqualTypeOf<typeof machine | undefined>();
// A factory's return type is inferred the same way.
const built = defineAgent({ name: 'f', version: '2', accepts, machine: () => machine });
expectTypeOf(built.machineType).toEqualTypeOf<typeof machine | undefined>();

// Accepts must be zod schemas.
defineAgent({
  name: 'bad',
  version: 1,
  // @ts-expect-error a payload schema must be a zod type
  accepts: { 'x.y': { type: 'string' } },
  machine,
});
