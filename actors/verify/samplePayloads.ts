import type { z } from 'zod';

interface Def {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly element?: z.ZodType;
  readonly innerType?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly entries?: Record<string, string | number>;
  readonly values?: readonly unknown[];
  readonly items?: readonly z.ZodType[];
  readonly in?: z.ZodType;
  readonly getter?: () => z.ZodType;
  readonly defaultValue?: unknown;
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** Raw candidates for one schema, before the schema filters them (depth-bounded). */
function candidates(schema: z.ZodType, depth: number): unknown[] {
  if (depth > 6) return [undefined];
  const def = defOf(schema);
  const next = (s: z.ZodType | undefined) =>
    s === undefined ? [undefined] : candidates(s, depth + 1);
  switch (def.type) {
    case 'string':
      return ['a', 'sample', '', 'a'.repeat(64), 'user@example.com', '2026-01-01T00:00:00Z'];
    case 'number':
    case 'int':
      return [1, 0, 42, -1, 0.5, 1_000_000];
    case 'bigint':
      return [1n, 0n];
    case 'boolean':
      return [true, false];
    case 'null':
      return [null];
    case 'undefined':
    case 'void':
      return [undefined];
    case 'any':
    case 'unknown':
      return [undefined, 'sample'];
    case 'literal':
      return [...(def.values ?? [])];
    case 'enum':
      return Object.values(def.entries ?? {});
    case 'optional':
      return [...next(def.innerType), undefined];
    case 'nullable':
      return [...next(def.innerType), null];
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return next(def.innerType);
    case 'pipe':
      return next(def.in);
    case 'lazy':
      return next(def.getter?.());
    case 'union':
      return (def.options ?? []).flatMap(next);
    case 'array':
      return [
        [],
        ...next(def.element)
          .slice(0, 2)
          .map((v) => [v]),
      ];
    case 'tuple':
      return [(def.items ?? []).map((item) => next(item)[0])];
    case 'record':
      return [{}];
    case 'object': {
      const shape = def.shape ?? {};
      const fields = Object.entries(shape).map(
        ([key, field]) => [key, samplesOf(field, depth + 1)] as const,
      );
      const base = Object.fromEntries(fields.map(([key, values]) => [key, values[0]]));
      // The first sample of every field, then one field at a time varied: small and covering.
      const out: unknown[] = [base];
      for (const [key, values] of fields) {
        for (const value of values.slice(1, 3)) out.push({ ...base, [key]: value });
      }
      return out.map(dropUndefined);
    }
    default:
      return [undefined, 'sample', 1, true, {}];
  }
}

function dropUndefined(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined));
}

/**
 * Small payloads that `schema` accepts, for exploring a machine: candidates by schema kind
 * (strings, numbers, enum members, each object field varied once), kept only when the schema
 * parses them, deduplicated, at most `max`. Refinements a candidate fails are simply not sampled
 * (what the abstraction cannot see: a guard on a value no sample has).
 */
export function samplesOf(schema: z.ZodType, depth = 0, max = 4): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const candidate of candidates(schema, depth)) {
    const parsed = schema.safeParse(candidate);
    if (!parsed.success) continue;
    const key = stableKey(parsed.data);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(parsed.data);
    if (out.length >= max) break;
  }
  return out;
}

/** A JSON-like key that is the same for equal values (sorted keys; bigint and undefined kept). */
export function stableKey(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'bigint') return `${v.toString()}n`;
    if (v === undefined) return '\u0000undefined';
    if (typeof v === 'function') return '\u0000function';
    if (v instanceof Error) return { error: v.message, code: (v as { code?: unknown }).code };
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, (v as Record<string, unknown>)[k]]),
      );
    }
    return v;
  });
}
