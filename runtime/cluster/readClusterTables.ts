import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { decodeRecord, fromKvToken, kvToken, listKeys, openExistingBucket } from '../nats/index.js';
import { CLUSTER_BUCKETS } from './openClusterTables.js';
import { MemberRecordSchema, type MemberRecord } from './MemberRecord.js';
import { PlacementRecordSchema, type PlacementRecord } from './PlacementRecord.js';

/** One placement as stored: `record` is undefined when the entry does not decode. */
export interface StoredPlacement {
  readonly unit: string;
  readonly record: PlacementRecord | undefined;
  readonly revision: number;
}

/** Which namespace and buckets {@link readClusterMembers} and {@link readClusterPlacements} read. */
export interface ClusterTablesLocation {
  /** @default 'default' */
  readonly namespace?: string;
  /** @default {@link CLUSTER_BUCKETS} */
  readonly buckets?: { readonly members?: string; readonly placements?: string };
}

/**
 * Reads a namespace's heartbeats from any connection, without watching or writing: every
 * decodable one (a corrupt entry is left out); a bucket that does not exist yet reads as empty.
 */
export async function readClusterMembers(
  nc: NatsConnection,
  location: ClusterTablesLocation = {},
): Promise<MemberRecord[]> {
  const prefix = prefixOf(location);
  const bucket = location.buckets?.members ?? CLUSTER_BUCKETS.members;
  const kv = await openExistingBucket(nc, bucket);
  return (await readAll(nc, kv, bucket, prefix))
    .map((e) => decodeRecord(MemberRecordSchema, e.value))
    .filter((r): r is MemberRecord => r !== undefined);
}

/**
 * Reads a namespace's placements from any connection, sorted by unit name, without watching or
 * writing; a bucket that does not exist yet reads as empty.
 */
export async function readClusterPlacements(
  nc: NatsConnection,
  location: ClusterTablesLocation = {},
): Promise<StoredPlacement[]> {
  const prefix = prefixOf(location);
  const bucket = location.buckets?.placements ?? CLUSTER_BUCKETS.placements;
  const kv = await openExistingBucket(nc, bucket);
  const placements = (await readAll(nc, kv, bucket, prefix)).map((e) => ({
    unit: fromKvToken(e.key.slice(prefix.length)),
    record: decodeRecord(PlacementRecordSchema, e.value),
    revision: e.revision,
  }));
  placements.sort((a, b) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0));
  return placements;
}

function prefixOf(location: ClusterTablesLocation): string {
  return `${kvToken(location.namespace ?? 'default')}.`;
}

async function readAll(
  nc: NatsConnection,
  kv: KV | undefined,
  bucket: string,
  prefix: string,
): Promise<{ key: string; value: Uint8Array; revision: number }[]> {
  if (kv === undefined) return [];
  const keys = await listKeys(nc, bucket, `${prefix}>`);
  const entries = await Promise.all(keys.map((key) => kv.get(key)));
  return entries.flatMap((e) =>
    e === null || e.operation !== 'PUT'
      ? []
      : [{ key: e.key, value: e.value, revision: e.revision }],
  );
}
