import type { FailureClass } from '../failureClasses.js';
import { recordRestart } from '../restartIntensity.js';
import { intensityError } from './childFailure.js';
import type { ChildRecord } from './ChildRecord.js';
import { restartReach } from './restartReach.js';
import type { SupervisorCore } from './SupervisorCore.js';

/** Counts a restart in the intensity window; when the intensity is exceeded, gives up and returns true. */
export async function countRestart(
  core: SupervisorCore,
  child: ChildRecord,
  failureClass: FailureClass | undefined,
  error: unknown,
): Promise<boolean> {
  const { history, exceeded } = recordRestart(core.history, core.deps.clock.monotonic(), core.spec);
  core.history = history;
  if (!exceeded) return false;
  await core.giveUp(
    intensityError(core.name, child.spec.id, core.spec, failureClass, error),
    child,
    failureClass,
  );
  return true;
}

/** Restarts `child` and, per the strategy, its siblings, after the child's backoff delay. */
export async function scheduleRestart(
  core: SupervisorCore,
  child: ChildRecord,
  failureClass: FailureClass | undefined,
  error: unknown,
): Promise<void> {
  if (await countRestart(core, child, failureClass, error)) return;
  const { clock, system } = core.deps;
  const { stop, targets, dropped } = restartReach(
    core.spec.strategy,
    core.children,
    child,
    (c) => c.spec.restart === 'temporary',
  );
  // Siblings in reach stop in reverse start order, their messages held for their restart.
  for (const sibling of stop) {
    await core.stopChild(sibling, {
      hold: sibling.spec.restart !== 'temporary',
      how: `restart of ${child.spec.id}`,
    });
  }
  // OTP: temporary siblings are never restarted, even when a sibling's failure took them down.
  for (const sibling of dropped) {
    system.release(sibling.name);
    core.remove(sibling);
  }
  for (const target of targets) target.status = 'restarting';
  child.restarts++;
  const delayMs =
    child.backoff === undefined ? 0 : child.backoff.nextDelay(clock.monotonic(), core.deps.random);
  core.emit({
    type: 'restart-scheduled',
    child: child.spec.id,
    incarnation: child.incarnation,
    targets: targets.map((t) => t.spec.id),
    delayMs,
    failureClass,
  });
  const run = () =>
    core.serial(async () => {
      if (!core.isRunning()) return;
      for (const target of targets) {
        if (target.status !== 'restarting' || !core.children.includes(target)) continue;
        await core.startChild(target, undefined);
      }
    });
  if (delayMs <= 0) {
    void run();
    return;
  }
  child.timer = clock.setTimeout(() => {
    child.timer = undefined;
    void run();
  }, delayMs);
}
