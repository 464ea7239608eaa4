import { ErrorCode, RuntimeError } from '../../errors/index.js';

// Shared by every store and journal, never by users: `internal/` is reached by no exports entry,
// so these are not re-exported from the public index (where `stripInternal` would leave the
// shipped `index.d.ts` naming members that no longer exist: TS2305 with skipLibCheck false).

/** @internal The conflict error every store raises on a lost compare-and-set. */
export function conflict(actor: string, expected: number, actual: number): RuntimeError {
  return new RuntimeError(
    ErrorCode.PersistenceConflict,
    `Checkpoint of ${actor} changed: expected revision ${expected}, found ${actual}`,
    { details: { actor, expectedRevision: expected, actualRevision: actual } },
  );
}

/** @internal The error every journal raises when fencing refuses an append. */
export function fenced(actor: string, expected: number, actual: number): RuntimeError {
  return new RuntimeError(
    ErrorCode.PersistenceConflict,
    `Journal of ${actor} moved on: expected last sequence ${expected}, found ${actual} (a stale writer?)`,
    { details: { actor, expectedLastSeq: expected, actualLastSeq: actual } },
  );
}
