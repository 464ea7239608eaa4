import { messageOf, type Envelope, type LifecycleEvent } from 'agentvisor/internal';
import { childFailureDirective, escalatedError } from './childFailure.js';
import type { ChildRecord } from './ChildRecord.js';
import { endChild } from './endChild.js';
import { parkChild } from './parkChild.js';
import { countRestart, scheduleRestart } from './scheduleRestart.js';
import type { SupervisorCore } from './SupervisorCore.js';

/**
 * A child's lifecycle event, in the supervisor's loop: a failure goes through its failure class
 * and directive, a normal or shutdown exit through the child's restart type. Events about an
 * older incarnation, a child the supervisor stops itself, or a supervisor that no longer runs
 * are ignored.
 */
export function handleChildExit(
  core: SupervisorCore,
  child: ChildRecord,
  event: LifecycleEvent,
): void {
  if (event.type === 'started') return;
  void core.serial(async () => {
    if (!core.isRunning()) return;
    if (!core.children.includes(child) || child.status !== 'running' || child.stopping) return;
    if (event.incarnation !== child.incarnation && event.incarnation !== 0) return;
    switch (event.type) {
      case 'failed':
        await onFailed(core, child, event.error, 'message' in event ? event.message : undefined);
        return;
      case 'done':
        await onExited(core, child, 'normal');
        return;
      case 'stopped':
        await onExited(core, child, 'shutdown');
        return;
    }
  });
}

/** A child ended without failing: `normal` (final state) or `shutdown` (stopped by someone else). */
async function onExited(
  core: SupervisorCore,
  child: ChildRecord,
  reason: 'normal' | 'shutdown',
): Promise<void> {
  core.emit({ type: 'child-exited', child: child.spec.id, incarnation: child.incarnation, reason });
  // OTP: permanent always restarts; transient and temporary do not on a normal/shutdown exit.
  if (child.spec.restart === 'permanent') {
    await scheduleRestart(core, child, undefined, undefined);
    return;
  }
  await endChild(core, child);
}

async function onFailed(
  core: SupervisorCore,
  child: ChildRecord,
  error: unknown,
  message: Envelope | undefined,
): Promise<void> {
  const { clock, system } = core.deps;
  // Poison is the same input failing the same way for the same child (not for a sibling).
  const poison = core.poison.record(message, error, clock.monotonic(), child.spec.id);
  const { failureClass, directive } = childFailureDirective(
    error,
    poison,
    core.deps.classify,
    core.spec.onFailure,
  );
  core.emit({
    type: 'child-failed',
    child: child.spec.id,
    incarnation: child.incarnation,
    failureClass,
    directive,
    error: messageOf(error),
  });
  switch (directive) {
    case 'restart':
      if (child.spec.restart === 'temporary') {
        // OTP: a temporary child is never restarted; its spec goes away.
        await endChild(core, child);
        return;
      }
      await scheduleRestart(core, child, failureClass, error);
      return;
    case 'resume': {
      // Keep the state it had before the failing message; that message is dropped.
      if (await countRestart(core, child, failureClass, error)) return;
      const snapshot = system.lastGoodSnapshot(child.name);
      child.restarts++;
      await core.startChild(child, snapshot === undefined ? undefined : { snapshot });
      return;
    }
    case 'stop':
      await endChild(core, child);
      return;
    case 'escalate':
      await core.giveUp(
        escalatedError(core.name, child.spec.id, failureClass, error),
        child,
        failureClass,
      );
      return;
    case 'human':
      await parkChild(core, child, failureClass, error, message);
      return;
  }
}
