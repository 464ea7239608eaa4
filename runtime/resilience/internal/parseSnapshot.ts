import type { z } from 'zod';
import { ErrorCode, parseOptions, RuntimeError } from '../../errors/index.js';

/**
 * Validates a snapshot read back from storage (STYLE §7): the version first, so data from a
 * newer release fails as such rather than as malformed fields.
 *
 * @throws {RuntimeError} ERR_CHECKPOINT_VERSION when `v` is not `version`.
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when a field is malformed (`details.issues`).
 */
export function parseSnapshot<TSchema extends z.ZodType>(
  schema: TSchema,
  snapshot: unknown,
  version: number,
  what: string,
): z.output<TSchema> {
  const v =
    typeof snapshot === 'object' && snapshot !== null ? (snapshot as { v?: unknown }).v : undefined;
  if (v !== version) {
    throw new RuntimeError(
      ErrorCode.CheckpointVersion,
      `Unknown ${what} snapshot version: expected \`v\` ${version}, got ${String(v)}`,
      { details: { expected: version, got: v } },
    );
  }
  return parseOptions(schema, snapshot, `${what} snapshot`);
}
