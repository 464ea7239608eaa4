import type { Deadline } from './Deadline.js';

/**
 * Per-call options of every resilience primitive's `execute` (STYLE §6: the signal comes last).
 */
export interface ExecuteOptions {
  /**
   * The deadline of the enclosing level (the step): nothing waits past it. Not disposed by the
   * primitive; whoever made it disposes it. @default none
   */
  readonly deadline?: Deadline | undefined;
  /** Cancels the call; it then rejects with `signal.reason`. */
  readonly signal?: AbortSignal | undefined;
}
