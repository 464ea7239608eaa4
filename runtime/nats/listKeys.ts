import { JetStreamApiCodes, JetStreamApiError, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';

/**
 * The keys of a KV bucket under `filter` (a key pattern such as `ns.>`), in one
 * JetStream API request: stream info with a subjects filter lists every subject holding a
 * message. Deleted keys keep their tombstone and are listed too; callers read each key and skip
 * those.
 *
 * Not `kv.keys()`: that iterates an ordered consumer and ends only on a message with nothing
 * pending or on a 5 s idle heartbeat. On a bucket written all the time (heartbeats) neither
 * comes while the writes outpace the reader: measured here, it listed 113 "keys" for 3 and took
 * 150 ms with an idle reader, and on a loaded machine it did not end for minutes.
 *
 * Resolves `[]` when the bucket does not exist.
 */
export async function listKeys(
  nc: NatsConnection,
  bucket: string,
  filter: string,
): Promise<string[]> {
  const prefix = `$KV.${bucket}.`;
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: `${prefix}${filter}` });
    return Object.keys(info.state.subjects ?? {})
      .map((subject) => subject.slice(prefix.length))
      .sort();
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound)
      return [];
    throw err;
  }
}
