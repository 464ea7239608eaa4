import type { Checkpoint } from '../Checkpoint.js';

/**
 * @internal Where recovery reads the journal from: after the checkpoint's position, or earlier
 * when the ledger needs the intents of effects still running when it was taken.
 */
export function readFromOf(checkpoint: Checkpoint | undefined): number {
  const afterSeq = checkpoint?.journalSeq ?? 0;
  return Math.min(afterSeq, (checkpoint?.effectsFromSeq ?? afterSeq + 1) - 1);
}
