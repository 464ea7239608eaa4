import type { ActorStatus, MembershipEvent, UnitChildReport } from 'agentvisor/internal';

/**
 * What a {@link ClusterNode} reports about its units and its view of the cluster:
 * - `claimed`: this node won a unit's placement (`from`: the previous owner, if any);
 * - `started`: the unit runs here, restored from its checkpoint and journal (`recoveryMs`);
 * - `lost`: another node owns the unit now; the local copy was stopped without writing;
 * - `released`: a drain checkpointed, stopped and released the unit;
 * - `unit-failed`: the unit could not start here, or failed while owned;
 * - `member`: a membership change (join, leave, dead);
 * - `stuck`: an actor of the unit (the unit's own, or a subtree's worker) owes work and has not
 *   made a transition for longer than its step deadline (once per episode).
 */
export type ClusterEvent =
  | {
      readonly type: 'claimed';
      readonly unit: string;
      readonly epoch: number;
      readonly from?: string;
    }
  | {
      readonly type: 'started';
      readonly unit: string;
      readonly epoch: number;
      readonly recoveryMs: number;
    }
  | {
      readonly type: 'lost';
      readonly unit: string;
      readonly owner?: string;
      readonly epoch?: number;
    }
  | { readonly type: 'released'; readonly unit: string; readonly epoch: number }
  | { readonly type: 'unit-failed'; readonly unit: string; readonly error: unknown }
  | { readonly type: 'member'; readonly event: MembershipEvent }
  | {
      readonly type: 'stuck';
      readonly unit: string;
      readonly actor: string;
      readonly sinceMs: number;
      readonly owed: readonly string[];
    };

/** One unit as a node reports it (status command, control subject). */
export interface UnitStatus {
  readonly name: string;
  readonly agent: string;
  readonly epoch: number;
  readonly status: ActorStatus | 'starting' | 'stuck';
  readonly incarnation: number;
  /** Messages delivered to its logic in this incarnation (a subtree: the sum over its workers). */
  readonly processed: number;
  readonly mailboxSize: number;
  /** A subtree unit whose handle describes itself: every child, with its actor's counters. */
  readonly children?: readonly UnitChildStatus[];
  /** A subtree unit: escalations waiting for a person. */
  readonly openEscalations?: number;
}

/** One child of a subtree unit in a node's report. */
export interface UnitChildStatus extends UnitChildReport {
  /** Its actor's incarnation (0: no actor now). */
  readonly incarnation: number;
  /** Messages delivered to its logic in this incarnation. */
  readonly processed: number;
  readonly mailboxSize: number;
}

/** A node's own report of itself. */
export interface NodeStatus {
  readonly node: string;
  readonly run: string;
  readonly roles: readonly string[];
  readonly namespace: string;
  readonly state: 'running' | 'draining' | 'closed';
  readonly startedAt: number;
  readonly units: readonly UnitStatus[];
}
