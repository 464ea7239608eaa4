import { BackoffTracker } from '../backoff.js';
import {
  SUPERVISOR_SNAPSHOT_VERSION,
  type SupervisorChildSnapshot,
  type SupervisorSnapshot,
} from '../SupervisorSnapshot.js';
import type { SupervisorCore } from './SupervisorCore.js';

/** What taking and restoring a snapshot reads and writes of a supervisor. */
export type SnapshotTarget = Pick<SupervisorCore, 'spec' | 'deps' | 'children' | 'history'>;

/**
 * The supervisor's state as a {@link SupervisorSnapshot}: the restarts still inside the
 * intensity window (monotonic → wall ms), and each child's restarts, backoff attempt, parked
 * escalation and, for a running supervisor child, its own snapshot.
 */
export function takeSnapshot(target: SnapshotTarget): SupervisorSnapshot {
  const { spec } = target;
  const { clock } = target.deps;
  const mono = clock.monotonic();
  const wall = clock.now();
  const cutoff = mono - spec.periodMs;
  const children: Record<string, SupervisorChildSnapshot> = {};
  for (const child of target.children) {
    const sub = child.sub?.toSnapshot();
    children[child.spec.id] = {
      restarts: child.restarts,
      backoffAttempt: child.backoff?.attempt ?? 0,
      ...(child.status === 'parked' && child.escalation !== undefined
        ? { parked: { escalation: child.escalation } }
        : {}),
      ...(sub === undefined ? {} : { supervisor: sub }),
    };
  }
  return {
    v: SUPERVISOR_SNAPSHOT_VERSION,
    id: spec.id,
    takenAt: wall,
    // Whole ms, as the schema wants: a real monotonic clock has fractions of a ms.
    restarts: target.history.filter((t) => t >= cutoff).map((t) => Math.round(wall - (mono - t))),
    children,
  };
}

/**
 * Restores a validated snapshot onto a supervisor that has not started: its restart history
 * (wall → monotonic ms, so the time since the snapshot counts towards the window) and, per child
 * still in the spec, its restarts, backoff attempt, parked escalation and nested snapshot (used by
 * the child's first start).
 */
export function restoreSnapshot(target: SnapshotTarget, snapshot: SupervisorSnapshot): void {
  const { spec } = target;
  const { clock } = target.deps;
  const mono = clock.monotonic();
  const wall = clock.now();
  target.history = snapshot.restarts.map((t) => mono - (wall - t));
  for (const child of target.children) {
    const saved = Object.hasOwn(snapshot.children, child.spec.id)
      ? snapshot.children[child.spec.id]
      : undefined;
    if (saved === undefined) continue;
    child.restarts = saved.restarts;
    if (spec.backoff !== undefined) {
      child.backoff = BackoffTracker.fromSnapshot(
        { v: 1, attempt: saved.backoffAttempt, lastStartedAt: null },
        spec.backoff,
      );
    }
    child.escalation = saved.parked?.escalation;
    child.restore = saved.supervisor;
  }
}
