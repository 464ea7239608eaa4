import type { ChildRecord } from './ChildRecord.js';
import type { SupervisorCore } from './SupervisorCore.js';

/**
 * The child ended for good: no process, its held messages released. OTP: a temporary child's
 * spec goes away, and so does any finished instance of a dynamic supervisor (so its id can be
 * started again and the child list does not grow).
 */
export async function endChild(core: SupervisorCore, child: ChildRecord): Promise<void> {
  child.status = 'terminated';
  core.deps.system.release(child.name);
  if (child.spec.restart === 'temporary' || core.spec.strategy === 'dynamic') core.remove(child);
  // OTP auto_shutdown: a significant child ended by itself.
  if (!child.spec.significant || core.spec.autoShutdown === 'never') return;
  const allEnded = core.children
    .filter((c) => c.spec.significant)
    .every((c) => c.status === 'terminated');
  if (core.spec.autoShutdown === 'any-significant' || allEnded) await core.autoShutdown(child);
}
