import type { Disposable } from 'agentvisor/internal';
import { BackoffTracker } from '../backoff.js';
import type { ChildCounts, ChildInfo, ChildStatus } from '../ChildInfo.js';
import type { ChildSpec, SupervisorSpec } from '../policy/index.js';
import type { Supervisor } from '../Supervisor.js';
import type { SupervisorSnapshot } from '../SupervisorSnapshot.js';

/** A supervisor's bookkeeping for one child. */
export interface ChildRecord {
  spec: ChildSpec;
  readonly name: string;
  status: ChildStatus;
  incarnation: number;
  restarts: number;
  backoff: BackoffTracker | undefined;
  /** The nested supervisor, for supervisor children. */
  sub: Supervisor | undefined;
  watch: Disposable | undefined;
  /** Set while the supervisor itself stops this child, so its exit is not taken as a failure. */
  stopping: boolean;
  timer: unknown;
  /** The open escalation while the child is parked. */
  escalation: string | undefined;
  /** For a supervisor child: the snapshot its next start restores (then cleared). */
  restore: SupervisorSnapshot | undefined;
}

/** A new record for `spec`, not yet started; its backoff follows the supervisor's. */
export function createChildRecord(
  spec: ChildSpec,
  name: string,
  backoff: SupervisorSpec['backoff'],
): ChildRecord {
  return {
    spec,
    name,
    status: 'terminated',
    incarnation: 0,
    restarts: 0,
    backoff: backoff === undefined ? undefined : new BackoffTracker(backoff),
    sub: undefined,
    watch: undefined,
    stopping: false,
    timer: undefined,
    escalation: undefined,
    restore: undefined,
  };
}

/** The outside view of a record (OTP which_children). */
export function childInfo(c: ChildRecord): ChildInfo {
  return {
    id: c.spec.id,
    name: c.name,
    type: c.spec.type,
    status: c.status,
    incarnation: c.incarnation,
    restarts: c.restarts,
    restart: c.spec.restart,
    significant: c.spec.significant,
  };
}

/** OTP count_children over the records. */
export function countChildren(children: readonly ChildRecord[]): ChildCounts {
  return {
    specs: children.length,
    active: children.filter((c) => c.status === 'running').length,
    supervisors: children.filter((c) => c.spec.type === 'supervisor').length,
    workers: children.filter((c) => c.spec.type === 'worker').length,
  };
}
