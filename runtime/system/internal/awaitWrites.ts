import type { Clock, TimerHandle } from '../../clock/index.js';

/**
 * @internal Waits for `writes` (checkpoint writes in flight, which never reject) for at most
 * `timeoutMs` on `clock` (Infinity: no bound; 0 or less: not at all); resolves true when all are
 * done, false when the time ran out first. The timer is cleared either way.
 */
export async function awaitWrites(
  clock: Clock,
  writes: readonly Promise<void>[],
  timeoutMs: number,
): Promise<boolean> {
  if (timeoutMs <= 0) return false;
  const all = Promise.allSettled(writes).then(() => true);
  if (!Number.isFinite(timeoutMs)) return all;
  let timer: TimerHandle = undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = clock.setTimeout(
      () => {
        resolve(false);
      },
      Math.max(0, timeoutMs),
    );
  });
  try {
    return await Promise.race([all, timeout]);
  } finally {
    clock.clearTimeout(timer);
  }
}
