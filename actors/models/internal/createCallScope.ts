import type { Clock, TimerHandle } from 'agentvisor/internal';
import { timeoutError, type TimeoutPhase } from './modelErrors.js';

/** Options of {@link createCallScope}. */
export interface CallScopeOptions {
  readonly model: string;
  /** The caller's signal; its abort aborts the call with the caller's reason. */
  readonly signal: AbortSignal | undefined;
  /** Bound on the whole call, from sending the request to the last byte. */
  readonly timeoutMs: number;
  /** Streaming only: bound on the gap between two pieces of progress. */
  readonly idleTimeoutMs: number | undefined;
}

/**
 * The cancellation of one HTTP call. Every way a call can be cut short (the caller's signal, the
 * call deadline, the idle timeout) aborts one controller, with its own reason, so whichever await
 * is pending (connect, headers, a body read) rejects and {@link CallScope.failure} turns the
 * rejection back into that reason.
 */
export interface CallScope {
  /** Pass to `fetch`: aborted by the caller, the deadline or the idle timer. */
  readonly signal: AbortSignal;
  /** The response's headers arrived: later timeouts are about the body. */
  received(status: number): void;
  /** Progress on a stream: the idle timer starts over. */
  touch(): void;
  /** What a rejected await should throw: the abort reason if aborted, else `wrap(error)`. */
  failure(error: unknown, wrap: (error: unknown) => unknown): unknown;
  /** Clears the timers, drops the caller's listener, and aborts any body still being read. */
  dispose(): void;
}

/** Creates the {@link CallScope} of one call, with its timers on `clock`. */
export function createCallScope(clock: Clock, options: CallScopeOptions): CallScope {
  const controller = new AbortController();
  let phase: TimeoutPhase = 'headers';
  let status: number | undefined;
  let idleTimer: TimerHandle;
  let idleArmed = false;

  const expire = (timeoutMs: number, which: TimeoutPhase) => () => {
    controller.abort(timeoutError(options.model, which, timeoutMs, status));
  };
  const onCallerAbort = () => {
    controller.abort(options.signal?.reason);
  };
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const callTimer = clock.setTimeout(() => {
    expire(options.timeoutMs, phase)();
  }, options.timeoutMs);
  const armIdle = () => {
    if (options.idleTimeoutMs === undefined || controller.signal.aborted) return;
    if (idleArmed) clock.clearTimeout(idleTimer);
    idleTimer = clock.setTimeout(expire(options.idleTimeoutMs, 'idle'), options.idleTimeoutMs);
    idleArmed = true;
  };
  // The idle timer runs from the start: a server that never sends headers makes no progress.
  armIdle();

  return {
    signal: controller.signal,
    received(code) {
      status = code;
      phase = 'body';
    },
    touch: armIdle,
    failure(error, wrap) {
      return controller.signal.aborted ? (controller.signal.reason as unknown) : wrap(error);
    },
    dispose() {
      clock.clearTimeout(callTimer);
      if (idleArmed) clock.clearTimeout(idleTimer);
      options.signal?.removeEventListener('abort', onCallerAbort);
      // Frees the socket of a body nobody will read (an error path); a no-op once it was read.
      if (!controller.signal.aborted) controller.abort();
    },
  };
}
