import { ErrorCode, RuntimeError, sleepOnClock, type Clock } from 'agentvisor/internal';
import type { StoreFault } from '../ToolFault.js';

/** Fails the way a store does: ERR_STORE_UNAVAILABLE at once, or ERR_TIMEOUT after `afterMs`. */
export async function failStore(clock: Clock, fault: StoreFault, what: string): Promise<never> {
  if (fault.type === 'timeout') {
    await sleepOnClock(clock, fault.afterMs, undefined);
    throw new RuntimeError(ErrorCode.Timeout, `${what} timed out (chaos)`, {
      details: { chaos: true, failureClass: 'transient' },
    });
  }
  throw new RuntimeError(ErrorCode.StoreUnavailable, `${what} failed (chaos)`, {
    details: { chaos: true, failureClass: 'transient' },
  });
}
