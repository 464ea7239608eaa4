import type { ChildSpec } from './policy/index.js';

/** What a child looks like from outside (`whichChildren`). */
export interface ChildInfo {
  readonly id: string;
  /** Actor name the child runs under. */
  readonly name: string;
  readonly type: 'worker' | 'supervisor';
  /**
   * - `running`; `restarting` (stopped, waiting for its backoff or siblings);
   * - `parked` (waiting for a human; messages held);
   * - `terminated` (spec kept, no process: stopped by decision, or exited and not restarted).
   */
  readonly status: ChildStatus;
  readonly incarnation: number;
  /** Restarts of this child since the supervisor started. */
  readonly restarts: number;
  readonly restart: ChildSpec['restart'];
  readonly significant: boolean;
}

/** Status of a child. */
export type ChildStatus = 'running' | 'restarting' | 'parked' | 'terminated';

/** OTP `count_children`. */
export interface ChildCounts {
  readonly specs: number;
  readonly active: number;
  readonly supervisors: number;
  readonly workers: number;
}
