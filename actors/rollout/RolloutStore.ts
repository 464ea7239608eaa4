import { ErrorCode, RuntimeError } from 'agentvisor/internal';
import type { MetricClass } from './judgeCanary.js';
import type { AgentVersion, RolloutConfig } from './RolloutSpec.js';

/**
 * Where a rollout is: `running` (stepping on its clock), `paused` (an operator or an
 * inconclusive interval stopped it), `promoted` (the candidate has all traffic), `rolledBack`
 * (new conversations go to stable), `aborted` (stopped by an operator; stable keeps traffic).
 */
export type RolloutStatus = 'running' | 'paused' | 'promoted' | 'rolledBack' | 'aborted';

/** What a rollout journals and emits. */
export type RolloutEvent =
  | {
      readonly type: 'rollout.step';
      readonly at: number;
      readonly step: number;
      readonly weight: number;
      readonly shadowSample: number;
    }
  | {
      readonly type: 'rollout.analysis';
      readonly at: number;
      readonly step: number;
      readonly interval: number;
      readonly verdict: 'pass' | 'marginal' | 'fail' | 'nodata';
      readonly score: number;
      readonly metrics: readonly {
        readonly name: string;
        readonly classification: MetricClass;
        readonly pValue: number;
      }[];
    }
  | {
      readonly type: 'rollout.rolledBack';
      readonly at: number;
      readonly from: AgentVersion;
      readonly to: AgentVersion;
      readonly reason: string;
    }
  | { readonly type: 'rollout.paused'; readonly at: number; readonly reason: string }
  | { readonly type: 'rollout.resumed'; readonly at: number }
  | { readonly type: 'rollout.promoted'; readonly at: number; readonly version: AgentVersion }
  | { readonly type: 'rollout.aborted'; readonly at: number; readonly reason: string };

/** The durable state of one rollout: enough for any node to continue it from its step. */
export interface RolloutState {
  readonly config: RolloutConfig;
  readonly status: RolloutStatus;
  /** Index of the current step in `config.steps`. */
  readonly stepIndex: number;
  /** Passing intervals in the current step. */
  readonly passedInStep: number;
  /** Intervals judged since the start. */
  readonly intervals: number;
  /** Wall time the next analysis is due (epoch ms). */
  readonly nextIntervalAt: number;
  /** Wall time of promotion (the rollback window starts here). */
  readonly promotedAt?: number | undefined;
  /** The last events, newest last (at most 100). */
  readonly events: readonly RolloutEvent[];
}

/** A stored state and the revision a compare-and-set write expects. */
export interface StoredRollout {
  readonly state: RolloutState;
  readonly revision: number;
}

/**
 * Durable rollout state, written compare-and-set so two nodes cannot both move one rollout:
 * in memory ({@link createMemoryRolloutStore}) or in a JetStream KV bucket (`createKvRolloutStore`).
 */
export interface RolloutStore {
  load(id: string): Promise<StoredRollout | undefined>;
  /**
   * Writes `state` expecting `revision` (`undefined`: the rollout must be new); resolves the new
   * revision. @throws {RuntimeError} ERR_PERSISTENCE_CONFLICT when someone wrote first.
   */
  save(state: RolloutState, revision: number | undefined): Promise<number>;
  /** Every stored rollout. */
  list(): Promise<readonly RolloutState[]>;
}

/**
 * A {@link RolloutStore} in process memory (tests, one node): states are copied through JSON,
 * as a real store would.
 *
 * @example
 * const store = createMemoryRolloutStore();
 */
export function createMemoryRolloutStore(): RolloutStore {
  const entries = new Map<string, { json: string; revision: number }>();
  return {
    load: (id) => {
      const entry = entries.get(id);
      return Promise.resolve(
        entry === undefined
          ? undefined
          : { state: JSON.parse(entry.json) as RolloutState, revision: entry.revision },
      );
    },
    save: (state, revision) => {
      const id = state.config.id;
      const current = entries.get(id);
      if (current?.revision !== revision) {
        return Promise.reject(
          new RuntimeError(ErrorCode.PersistenceConflict, `Rollout ${id} was written by another`, {
            details: { id, expected: revision, actual: current?.revision },
          }),
        );
      }
      const next = (current?.revision ?? 0) + 1;
      entries.set(id, { json: JSON.stringify(state), revision: next });
      return Promise.resolve(next);
    },
    list: () =>
      Promise.resolve([...entries.values()].map((e) => JSON.parse(e.json) as RolloutState)),
  };
}
