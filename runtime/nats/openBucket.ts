import { jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCode, RuntimeError } from '../errors/index.js';

/** How a bucket is made when missing. */
export interface BucketSpec {
  /** Values kept per key. */
  readonly history: number;
  /** Age after which the server drops a value; 0 or absent: never. */
  readonly ttlMs?: number;
}

/**
 * The one way to open a KV bucket: creates it when missing; an existing bucket keeps
 * the configuration it has (the first node of a cluster sets it).
 *
 * Keys are built with {@link kvKey} (each name one base64url token), not through nats.js's
 * `KvKeyCodec` hook: that hook encodes every dot-separated token, so a name holding a `.` would
 * become several tokens (two names could share a key) and plain tokens already stored (a shard
 * number) would change.
 *
 * @throws {RuntimeError} ERR_STORE_UNAVAILABLE when JetStream cannot be reached or refuses it.
 */
export async function openBucket(nc: NatsConnection, name: string, spec: BucketSpec): Promise<KV> {
  try {
    return await new Kvm(jetstream(nc)).create(name, {
      history: spec.history,
      ...(spec.ttlMs === undefined || spec.ttlMs === 0 ? {} : { ttl: spec.ttlMs }),
    });
  } catch (cause) {
    throw new RuntimeError(ErrorCode.StoreUnavailable, `Cannot open KV bucket ${name}`, {
      cause,
      details: { bucket: name },
    });
  }
}

/**
 * Opens an existing bucket without creating it; `undefined` when it does not exist or
 * cannot be reached (a reader that must not make buckets: status, tools).
 */
export async function openExistingBucket(
  nc: NatsConnection,
  name: string,
): Promise<KV | undefined> {
  try {
    return await new Kvm(jetstream(nc)).open(name);
  } catch {
    return undefined;
  }
}
