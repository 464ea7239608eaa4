/**
 * True when `value` nests arrays and objects deeper than `maxDepth` (a scalar is depth 0, `{}`
 * and `[]` depth 1, `[[1]]` depth 2). Iterative, depth-first: it costs no stack, so it can judge
 * what a recursive walk (a zod schema, the encoder) would overflow on, and it stops at the first
 * path too deep, so a cyclic value ends too. Byte arrays are leaves (msgpack `bin`).
 */
export function exceedsDepth(value: unknown, maxDepth: number): boolean {
  if (!isContainer(value)) return false;
  if (maxDepth < 1) return true;
  const stack: object[] = [value];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const node = stack.pop() as object;
    const depth = depths.pop() as number;
    const children: readonly unknown[] = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) {
      if (!isContainer(child)) continue;
      if (depth + 1 > maxDepth) return true;
      stack.push(child);
      depths.push(depth + 1);
    }
  }
  return false;
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value);
}
