import type { AnyActorLogic } from 'xstate';
import {
  ErrorCode,
  RuntimeError,
  isActorTemplate,
  type ActorTemplate,
  type Envelope,
} from 'agentvisor/internal';
import type { WorkerSpec } from '../policy/index.js';
import type { SupervisorDeps } from '../SupervisorDeps.js';
import type { ChildRecord } from './ChildRecord.js';

/** Where a (re)started child begins: a snapshot to restore (resume, retry), messages to put first. */
export interface ChildStart {
  readonly snapshot?: unknown;
  readonly prepend?: readonly Envelope[];
}

/**
 * Spawns a worker child's actor, durable when the tree has persistence: it restarts from the
 * newest checkpoint + journal (the default for agents), or fresh when the spec says so or a
 * decision supplies the state (resume, retry). Sets the child running, then its incarnation.
 */
export async function spawnWorker(
  deps: SupervisorDeps,
  holdCapacity: number,
  child: ChildRecord,
  spec: WorkerSpec,
  from: ChildStart | undefined,
): Promise<void> {
  const { system } = deps;
  const logic = resolveAgent(deps.agents, spec);
  child.status = 'running';
  const options = {
    holdOnFailure: { capacity: holdCapacity },
    ...(spec.input === undefined ? {} : { input: spec.input }),
    ...(from?.snapshot === undefined ? {} : { snapshot: from.snapshot }),
    ...(from?.prepend === undefined ? {} : { prepend: from.prepend }),
  };
  const persistence = deps.persistence;
  if (persistence === undefined) {
    system.spawn(child.name, logic, options);
  } else {
    const fresh =
      from?.snapshot !== undefined || (spec.restartFrom === 'fresh' && child.incarnation > 0);
    const agent = logic as { version?: number | string };
    await system.spawnDurable(child.name, logic, {
      ...options,
      persistence: {
        ...persistence,
        machineId: child.name,
        // The agent's checkpoint policy and migration: spawnDurable reads them.
        machineVersion: agent.version ?? 1,
        from: fresh ? 'fresh' : 'latest',
      },
    });
  }
  child.incarnation = system.describe(child.name)?.incarnation ?? child.incarnation + 1;
}

/**
 * Stops one child within its shutdown time, then forcibly; `hold` keeps its messages for a
 * restart. Returns how it stopped, or `undefined` when it was not running (nothing to report).
 */
export async function stopChildProcess(
  deps: SupervisorDeps,
  holdCapacity: number,
  child: ChildRecord,
  options: { hold: boolean; how: string },
): Promise<string | undefined> {
  const { system } = deps;
  if (child.timer !== undefined) {
    deps.clock.clearTimeout(child.timer);
    child.timer = undefined;
  }
  if (child.status !== 'running') {
    if (!options.hold) system.release(child.name);
    return undefined;
  }
  child.stopping = true;
  let how = options.how;
  if (child.sub !== undefined) {
    await child.sub.shutdown();
    child.sub = undefined;
  } else if (system.describe(child.name)?.status === 'running' && child.spec.shutdownMs === 0) {
    // OTP brutal_kill: no shutdown request, the child is stopped at once.
    system.stop(child.name, 'normal', options.hold ? { hold: { capacity: holdCapacity } } : {});
    how = `${how} (brutal-kill)`;
  } else if (system.describe(child.name)?.status === 'running') {
    const outcome = await system.stopGracefully(child.name, {
      timeoutMs: child.spec.shutdownMs,
      ...(options.hold ? { hold: { capacity: holdCapacity } } : {}),
    });
    how = `${how} (${outcome})`;
  }
  if (!options.hold) system.release(child.name);
  child.status = 'terminated';
  return how;
}

/** The agent a worker spec names, from the tree's registry. */
function resolveAgent(
  agents: SupervisorDeps['agents'],
  spec: WorkerSpec,
): ActorTemplate | AnyActorLogic {
  if (typeof spec.agent !== 'string') return spec.agent;
  const agent = agents[spec.agent];
  if (agent === undefined) {
    throw new RuntimeError(
      ErrorCode.UnknownAgent,
      `No agent named ${spec.agent} in the registry (child ${spec.id})`,
      { details: { agent: spec.agent, child: spec.id, known: Object.keys(agents) } },
    );
  }
  return isActorTemplate(agent) ? agent : agent;
}
