import type { ChildRecord } from './ChildRecord.js';
import { stopChildProcess } from './childProcess.js';
import type { SupervisorCore } from './SupervisorCore.js';

/** Stops one child within its shutdown time, then forcibly; `hold` keeps its messages for a restart. */
export async function stopChild(
  core: SupervisorCore,
  child: ChildRecord,
  options: { hold: boolean; how: string },
): Promise<void> {
  const how = await stopChildProcess(core.deps, core.spec.holdCapacity, child, options);
  if (how === undefined) return;
  core.emit({ type: 'child-stopped', child: child.spec.id, incarnation: child.incarnation, how });
}

/**
 * OTP: stop children in reverse start order; a dynamic supervisor's instances all at once,
 * under their shared shutdown time (simple_one_for_one).
 */
export async function stopAllChildren(core: SupervisorCore): Promise<void> {
  const stopOne = async (child: ChildRecord) => {
    await stopChild(core, child, { hold: false, how: 'shutdown' });
    child.watch?.dispose();
  };
  const reversed = [...core.children].reverse();
  if (core.spec.strategy === 'dynamic') {
    await Promise.all(reversed.map(stopOne));
    return;
  }
  for (const child of reversed) await stopOne(child);
}
