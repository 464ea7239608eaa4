import { disposable, errorChain } from 'agentvisor/internal';
import type { AnyActorLogic } from 'xstate';
import type {
  ActorSystem,
  ActorTemplate,
  CheckpointStore,
  Disposable,
  Journal,
  Logger,
} from 'agentvisor/internal';
import { classifyFailure } from './classifyFailure.js';
import {
  EscalationService,
  createMemoryEscalationStore,
  type EscalationStore,
  type HumanDecision,
} from './escalation/index.js';
import type { FailureClass } from './failureClasses.js';
import { parsePolicy, type Policy, type PolicyInput } from './policy/index.js';
import { Supervisor, type SupervisorExit } from './Supervisor.js';
import type { SupervisorEvent, SupervisorEventListener } from './SupervisorEvent.js';
import { parseSupervisorSnapshot, type SupervisorSnapshot } from './SupervisorSnapshot.js';

/** Capabilities of a supervision tree; all optional except the system. */
export interface SupervisionTreeDeps {
  /** Agents a policy refers to by name (`agent: researcher`). @default {} */
  agents?: Readonly<Record<string, ActorTemplate | AnyActorLogic>>;
  /** Where escalations to humans are kept. @default a memory store */
  escalationStore?: EscalationStore;
  /** Jitter source for backoff. @default Math.random */
  random?: () => number;
  /** Error → failure class. @default classifyFailure */
  classify?: (error: unknown) => FailureClass;
  /**
   * Checkpoint store and journal for the workers: with them every worker is durable and
   * restarts from its checkpoint (`restartFrom: checkpoint`, the default) without redoing
   * completed effects. Without them workers live in memory and restart fresh.
   */
  persistence?: { store: CheckpointStore; journal: Journal };
  /**
   * A {@link SupervisionTree.toSnapshot} to continue from (e.g. taken before the process
   * restarted): the root and nested supervisors keep their restart intensity window and backoff.
   * Validated before anything starts.
   */
  snapshot?: unknown;
}

/** A running supervision tree. */
export interface SupervisionTree {
  /** The root supervisor (whichChildren, startChild, …). */
  readonly root: Supervisor;
  /** The validated policy. */
  readonly policy: Policy;
  /** List, show and resolve escalations; `onOpened` fires when one opens. */
  readonly escalations: EscalationService;
  /** The supervisor with `id` anywhere in the tree. */
  find(id: string): Supervisor | undefined;
  /**
   * The root's restart history and backoff, nested supervisors included, as versioned JSON-safe
   * data (`v: 1`); pass it back as `deps.snapshot` to continue where it left off.
   */
  toSnapshot(): SupervisorSnapshot;
  /** Every supervisor decision, from every level. */
  onEvent(listener: SupervisorEventListener): Disposable;
  /**
   * Stops the whole tree, children in reverse start order at every level (also done by
   * `system.shutdown()`, before any actor is stopped).
   */
  stop(): Promise<void>;
}

/**
 * Starts a supervision tree from a policy (the object form, or one read with `loadPolicyFile`)
 * on an actor system. The root's own escalation goes to a human, never nowhere: when the root
 * gives up, an escalation for the root is opened, and `retry`/`restart-fresh` start it again.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS naming each bad field of the policy, or of
 *   `deps.snapshot`; ERR_CHECKPOINT_VERSION when `deps.snapshot` has an unknown `v`.
 * @example
 * const tree = await createSupervisionTree(system, { root: { id: 'desk', children: [{ id: 'w', agent: worker }] } });
 */
export async function createSupervisionTree(
  system: ActorSystem,
  policyInput: PolicyInput | Policy,
  deps: SupervisionTreeDeps = {},
): Promise<SupervisionTree> {
  const policy = parsePolicy(policyInput);
  let snapshot =
    deps.snapshot === undefined
      ? undefined
      : parseSupervisorSnapshot(deps.snapshot, policy.root.id);
  const listeners = new Set<SupervisorEventListener>();
  const logger: Logger = system.logger.child({ tree: policy.root.id });
  const escalations = new EscalationService(deps.escalationStore ?? createMemoryEscalationStore(), {
    clock: system.clock,
  });
  const emit = (event: SupervisorEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (err) {
        logger.error({ err }, 'supervisor event listener threw');
      }
    }
  };
  const supervisorDeps = {
    system,
    agents: deps.agents ?? {},
    escalations,
    clock: system.clock,
    logger,
    random: deps.random ?? Math.random,
    classify: deps.classify ?? classifyFailure,
    emit,
    persistence: deps.persistence,
  };

  let root: Supervisor;
  const startRoot = async (): Promise<void> => {
    // The snapshot is for the first start; a root a person starts again begins a new window.
    root = new Supervisor(policy.root, supervisorDeps, {
      onExit,
      ...(snapshot === undefined ? {} : { snapshot }),
    });
    snapshot = undefined;
    await root.start();
  };
  // The root has no parent: its giving up goes to a person.
  function onExit(exit: SupervisorExit): void {
    if (exit.type !== 'failed') return;
    const cause = exit.error;
    void escalations
      .open(
        {
          supervisor: '(root)',
          child: { id: policy.root.id, name: policy.root.id, incarnation: 0, spec: policy.root },
          failureClass: classifyFailure(cause),
          errorChain: errorChain(cause),
          restartHistory: [],
          lastCheckpoint: undefined,
          lastMessages: [],
          defaultDecision: policy.root.human.default,
          deadlineMs: policy.root.human.deadlineMs,
        },
        async (_record, decision: HumanDecision) => {
          if (decision.type === 'stop') return;
          system.release(policy.root.id);
          await startRoot();
        },
      )
      .catch((err: unknown) => {
        // A durable store can be unreachable (the node's connection closing as it stops): the
        // root stays down and the failure is reported, never an unhandled rejection.
        logger.error({ err }, 'could not open the escalation for the root');
      });
  }
  await startRoot();
  const stop = async (): Promise<void> => {
    shutdownHook.dispose();
    await root.shutdown();
    escalations.dispose();
  };
  // system.shutdown() stops the tree first (newest tree first), so its supervisors do not take
  // their children's ends for failures and restart them or open escalations.
  const shutdownHook = system.onShutdown(stop);

  return {
    get root() {
      return root;
    },
    policy,
    escalations,
    find: (id) => root.find(id),
    toSnapshot: () => root.toSnapshot(),
    onEvent(listener) {
      listeners.add(listener);
      return disposable(() => {
        listeners.delete(listener);
      });
    },
    stop,
  };
}
