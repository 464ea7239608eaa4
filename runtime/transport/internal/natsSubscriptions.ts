import type { Subscription } from '@nats-io/transport-node';

/** @internal Unsubscribes, ignoring a connection that is already closed or draining. */
export function unsubscribe(sub: Subscription): void {
  try {
    sub.unsubscribe();
  } catch {
    // Closed with its connection: nothing left to release.
  }
}

/** @internal Drains a subscription; one already gone (disposed, or closed) has nothing to drain. */
export async function drainSubscription(sub: Subscription): Promise<void> {
  try {
    await sub.drain();
  } catch {
    // Unsubscribed or closed already.
  }
}
