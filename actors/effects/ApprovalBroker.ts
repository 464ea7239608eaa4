import { Listeners } from 'agentvisor/internal';
import { ErrorCode, RuntimeError, type Clock, type Disposable } from 'agentvisor/internal';

/** A pending request for a person's decision. */
export interface ApprovalRequest {
  readonly key: string;
  readonly agent: string;
  readonly question: string;
  readonly options: readonly string[];
  readonly deadlineMs: number;
  readonly default: string;
  readonly context?: unknown;
}

/** A person's (or the deadline's) decision. */
export interface ApprovalDecision {
  readonly choice: string;
  readonly decidedBy: 'human' | 'deadline';
  readonly by?: string;
}

/** Where the `human` effect asks: an API lists pending requests and takes decisions. */
export interface ApprovalBroker {
  request(request: ApprovalRequest, options?: { signal?: AbortSignal }): Promise<ApprovalDecision>;
  pending(): ApprovalRequest[];
  decide(key: string, choice: string, by?: string): void;
  onRequested(listener: (request: ApprovalRequest) => void): Disposable;
}

/**
 * An in-process approval broker: requests wait for `decide`, or take their default at the
 * deadline (on the injected clock).
 */
export function createApprovalBroker(deps: { clock: Clock }): ApprovalBroker {
  const waiting = new Map<
    string,
    {
      request: ApprovalRequest;
      resolve: (d: ApprovalDecision) => void;
      timer: unknown;
      /** Removes the abort listener: a decided request leaves nothing on the caller's signal. */
      detach: () => void;
    }
  >();
  // No logger here: a listener that throws is rethrown on a macrotask (the Listeners rule), and
  // neither the other listeners nor the request are affected.
  const listeners = new Listeners<ApprovalRequest>();
  const finish = (key: string, decision: ApprovalDecision) => {
    const entry = waiting.get(key);
    if (entry === undefined) return;
    waiting.delete(key);
    deps.clock.clearTimeout(entry.timer);
    entry.detach();
    entry.resolve(decision);
  };
  return {
    request(request, options = {}) {
      const { signal } = options;
      if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
      return new Promise<ApprovalDecision>((resolve, reject) => {
        const timer = deps.clock.setTimeout(() => {
          finish(request.key, { choice: request.default, decidedBy: 'deadline' });
        }, request.deadlineMs);
        const onAbort = () => {
          deps.clock.clearTimeout(timer);
          if (waiting.get(request.key)?.timer === timer) waiting.delete(request.key);
          reject(signal?.reason as Error);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        const detach = () => signal?.removeEventListener('abort', onAbort);
        waiting.set(request.key, { request, resolve, timer, detach });
        listeners.emit(request);
      });
    },
    pending: () => [...waiting.values()].map((w) => w.request),
    decide(key, choice, by) {
      const entry = waiting.get(key);
      if (entry === undefined) {
        throw new RuntimeError(ErrorCode.EscalationNotFound, `No pending approval ${key}`, {
          details: { key },
        });
      }
      if (!entry.request.options.includes(choice)) {
        throw new RuntimeError(
          ErrorCode.InvalidDecision,
          `${choice} is not one of ${entry.request.options.join(', ')}`,
          {
            details: { key, choice, options: entry.request.options },
          },
        );
      }
      finish(key, { choice, decidedBy: 'human', ...(by === undefined ? {} : { by }) });
    },
    onRequested: (listener) => listeners.add(listener),
  };
}
