import { z } from 'zod';

/**
 * One node's heartbeat in the membership bucket: who it is, what it can run, how loaded it is.
 * Written every `heartbeatMs`; validated whenever it is read back.
 */
export const MemberRecordSchema = z.strictObject({
  v: z.literal(1),
  /** The node's id (unique among live nodes). */
  node: z.string().min(1).max(64),
  /** This process's run id: a node restarted under the same id gets a new one. */
  run: z.string().min(1).max(64),
  /** Roles placement may ask for. */
  roles: z.array(z.string().min(1).max(64)).max(32),
  /** Actors the node hosts. */
  load: z.number().int().nonnegative(),
  /** Wall time the node started, epoch ms. */
  startedAt: z.number().nonnegative(),
  /** Wall time of this heartbeat, epoch ms (informational: liveness uses arrival, see Membership). */
  at: z.number().nonnegative(),
  /** `leaving` while a node drains: it takes no new placements. */
  status: z.enum(['up', 'leaving']),
});

/** A heartbeat as stored. */
export type MemberRecord = z.output<typeof MemberRecordSchema>;

/** A node as a member list reports it. */
export interface Member extends MemberRecord {
  /** A heartbeat arrived within `deadAfterMs` (a `leaving` node is alive until it leaves). */
  readonly alive: boolean;
  /** Monotonic ms since this node's last heartbeat arrived here. */
  readonly ageMs: number;
}

/** A membership change. */
export type MembershipEvent =
  | { readonly type: 'join'; readonly member: MemberRecord }
  | { readonly type: 'leave'; readonly node: string; readonly run: string }
  | { readonly type: 'dead'; readonly node: string; readonly run: string; readonly ageMs: number };
