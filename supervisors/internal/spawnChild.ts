import type { ChildRecord } from './ChildRecord.js';
import { spawnWorker, type ChildStart } from './childProcess.js';
import { handleChildExit } from './handleChildExit.js';
import type { SupervisorCore } from './SupervisorCore.js';

/**
 * Starts one child and watches it: a worker's actor (durable when the tree has persistence), or
 * a nested supervisor. `from` restores a snapshot (resume, retry) and may prepend messages. A
 * start that throws is handled as a failure of the child.
 */
export async function spawnChild(
  core: SupervisorCore,
  child: ChildRecord,
  from: ChildStart | undefined,
): Promise<void> {
  const { system, clock } = core.deps;
  child.stopping = false;
  child.timer = undefined;
  child.watch?.dispose();
  child.watch = system.watch(child.name, (event) => {
    handleChildExit(core, child, event);
  });
  try {
    if (child.spec.type === 'supervisor') {
      // A restored tree's nested supervisor continues its snapshot on its first start only.
      const sub = core.createSub(child.spec, child.name, child.restore);
      child.restore = undefined;
      child.sub = sub;
      child.status = 'running';
      await sub.start();
      child.incarnation = system.describe(child.name)?.incarnation ?? child.incarnation + 1;
    } else {
      await spawnWorker(core.deps, core.spec.holdCapacity, child, child.spec, from);
    }
    child.backoff?.started(clock.monotonic());
    core.emit({ type: 'child-started', child: child.spec.id, incarnation: child.incarnation });
  } catch (err) {
    // A start that throws (unknown agent, name taken) is a failure of the child like any other.
    core.logger.error({ err, child: child.spec.id }, 'child failed to start');
    child.status = 'running';
    handleChildExit(core, child, {
      type: 'failed',
      name: child.name,
      incarnation: child.incarnation,
      error: err,
      at: clock.now(),
    });
  }
}
