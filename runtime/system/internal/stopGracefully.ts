import type { Clock } from '../../clock/index.js';
import type { Disposable } from '../../events/index.js';
import type { ActorCell } from '../ActorCell.js';
import type { LifecycleListener, StopReason } from '../Lifecycle.js';
import { awaitWrites } from './awaitWrites.js';
import { SHUTDOWN_EVENT, type GracefulStopOutcome, type StopOptions } from './systemOptions.js';

/** What a graceful stop needs of the system, for the one name it stops. */
export interface GracefulStopHost {
  readonly clock: Clock;
  watch(listener: LifecycleListener): Disposable;
  stop(reason: StopReason, options: StopOptions): void;
  /** The cell now hosted under the name. */
  current(): ActorCell | undefined;
  /** The name's checkpoint write in flight, if any (see `Persister.writeInFlight`). */
  writeInFlight(): Promise<void> | undefined;
}

/**
 * Stops `cell` gracefully: a machine that handles {@link SHUTDOWN_EVENT} gets it and `timeoutMs`
 * to end by itself ('graceful'), else it is stopped when the time is up ('forced'); one that does
 * not handle it is stopped at once ('immediate'). A durable actor's checkpoint write still in
 * flight when it stops is waited for, within what is left of `timeoutMs`: it holds the last state,
 * and the caller may close the stores next.
 */
export async function stopGracefully(
  host: GracefulStopHost,
  cell: ActorCell,
  options: { timeoutMs: number; reason?: StopReason; hold?: { capacity: number } },
): Promise<GracefulStopOutcome> {
  const began = host.clock.monotonic();
  // Only when a write is in flight: otherwise the stop takes the same ticks as it always did.
  const written = (): Promise<boolean> | undefined => {
    const write = host.writeInFlight();
    if (write === undefined) return undefined;
    return awaitWrites(host.clock, [write], options.timeoutMs - (host.clock.monotonic() - began));
  };
  const reason = options.reason ?? 'normal';
  const stopOptions: StopOptions = options.hold === undefined ? {} : { hold: options.hold };
  if (cell.status !== 'running') {
    host.stop(reason, stopOptions);
    const write = written();
    if (write !== undefined) await write;
    return 'not-running';
  }
  const snapshot = cell.actor.getSnapshot() as { can?: (e: { type: string }) => boolean };
  let handles: boolean;
  try {
    handles = typeof snapshot.can === 'function' && snapshot.can({ type: SHUTDOWN_EVENT });
  } catch {
    handles = false; // a throwing guard: treat as not handled, stop at once
  }
  if (!handles) {
    host.stop(reason, stopOptions);
    const write = written();
    if (write !== undefined) await write;
    return 'immediate';
  }
  const ended = new Promise<'graceful' | 'forced'>((resolve) => {
    let timer: unknown = undefined;
    const watch = host.watch((e) => {
      if (e.incarnation !== cell.incarnation || e.type === 'started') return;
      watch.dispose();
      host.clock.clearTimeout(timer);
      resolve('graceful');
    });
    timer = Number.isFinite(options.timeoutMs)
      ? host.clock.setTimeout(() => {
          watch.dispose();
          resolve('forced');
        }, options.timeoutMs)
      : undefined;
  });
  cell.actor.send({ type: SHUTDOWN_EVENT });
  const outcome = await ended;
  if (host.current() === cell) host.stop(reason, stopOptions);
  const write = written();
  if (write !== undefined) await write;
  return outcome;
}
