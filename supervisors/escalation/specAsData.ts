import { isActorTemplate } from 'agentvisor/internal';

/** Nesting beyond this is cut off: specs are shallow, and a record must stay bounded. */
const MAX_DEPTH = 32;

/**
 * A child spec (or any value) as JSON-safe data, for an escalation record: plain objects, arrays,
 * strings, finite numbers, booleans and `null` are kept; everything else becomes a descriptive
 * string, so a person reading the record sees what was there:
 * - an agent definition (anything with `createLogic`): `'[agent greeter]'`;
 * - XState logic: `'[logic checkout]'` (its machine id) or `'[logic]'`;
 * - a function: `'[function start]'` or `'[function]'` when anonymous;
 * - another class instance (a Map, a zod schema): `'[object Map]'`; a `Date`: its ISO string;
 *   a value with `toJSON()`: what that returns;
 * - `Infinity`: `'infinity'` (as policy files write it); `-Infinity` and `NaN`: their names;
 *   a bigint: its decimal string; a symbol: `'[symbol name]'`;
 * - `undefined`: dropped from objects and `null` in arrays (what `JSON.stringify` does);
 * - a reference to an enclosing object: `'[circular]'`; nesting past 32 levels: `'[too deep]'`.
 *
 * Idempotent: applying it to its own output changes nothing.
 *
 * @example
 * specAsData({ id: 'greeter', agent: greeterAgent, restart: 'permanent' });
 * // → { id: 'greeter', agent: '[agent greeter]', restart: 'permanent' }
 */
export function specAsData(spec: unknown): unknown {
  return toData(spec, new Set(), 0);
}

function toData(value: unknown, ancestors: Set<object>, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return value;
    case 'number':
      // -0 is 0 in JSON.
      if (Number.isFinite(value)) return value === 0 ? 0 : value;
      return value === Infinity ? 'infinity' : String(value);
    case 'bigint':
      return value.toString();
    case 'symbol':
      return value.description === undefined ? '[symbol]' : `[symbol ${value.description}]`;
    case 'function':
      return value.name === '' ? '[function]' : `[function ${value.name}]`;
    case 'object':
      return value === null ? null : objectToData(value, ancestors, depth);
  }
}

function objectToData(value: object, ancestors: Set<object>, depth: number): unknown {
  if (isActorTemplate(value)) {
    const name = (value as { name?: unknown }).name;
    return typeof name === 'string' && name !== '' ? `[agent ${name}]` : '[agent]';
  }
  if (typeof (value as { transition?: unknown }).transition === 'function') {
    const id = (value as { id?: unknown }).id;
    return typeof id === 'string' && id !== '' ? `[logic ${id}]` : '[logic]';
  }
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? '[invalid date]' : value.toISOString();
  }
  if (ancestors.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    return toData(toJSON.call(value) as unknown, ancestors, depth + 1);
  }
  // Only plain objects and arrays are walked: a class instance's own fields are rarely what its
  // reader needs (and may be huge, as a zod schema's are).
  const proto = Object.getPrototypeOf(value) as unknown;
  const isPlain = proto === Object.prototype || proto === null;
  if (!Array.isArray(value) && !isPlain) {
    const ctor = (value as { constructor?: { name?: unknown } }).constructor;
    return typeof ctor?.name === 'string' && ctor.name !== ''
      ? `[object ${ctor.name}]`
      : '[object]';
  }
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      // Array.from visits holes, which JSON writes as null too.
      return Array.from(value, (item: unknown) => toData(item, ancestors, depth + 1) ?? null);
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const data = toData(item, ancestors, depth + 1);
      // defineProperty: a `__proto__` key is data here, not a prototype to set.
      if (data !== undefined) {
        Object.defineProperty(out, key, {
          value: data,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    return out;
  } finally {
    // A shared (not circular) reference seen again under a sibling is data, not a cycle.
    ancestors.delete(value);
  }
}
