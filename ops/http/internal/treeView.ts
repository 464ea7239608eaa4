import type { ActorSystem } from 'agentvisor/internal';
import type {
  ChildInfo,
  Supervisor,
  SupervisionTree,
  SupervisorSnapshot,
} from 'agentvisor/supervisors';
import type { LastTransition, Transitions } from './Transitions.js';

/** A supervisor as `GET /api/tree` shows it: its restart budget and its children. */
export interface SupervisorView {
  readonly id: string;
  readonly status: string;
  readonly strategy: string;
  /** Restarts inside the window now (`used`) of the `allowed` (intensity) per `periodMs`. */
  readonly intensity: {
    readonly used: number;
    readonly allowed: number;
    readonly periodMs: number;
  };
  readonly children: readonly ChildView[];
}

/** A child as `GET /api/tree` shows it. */
export interface ChildView {
  readonly id: string;
  readonly name: string;
  readonly type: ChildInfo['type'];
  readonly status: ChildInfo['status'];
  readonly incarnation: number;
  readonly restarts: number;
  /** The actor running the child, when one is hosted here (workers). */
  readonly actor?: {
    readonly status: string;
    readonly mailboxSize: number;
    readonly processed: number;
    /** XState state value. */
    readonly state: unknown;
    readonly lastTransition?: LastTransition;
  };
  /** Id of the escalation the child is parked on. */
  readonly openEscalation?: string;
  /** The nested supervisor, for `type: 'supervisor'`. */
  readonly supervisor?: SupervisorView;
}

/** The whole tree, parents before children, read now. */
export function treeView(
  tree: SupervisionTree,
  system: ActorSystem,
  transitions: Transitions,
): SupervisorView {
  return supervisorView(tree, tree.root, tree.root.toSnapshot(), system, transitions);
}

function supervisorView(
  tree: SupervisionTree,
  supervisor: Supervisor,
  snapshot: SupervisorSnapshot | undefined,
  system: ActorSystem,
  transitions: Transitions,
): SupervisorView {
  const { spec } = supervisor;
  const since = system.clock.now() - spec.periodMs;
  const used = (snapshot?.restarts ?? []).filter((t) => t >= since).length;
  const children = supervisor.whichChildren().map((child): ChildView => {
    const childSnapshot = snapshot?.children[child.id];
    const sub = child.type === 'supervisor' ? tree.find(child.id) : undefined;
    const actor = child.type === 'worker' ? actorView(system, child.name, transitions) : undefined;
    const escalation = childSnapshot?.parked?.escalation;
    return {
      id: child.id,
      name: child.name,
      type: child.type,
      status: child.status,
      incarnation: child.incarnation,
      restarts: child.restarts,
      ...(actor === undefined ? {} : { actor }),
      ...(escalation === undefined ? {} : { openEscalation: escalation }),
      ...(sub === undefined || sub === supervisor
        ? {}
        : {
            supervisor: supervisorView(tree, sub, childSnapshot?.supervisor, system, transitions),
          }),
    };
  });
  return {
    id: supervisor.id,
    status: supervisor.status,
    strategy: spec.strategy,
    intensity: { used, allowed: spec.intensity, periodMs: spec.periodMs },
    children,
  };
}

function actorView(
  system: ActorSystem,
  name: string,
  transitions: Transitions,
): ChildView['actor'] | undefined {
  const info = system.describe(name);
  if (info === undefined) return undefined;
  const last = transitions.of(name);
  return {
    status: info.status,
    mailboxSize: info.mailboxSize,
    processed: info.processed,
    state: stateValue(system, name),
    ...(last === undefined ? {} : { lastTransition: last }),
  };
}

/** The XState state value of a hosted actor (`undefined` when it has none to show). */
export function stateValue(system: ActorSystem, name: string): unknown {
  try {
    return (system.getSnapshot(name) as { value?: unknown } | undefined)?.value;
  } catch {
    return undefined;
  }
}
