import type { NatsConnection } from '@nats-io/transport-node';
import { z } from 'zod';
import {
  ErrorCode,
  RuntimeError,
  casWrite,
  decodeRecord,
  encodeRecord,
  kvKey,
  listKeys,
  openBucket,
} from 'agentvisor/internal';
import { RolloutSpecSchema } from './RolloutSpec.js';
import type { RolloutState, RolloutStore, StoredRollout } from './RolloutStore.js';

/** The KV bucket of rollout states. */
export const ROLLOUT_BUCKET = 'agentvisor_rollouts';

// What is read back is validated (STYLE §5): the config through the rollout's own schema.
const StoredStateSchema = z.looseObject({
  config: RolloutSpecSchema.and(z.looseObject({ id: z.string().min(1) })),
  status: z.enum(['running', 'paused', 'promoted', 'rolledBack', 'aborted']),
  stepIndex: z.number().int().nonnegative(),
  passedInStep: z.number().int().nonnegative(),
  intervals: z.number().int().nonnegative(),
  nextIntervalAt: z.number(),
  promotedAt: z.number().optional(),
  events: z.array(z.looseObject({ type: z.string(), at: z.number() })),
});

/** Options of {@link createKvRolloutStore}. */
export interface KvRolloutStoreOptions {
  /** Namespace of the keys (one bucket serves several). @default 'default' */
  readonly namespace?: string;
  /** Bucket name. @default 'agentvisor_rollouts' */
  readonly bucket?: string;
}

/**
 * A {@link RolloutStore} in a JetStream KV bucket: one JSON record per rollout, written
 * compare-and-set on the key's revision, so a node that took a rollout over and one that still
 * thinks it owns it cannot both move it. Any node with the connection continues a rollout.
 *
 * @throws {RuntimeError} ERR_STORE_UNAVAILABLE when the bucket cannot be opened.
 * @example
 * const store = await createKvRolloutStore(nc);
 * const controller = await RolloutController.resume('analyst@1->2', { clock, store });
 */
export async function createKvRolloutStore(
  nc: NatsConnection,
  options: KvRolloutStoreOptions = {},
): Promise<RolloutStore> {
  const bucket = options.bucket ?? ROLLOUT_BUCKET;
  const namespace = options.namespace ?? 'default';
  const kv = await openBucket(nc, bucket, { history: 5 });
  const keyOf = (id: string): string => kvKey(namespace, id);
  const read = async (key: string): Promise<StoredRollout | undefined> => {
    const entry = await kv.get(key);
    if (entry === null || entry.operation !== 'PUT') return undefined;
    const state = decodeRecord(StoredStateSchema, entry.value);
    if (state === undefined) {
      throw new RuntimeError(
        ErrorCode.CorruptData,
        `Rollout record ${key} in ${bucket} is corrupt`,
        {
          details: { bucket, key },
        },
      );
    }
    return { state: state as unknown as RolloutState, revision: entry.revision };
  };
  return {
    load: (id) => read(keyOf(id)),
    save: async (state, revision) => {
      const outcome = await casWrite(kv, keyOf(state.config.id), encodeRecord(state), revision);
      if (outcome.status === 'ok') return outcome.revision;
      const code =
        outcome.status === 'conflict' ? ErrorCode.PersistenceConflict : ErrorCode.StoreUnavailable;
      throw new RuntimeError(code, `Rollout ${state.config.id} not written (${outcome.status})`, {
        cause: outcome.error,
        details: { id: state.config.id, expected: revision },
      });
    },
    list: async () => {
      const keys = await listKeys(nc, bucket, `${kvKey(namespace)}.>`);
      const states: RolloutState[] = [];
      for (const subject of keys) {
        const stored = await read(subject);
        if (stored !== undefined) states.push(stored.state);
      }
      return states;
    },
  };
}
