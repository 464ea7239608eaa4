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
    if (depth === maxDepth) {
      // Any container below is one level too many.
      if (hasContainer(node)) return true;
      continue;
    }
    const push = (child: unknown) => {
      if (isContainer(child)) {
        stack.push(child);
        depths.push(depth + 1);
      }
    };
    if (Array.isArray(node)) for (const child of node as unknown[]) push(child);
    // `for…in`: no array of values per node (decoded maps are plain objects, own keys only).
    else for (const key in node) push((node as Record<string, unknown>)[key]);
  }
  return false;
}

function hasContainer(node: object): boolean {
  if (Array.isArray(node)) return (node as unknown[]).some(isContainer);
  for (const key in node) if (isContainer((node as Record<string, unknown>)[key])) return true;
  return false;
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value);
}
