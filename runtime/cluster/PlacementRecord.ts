import { z } from 'zod';

/**
 * Where a unit (an actor) runs: one key per unit in the placement bucket. Claimed with KV
 * `create` (no entry yet) or `update` on the revision read (takeover), so exactly one claim wins;
 * every claim raises `epoch` by one. A node that gives a unit up (drain) writes `released` with
 * the same epoch rather than deleting the key (nats-server 2.9 file stores lose a subject's last
 * sequence when its newest message is deleted, which would break the compare-and-set).
 */
export const PlacementRecordSchema = z.strictObject({
  v: z.literal(1),
  unit: z.string().min(1).max(512),
  /** The owner node's id. */
  node: z.string().min(1).max(64),
  /** The owner node's run id: a restarted node does not inherit its previous run's units. */
  run: z.string().min(1).max(64),
  /** Grows by one with every claim: the fencing token of the placement. */
  epoch: z.number().int().positive(),
  status: z.enum(['active', 'released']),
  /** Wall time of the write, epoch ms. */
  at: z.number().nonnegative(),
});

/** A placement as stored. */
export type PlacementRecord = z.output<typeof PlacementRecordSchema>;

/** A placement read back, with its KV revision (the compare-and-set token). */
export interface Placement {
  /** `undefined` when the stored value is corrupt: the unit then counts as unowned. */
  readonly record: PlacementRecord | undefined;
  readonly revision: number;
}
