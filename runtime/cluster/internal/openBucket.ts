import { jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { ErrorCode, RuntimeError } from '../../errors/index.js';

/**
 * @internal Opens a KV bucket, creating it when missing. An existing bucket keeps the
 * configuration it has (the first node of a cluster sets it).
 *
 * @throws {RuntimeError} ERR_STORE_UNAVAILABLE when JetStream cannot be reached or refuses it.
 */
export async function openBucket(
  nc: NatsConnection,
  name: string,
  options: { history: number; ttlMs: number },
): Promise<KV> {
  try {
    return await new Kvm(jetstream(nc)).create(name, {
      history: options.history,
      ttl: options.ttlMs,
    });
  } catch (cause) {
    throw new RuntimeError(ErrorCode.StoreUnavailable, `Cannot open KV bucket ${name}`, {
      cause,
      details: { bucket: name },
    });
  }
}
