import {
  classifyFailure,
  ErrorCode,
  isRuntimeError,
  type Clock,
  type FailureClass,
} from 'agentvisor/internal';
import type { ResilienceEvent } from '../ResilienceEvent.js';
import type { AgentMetrics, ModelAnswer } from './AgentMetrics.js';

/** One settled attempt of the call: on which member, and how it ended. */
interface LastAttempt {
  readonly member: string;
  failed: FailureClass | undefined;
}

/**
 * What one live model or tool call of an agent counts, into the metrics of the system that runs
 * it. Pipelines and chains are shared by incarnations and by systems on one clock, so their own
 * listeners cannot tell whose call an event belongs to; this is told of each attempt by the call
 * itself, and reads retries and fallbacks off the sequence of attempts:
 * - a retry: another attempt on the member whose last attempt failed (with that failure's class);
 * - a fallback: a first attempt on another member after one failed, or, when the chain is
 *   exhausted, after the last one failed (`to` is `none`).
 * A member refused whole by its breaker or bulkhead was never called: it is in neither.
 */
export class CallMetrics {
  readonly #metrics: AgentMetrics;
  readonly #agent: string;
  readonly #clock: Clock;
  #last: LastAttempt | undefined;

  constructor(metrics: AgentMetrics, agent: string, clock: Clock) {
    this.#metrics = metrics;
    this.#agent = agent;
    this.#clock = clock;
  }

  /**
   * Runs attempt `attempt` (1 for the first) on a model endpoint (whose pipeline is
   * `model:<member>`) or a tool, counting it by how `run` settles.
   */
  async measure<T>(
    kind: 'model' | 'tool',
    member: string,
    attempt: number,
    run: () => Promise<T>,
  ): Promise<T> {
    const last = this.#last;
    if (last?.failed !== undefined) {
      if (last.member === member && attempt > 1) {
        this.#metrics.retry(this.#agent, `${kind}:${member}`, last.failed);
      } else if (last.member !== member && attempt === 1 && kind === 'model') {
        this.#metrics.fallback(this.#agent, last.member, member);
      }
    }
    const current: LastAttempt = { member, failed: undefined };
    this.#last = current;
    const start = this.#clock.monotonic();
    let outcome: 'ok' | FailureClass = 'ok';
    try {
      const result = await run();
      if (kind === 'model') this.#metrics.usage(this.#agent, member, result as ModelAnswer);
      return result;
    } catch (error) {
      outcome = current.failed = classifyFailure(error);
      throw error;
    } finally {
      if (kind === 'model') {
        const seconds = (this.#clock.monotonic() - start) / 1_000;
        this.#metrics.modelCall(this.#agent, member, outcome, seconds);
      } else this.#metrics.toolCall(this.#agent, member, outcome);
    }
  }

  /**
   * One run of a chain ended (with `error` when it failed): an exhausted chain fell back from
   * its last failed member to none. The next run starts afresh.
   */
  settle(error?: unknown): void {
    const last = this.#last;
    this.#last = undefined;
    if (last?.failed !== undefined && isRuntimeError(error, ErrorCode.FallbackExhausted)) {
      this.#metrics.fallback(this.#agent, last.member, 'none');
    }
  }

  /** Counts an event of this call (degraded, budget, repaired, screened). */
  record(event: ResilienceEvent): void {
    this.#metrics.record(this.#agent, event);
  }
}
