import type { Journal } from 'agentvisor/internal';
import type { Chaos, ChaosRule } from './createChaos.js';
import { failStore } from './internal/storeFault.js';
import type { CallScope } from './matchesTarget.js';
import type { StoreFault } from './ToolFault.js';

/**
 * `journal` with chaos on appends: a faulted append writes nothing and fails (ERR_STORE_UNAVAILABLE,
 * or ERR_TIMEOUT after a delay). Scope: the actor appended for, plus `scope`; arguments: the events.
 * Reads pass through.
 */
export function chaosJournal(
  chaos: Chaos,
  journal: Journal,
  rule: ChaosRule<StoreFault> = { faults: [] },
  scope: CallScope = {},
): Journal {
  return {
    append: async (actor, events, options) => {
      const fault = chaos.decide('store', { ...scope, actor }, events, rule);
      if (fault !== undefined) return failStore(chaos.clock, fault, `journal append for ${actor}`);
      return journal.append(actor, events, options);
    },
    read: (actor, afterSeq, options) => journal.read(actor, afterSeq, options),
    lastSeq: (actor) => journal.lastSeq(actor),
    truncateBefore: (actor, beforeSeq) => journal.truncateBefore(actor, beforeSeq),
    ...(journal.maxEventBytes === undefined
      ? {}
      : { maxEventBytes: journal.maxEventBytes.bind(journal) }),
    ...(journal.baseSeq === undefined ? {} : { baseSeq: journal.baseSeq.bind(journal) }),
    repairs: () => journal.repairs(),
    close: () => journal.close(),
  };
}
