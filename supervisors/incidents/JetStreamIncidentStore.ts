import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCode, RuntimeError, kvKey, listKeys, openBucket } from 'agentvisor/internal';
import type { Incident } from './Incident.js';
import {
  byStart,
  matchesFilter,
  parseStoredIncident,
  type IncidentStore,
} from './IncidentStore.js';

/** Default bucket of {@link createJetStreamIncidentStore}. */
export const INCIDENT_BUCKET = 'agentvisor_incidents';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * An {@link IncidentStore} in a JetStream KV bucket (one key per incident, readable JSON; the
 * bucket keeps 5 values per key, so the last updates of a record can be inspected with
 * `nats kv history`). Every node of a cluster shares it.
 *
 * @throws {RuntimeError} ERR_STORE_UNAVAILABLE when JetStream cannot be reached or refuses a
 *   write; ERR_CORRUPT_DATA for a stored record that is not a valid incident.
 */
export function createJetStreamIncidentStore(
  nc: NatsConnection,
  options: { bucket?: string } = {},
): IncidentStore {
  const bucket = options.bucket ?? INCIDENT_BUCKET;
  let opened: Promise<KV> | undefined;
  const kv = (): Promise<KV> => (opened ??= openBucket(nc, bucket, { history: 5 }));
  const unavailable = (what: string, cause: unknown): RuntimeError =>
    new RuntimeError(ErrorCode.StoreUnavailable, `Cannot ${what} in bucket ${bucket}`, {
      cause,
      details: { bucket },
    });
  const read = async (store: KV, key: string, id: string): Promise<Incident | undefined> => {
    let entry;
    try {
      entry = await store.get(key);
    } catch (cause) {
      throw unavailable(`read incident ${id}`, cause);
    }
    if (entry === null || entry.operation !== 'PUT' || entry.value.length === 0) return undefined;
    let raw: unknown;
    try {
      raw = JSON.parse(decoder.decode(entry.value));
    } catch (cause) {
      throw new RuntimeError(ErrorCode.CorruptData, `Stored incident ${id} is not JSON`, {
        cause,
        details: { id, bucket },
      });
    }
    return parseStoredIncident(id, raw);
  };
  return {
    async put(incident) {
      const checked = parseStoredIncident(incident.id, incident);
      const store = await kv();
      try {
        await store.put(kvKey(incident.id), encoder.encode(JSON.stringify(checked)));
      } catch (cause) {
        throw unavailable(`write incident ${incident.id}`, cause);
      }
    },
    async get(id) {
      return read(await kv(), kvKey(id), id);
    },
    async list(filter = {}) {
      const store = await kv();
      let keys: string[];
      try {
        keys = await listKeys(nc, bucket, '>');
      } catch (cause) {
        throw unavailable('list incidents', cause);
      }
      const found: Incident[] = [];
      for (const key of keys) {
        const id = Buffer.from(key, 'base64url').toString('utf8');
        const incident = await read(store, key, id);
        if (incident !== undefined) found.push(incident);
      }
      return found.filter((i) => matchesFilter(i, filter)).sort(byStart);
    },
  };
}
