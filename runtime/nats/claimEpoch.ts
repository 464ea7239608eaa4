import type { KV } from '@nats-io/kv';
import { casWrite, type CasOutcome } from './casWrite.js';

/**
 * What a claimer read of an epoch-fenced entry: its revision and the epoch it holds (`undefined`
 * when the value is corrupt and its epoch cannot be read).
 */
export interface EpochEntry {
  readonly epoch: number | undefined;
  readonly revision: number;
}

/**
 * The epoch a claim over `previous` takes: 1 for no entry, the previous epoch + 1, and
 * after a corrupt entry its revision + 1 (a revision is at least the number of writes to the key
 * in its stream, so it exceeds every epoch the entry could have held): epochs only grow.
 */
export function nextEpoch(previous: EpochEntry | undefined): number {
  if (previous === undefined) return 1;
  return previous.epoch === undefined ? previous.revision + 1 : previous.epoch + 1;
}

/** How a claim ended: a {@link CasOutcome}, with the epoch taken when it is `ok`. */
export type ClaimOutcome =
  | { readonly status: 'ok'; readonly epoch: number; readonly revision: number }
  | Exclude<CasOutcome, { status: 'ok' }>;

/**
 * The one epoch lease/claim primitive (placement table and mailbox shard leases):
 * writes `value(epoch)` at `key` with epoch {@link nextEpoch}(`previous`), compare-and-set on the
 * revision read (create when there was no entry). Of two claimers from the same read exactly
 * one gets `ok`; the other gets `conflict`.
 */
export async function claimEpoch(
  kv: KV,
  key: string,
  previous: EpochEntry | undefined,
  value: (epoch: number) => Uint8Array,
): Promise<ClaimOutcome> {
  const epoch = nextEpoch(previous);
  const outcome = await casWrite(kv, key, value(epoch), previous?.revision);
  return outcome.status === 'ok' ? { status: 'ok', epoch, revision: outcome.revision } : outcome;
}
