/**
 * @internal Whether `value` is a zod 4 schema the runtime can use, from any copy of zod.
 *
 * Structural, not `instanceof z.ZodType`: zod is a peer dependency, and an app (or a pnpm-style
 * install) may hand us schemas made by its own copy. What the runtime needs is what it checks:
 * the zod 4 internals `_zod.def` (read by `z.toJSONSchema` for tools and structured output) and
 * a `safeParse` method (admission, tool input, output guard). A zod 3 schema has no `_zod`, and a
 * `zod/mini` schema no `safeParse` method: both are refused with the usual ERR_INVALID_OPTIONS.
 */
export function isZodSchema(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { _zod: internals, safeParse } = value as { _zod?: unknown; safeParse?: unknown };
  return (
    typeof safeParse === 'function' &&
    typeof internals === 'object' &&
    internals !== null &&
    typeof (internals as { def?: unknown }).def === 'object'
  );
}
