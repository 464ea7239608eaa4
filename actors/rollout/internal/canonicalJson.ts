/** JSON with object keys sorted at every level: equal values, equal text (argument matching). */
export function canonicalJson(value: unknown): string {
  // JSON.stringify answers undefined for undefined and functions.
  const text = JSON.stringify(sortKeys(value)) as string | undefined;
  return text === undefined ? 'undefined' : text;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort())
    out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}
