import { type TestClock } from 'agentvisor/testing';
import { sleep } from '../../../runtime/resilience/internal/sleep.js';

/** How a promise settled. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Fires the clock's timers one by one until `promise` settles; fails the test when nothing is
 * left to fire and it still has not (a hang).
 */
export async function drive<T>(clock: TestClock, promise: Promise<T>): Promise<Outcome<T>> {
  let outcome: Outcome<T> | undefined;
  promise.then(
    (value) => (outcome = { ok: true, value }),
    (error: unknown) => (outcome = { ok: false, error }),
  );
  await clock.advance(0);
  while (outcome === undefined) {
    if (!(await clock.runNext())) {
      throw new Error('hung: the promise is pending and no timer is left');
    }
  }
  return outcome;
}

/** Resolves after `ms` on `clock`, or rejects with the signal's reason when it aborts first. */
export function wait(clock: TestClock, ms: number, signal?: AbortSignal): Promise<void> {
  return sleep(clock, ms, signal);
}

/** An error of a given failure class, optionally asking for a wait (a 429's Retry-After). */
export function failure(failureClass: string, retryAfterMs?: number): Error {
  return Object.assign(new Error(`simulated ${failureClass}`), {
    failureClass,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}
