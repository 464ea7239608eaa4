import { z } from 'zod';
import { ErrorCode, parseOptions, RuntimeError } from 'agentvisor/internal';

// A supervisor's own state as data (STYLE §7), so a tree restored in another process keeps its
// restart intensity window and backoff instead of starting both over. Children's actor state is
// not here: durable workers restore from their own checkpoints and journals.

/** The version {@link Supervisor.toSnapshot} writes and restoring accepts. */
export const SUPERVISOR_SNAPSHOT_VERSION = 1;

/** What a supervisor remembers about one child. */
export interface SupervisorChildSnapshot {
  /** Restarts of the child so far (`whichChildren().restarts`). */
  readonly restarts: number;
  /** Backoff attempt in the current run of failures (0: the next restart waits `minMs`). */
  readonly backoffAttempt: number;
  /** Present while the child waits for a person: the open escalation's id. */
  readonly parked?: { readonly escalation: string } | undefined;
  /** For a supervisor child that runs: its own snapshot. */
  readonly supervisor?: SupervisorSnapshot | undefined;
}

/**
 * A supervisor's restart history and per-child backoff, JSON-safe and versioned (`v: 1`).
 * Timestamps are wall ms (`clock.now()`): monotonic time means nothing in another process, and
 * the time a process was down must count towards the window.
 */
export interface SupervisorSnapshot {
  readonly v: typeof SUPERVISOR_SNAPSHOT_VERSION;
  /** The supervisor's spec id; a snapshot of another supervisor is refused. */
  readonly id: string;
  /** Wall ms when it was taken. */
  readonly takenAt: number;
  /** Wall ms of the restarts inside the intensity window, newest first. */
  readonly restarts: readonly number[];
  /** By child id; children not (or no longer) in the spec are ignored on restore. */
  readonly children: Readonly<Record<string, SupervisorChildSnapshot>>;
}

const ChildSnapshotSchema: z.ZodType<SupervisorChildSnapshot> = z.lazy(() =>
  z.strictObject({
    restarts: z.number().int().nonnegative(),
    backoffAttempt: z.number().int().nonnegative(),
    parked: z.strictObject({ escalation: z.string().min(1) }).optional(),
    supervisor: SupervisorSnapshotSchema.optional(),
  }),
);

/** The schema a snapshot read back from storage must pass (restoring checks `v` first). */
export const SupervisorSnapshotSchema: z.ZodType<SupervisorSnapshot> = z.strictObject({
  v: z.literal(SUPERVISOR_SNAPSHOT_VERSION),
  id: z.string().min(1),
  takenAt: z.number().int(),
  restarts: z.array(z.number().int()),
  children: z.record(z.string(), ChildSnapshotSchema),
});

/**
 * Validates a supervisor snapshot from outside (storage, another process) for the supervisor
 * `id`; the input is not changed.
 *
 * @throws {RuntimeError} ERR_CHECKPOINT_VERSION when `v` is not a version this code knows.
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when a field is malformed (`details.issues` names
 *   each), or the snapshot is of another supervisor (`details.issues[0].path` is `id`).
 */
export function parseSupervisorSnapshot(snapshot: unknown, id: string): SupervisorSnapshot {
  const v =
    typeof snapshot === 'object' && snapshot !== null ? (snapshot as { v?: unknown }).v : undefined;
  if (v !== SUPERVISOR_SNAPSHOT_VERSION) {
    throw new RuntimeError(
      ErrorCode.CheckpointVersion,
      `Unknown supervisor snapshot version: expected \`v\` ${SUPERVISOR_SNAPSHOT_VERSION}, got ${String(v)}`,
      { details: { expected: SUPERVISOR_SNAPSHOT_VERSION, got: v } },
    );
  }
  const data = parseOptions(SupervisorSnapshotSchema, snapshot, 'supervisor snapshot');
  if (data.id !== id) {
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `Expected a snapshot of supervisor \`${id}\`, got one of \`${data.id}\``,
      { details: { issues: [{ path: 'id', message: `must be ${JSON.stringify(id)}` }] } },
    );
  }
  return data;
}
