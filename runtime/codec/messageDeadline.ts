import type { Clock } from '../clock/index.js';
import type { Envelope } from './Envelope.js';

// Runtime-internal helpers, exported from the codec folder for the system but not from the root
// entry. Not `@internal`: stripInternal would remove them from the shipped declarations that
// codec/index.d.ts re-exports (TS2305 in every app with skipLibCheck false).

/**
 * Where an envelope keeps its deadline inside one process: monotonic ms on that process's clock.
 * A symbol, so it never reaches the wire, a journal or a schema (msgpack and zod ignore it), yet
 * survives the copies the runtime makes of an envelope (`{ ...envelope }`).
 */
const EXPIRES_AT: unique symbol = Symbol('agentvisor.expiresAt');

type Stamped = { [EXPIRES_AT]?: number; budgetMs?: number; deadline?: number };

/**
 * Sets the deadline of an envelope about to be sent, `remainingMs` from now on the
 * sender's `clock` (DESIGN "Deadlines across clocks"):
 * - `budgetMs`: the remaining budget, what a receiver on another machine goes by (gRPC's
 *   `grpc-timeout`): it needs no agreement between wall clocks;
 * - `deadline`: the same instant on the sender's wall clock, for readers of `event.deadline` and
 *   for receivers that predate `budgetMs`;
 * - the monotonic expiry, for a receiver in this process.
 */
export function stampSendDeadline(envelope: Envelope, clock: Clock, remainingMs: number): void {
  const remaining = Math.max(0, remainingMs);
  const e = envelope as Stamped;
  e.budgetMs = Math.ceil(remaining);
  e.deadline = Math.floor(clock.now() + remaining);
  e[EXPIRES_AT] = clock.monotonic() + remaining;
}

/**
 * Turns the deadline an envelope arrived with into one on the receiver's `clock`:
 * - built in this process (already stamped): kept as it is;
 * - `budgetMs` (a live message off the wire): expires `budgetMs` of monotonic time from now, and
 *   `deadline` is rewritten to that instant on this node's wall clock, so whatever the machine
 *   reads or passes on from `event.deadline` is on the clock it runs on;
 * - `deadline` only (an envelope from before `budgetMs`, or one from a store: `stored`): the wall
 *   deadline as before, converted to monotonic time once, here. A stored message (a durable
 *   mailbox) has no monotonic reference left (its sender's process may be gone, it may have
 *   waited for hours): with `stored`, its wall deadline wins over its budget, so a redelivery
 *   never gets a fresh budget and expired work does not come back.
 */
export function stampReceivedDeadline(envelope: Envelope, clock: Clock, stored = false): void {
  const e = envelope as Stamped;
  if (e[EXPIRES_AT] !== undefined) return;
  if (e.budgetMs !== undefined && !(stored && e.deadline !== undefined)) {
    e[EXPIRES_AT] = clock.monotonic() + e.budgetMs;
    e.deadline = Math.floor(clock.now() + e.budgetMs);
  } else if (e.deadline !== undefined) {
    e[EXPIRES_AT] = clock.monotonic() + (e.deadline - clock.now());
  }
}

/**
 * The monotonic ms (on `clock`) at which the envelope expires, or `undefined` for none.
 * An envelope that was never stamped goes by its wall deadline.
 */
export function messageExpiresAt(envelope: Envelope, clock: Clock): number | undefined {
  const e = envelope as Stamped;
  const stamped = e[EXPIRES_AT];
  if (stamped !== undefined) return stamped;
  if (e.budgetMs !== undefined) return clock.monotonic() + e.budgetMs;
  return e.deadline === undefined ? undefined : clock.monotonic() + (e.deadline - clock.now());
}
