import type { AnyActorLogic } from 'xstate';
import { ErrorCode, RuntimeError, isActorTemplate, type ActorTemplate } from 'agentvisor/internal';
import type { ChildSpec, SupervisorSpec } from 'agentvisor/supervisors';

/** A tree worker's `agent` that names a module rather than a registry key: `./agents/x.ts`. */
const MODULE_PATH = /^\.{1,2}\/|^\/|\.[mc]?[jt]s$/;

/** Every worker `agent` of a tree that is a module path (`./agents/planner.ts`), once each. */
export function agentModulePaths(root: SupervisorSpec | undefined): string[] {
  const paths = new Set<string>();
  const visit = (child: ChildSpec): void => {
    if (child.type === 'supervisor') child.children.forEach(visit);
    else if (typeof child.agent === 'string' && MODULE_PATH.test(child.agent))
      paths.add(child.agent);
  };
  if (root !== undefined) visit(root);
  return [...paths];
}

/** True for an agent definition or XState logic. */
function isAgent(value: unknown): value is ActorTemplate | AnyActorLogic {
  return (
    isActorTemplate(value) ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as { transition?: unknown }).transition === 'function')
  );
}

/**
 * The agent a module gives a tree worker: its default export when that is an agent, else its one
 * exported agent (`export const planner = defineAgent(…)`).
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when the module exports no agent, or several and no
 *   default.
 */
export function pickAgent(
  module: Record<string, unknown>,
  path: string,
): ActorTemplate | AnyActorLogic {
  if (isAgent(module['default'])) return module['default'];
  const found = Object.entries(module).filter(([, v]) => isAgent(v));
  const only = found.length === 1 ? found[0] : undefined;
  if (only !== undefined) return only[1] as ActorTemplate | AnyActorLogic;
  const message =
    found.length === 0
      ? `${path} exports no agent (a defineAgent result or XState logic)`
      : `${path} exports several agents (${found.map(([k]) => k).join(', ')}): export the worker's as default`;
  throw new RuntimeError(ErrorCode.InvalidOptions, `root: ${message}`, {
    details: { issues: [{ path: 'root', message }] },
  });
}
