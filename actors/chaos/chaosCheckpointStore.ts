import type { CheckpointStore } from 'agentvisor/internal';
import type { Chaos, ChaosRule } from './createChaos.js';
import { failStore } from './internal/storeFault.js';
import type { CallScope } from './matchesTarget.js';
import type { StoreFault } from './ToolFault.js';

/**
 * `store` with chaos on checkpoint writes: a faulted `put` stores nothing and fails
 * (ERR_STORE_UNAVAILABLE, or ERR_TIMEOUT after a delay). Scope: the checkpoint's actor, plus
 * `scope`. Reads, deletes and retention pass through.
 */
export function chaosCheckpointStore(
  chaos: Chaos,
  store: CheckpointStore,
  rule: ChaosRule<StoreFault> = { faults: [] },
  scope: CallScope = {},
): CheckpointStore {
  return {
    put: async (checkpoint, options) => {
      const actor = checkpoint.actor;
      const fault = chaos.decide('store', { ...scope, actor }, checkpoint, rule);
      if (fault !== undefined)
        return failStore(chaos.clock, fault, `checkpoint write for ${actor}`);
      return store.put(checkpoint, options);
    },
    latest: (actor) => store.latest(actor),
    get: (actor, revision) => store.get(actor, revision),
    list: (actor) => store.list(actor),
    ...(store.newestRevision === undefined
      ? {}
      : { newestRevision: store.newestRevision.bind(store) }),
    delete: (actor, revision) => store.delete(actor, revision),
    retain: (actor, keep) => store.retain(actor, keep),
    close: () => store.close(),
  };
}
