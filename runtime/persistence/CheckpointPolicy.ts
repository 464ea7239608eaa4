import { z } from 'zod';

/** When an actor writes a checkpoint (DESIGN.md "Checkpoints and the journal"). */
export const CheckpointPolicySchema = z.strictObject({
  /** After every N messages processed. @default 1 */
  everySteps: z.number().int().positive().default(1),
  /** Also after each settled step: a transition not caused by a message (an effect's result). @default true */
  onSettled: z.boolean().default(true),
  /** Also at least this often while the actor changes (0: off). @default 0 */
  intervalMs: z.number().nonnegative().default(0),
  /**
   * Also when the messages journaled since the last checkpoint exceed this many bytes, so replay
   * after a crash stays bounded (0: off). @default 0
   */
  maxJournalBytes: z.number().nonnegative().default(0),
  /** Also when the process heap exceeds this many bytes: state on disk before memory runs out (0: off). @default 0 */
  maxHeapBytes: z.number().nonnegative().default(0),
  /** Checkpoints kept; journal entries older than the oldest kept one are truncated. @default 3 */
  keep: z.number().int().positive().default(3),
  /** Processed message ids remembered for dedupe. @default 1000 */
  processedIds: z.number().int().nonnegative().default(1_000),
});

/** What callers pass. */
export type CheckpointPolicy = z.input<typeof CheckpointPolicySchema>;

/** The resolved policy the Persister and its checkpoint writer work with (not on the root). */
export type CheckpointPolicyConfig = z.output<typeof CheckpointPolicySchema>;
