import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';

/**
 * How a compare-and-set write ended:
 * - `ok`: written; `revision` is the new value's revision;
 * - `conflict`: the key was not at the expected revision (someone else wrote first), decided by
 *   JetStream's API code (10071 wrong last sequence, 10164 unknown last sequence);
 * - `unavailable`: any other failure (timeout, closed connection, refused); `error` is the
 *   original, for the caller to log or rethrow.
 */
export type CasOutcome =
  | { readonly status: 'ok'; readonly revision: number }
  | { readonly status: 'conflict'; readonly error: unknown }
  | { readonly status: 'unavailable'; readonly error: unknown };

/**
 * The one compare-and-set write of a KV value: `create` when `revision` is undefined
 * (the key must have no value, or a deleted one), a put expecting `revision` as the key's last
 * sequence otherwise (`update`). `revision` 0 is strict: the key must hold no message at all, a
 * delete marker included (a checkpoint store decides itself what a marker on top means). Never
 * throws: every failure is an outcome, none is dropped.
 */
export async function casWrite(
  kv: KV,
  key: string,
  value: Uint8Array,
  revision: number | undefined,
): Promise<CasOutcome> {
  try {
    // Not kv.update: it refuses revision 0, which is the expectation "no message yet".
    const next =
      revision === undefined
        ? await kv.create(key, value)
        : await kv.put(key, value, { previousSeq: revision });
    return { status: 'ok', revision: next };
  } catch (error) {
    return { status: isCasConflict(error) ? 'conflict' : 'unavailable', error };
  }
}

/** True when `error` is JetStream refusing an expected last sequence. */
export function isCasConflict(error: unknown): boolean {
  return (
    error instanceof JetStreamApiError &&
    (error.code === JetStreamApiCodes.StreamWrongLastSequence ||
      error.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}
