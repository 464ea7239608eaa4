import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { z } from 'zod';
import {
  ErrorCode,
  RuntimeError,
  createMetricsRegistry,
  isActorTemplate,
  silentLogger,
  systemClock,
  type ActorContext,
  type ActorTemplate,
  type FailureClass,
} from 'agentvisor/internal';
import type { ToolDefinition } from '../effects/index.js';
import { ALL_FAILURE_CLASSES } from './effectOutcomes.js';
import {
  activeChildren,
  exploreMachine,
  isRest,
  kindOf,
  type Exploration,
  type ExploredNode,
} from './exploreMachine.js';
import { stableKey } from './samplePayloads.js';

/** The built-in properties of {@link checkAgent}. */
export type AgentProperty =
  | 'effect-error-path'
  | 'no-machine-error'
  | 'progress'
  | 'hot-states'
  | 'approval-before-tool'
  | 'no-repeated-effect'
  | 'messages-handled'
  | 'timeouts-nest'
  | `never:${string}`;

/** One step of a counterexample: the event taken and the state it led to. */
export interface CounterexampleStep {
  readonly event: string;
  readonly state: string;
}

/** The verdict on one property. */
export interface PropertyResult {
  readonly property: AgentProperty;
  readonly ok: boolean;
  /** What is wrong, in one line. */
  readonly detail?: string;
  /** The shortest path found to the violation, from the initial state. */
  readonly counterexample?: readonly CounterexampleStep[];
}

/** What {@link checkAgent} found. */
export interface AgentCheckReport {
  readonly agent: string;
  readonly ok: boolean;
  readonly states: number;
  readonly transitions: number;
  /** True when the state or depth bound cut the search: passes hold within the bound only. */
  readonly bounded: boolean;
  readonly properties: readonly PropertyResult[];
}

/** Options of {@link checkAgent}. */
export interface CheckAgentOptions {
  /** States to explore at most. @default 20_000 */
  readonly maxStates?: number;
  /** Longest path explored. @default 40 */
  readonly maxDepth?: number;
  /** A state tagged `hot` must be left within this many steps. @default 10 */
  readonly hotWithin?: number;
  /** Failure classes an effect may fail with. @default every class */
  readonly failureClasses?: readonly FailureClass[];
  /** Decisions of a `human` effect that approve. @default ['approve'] */
  readonly approvalChoices?: readonly string[];
  /** Messages a stable state leaves unhandled by design: `type` or `state:type`. */
  readonly unhandledByDesign?: readonly string[];
  /**
   * States whose effect errors are left to the supervisor on purpose (no `onError`: the agent
   * fails and its supervisor decides by the failure class), for `effect-error-path`.
   */
  readonly failToSupervisor?: readonly string[];
  /** The task deadline the agent is deployed with (ms), for `timeouts-nest`. */
  readonly taskMs?: number;
  /** Safety predicates: a reachable state where one returns true is a violation. */
  readonly never?: Readonly<
    Record<
      string,
      (state: { value: unknown; context: unknown; tags: readonly string[] }) => boolean
    >
  >;
  /** For plain XState logic (a template brings its own): accepted messages and tools. */
  readonly accepts?: Readonly<Record<string, z.ZodType>>;
  readonly tools?: Readonly<Record<string, ToolDefinition>>;
}

interface AgentFacts {
  readonly name: string;
  readonly accepts: Readonly<Record<string, z.ZodType>>;
  readonly tools: Readonly<Record<string, ToolDefinition>>;
  readonly requiresApproval: readonly string[];
  readonly callMs: number | undefined;
  readonly stepMs: number | undefined;
}

/**
 * Checks an agent before it runs: explores its machine with XState's own transition function,
 * its effects abstracted into their outcomes (done, an error of each failure class) and each
 * accepted message type sent with small payloads sampled from its schema, then reports each
 * built-in property with the shortest counterexample found. Exhaustive within `maxStates` and
 * `maxDepth`; what it cannot see: guards on values no sample has, and effects' real outputs.
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS when `agent` is neither a template nor a machine.
 */
export function checkAgent(
  agent: ActorTemplate | AnyStateMachine,
  options: CheckAgentOptions = {},
): AgentCheckReport {
  const { machine, facts } = machineOf(agent, options);
  const explored = exploreMachine(machine, {
    accepts: facts.accepts,
    tools: facts.tools,
    classes: options.failureClasses ?? ALL_FAILURE_CLASSES,
    approvalChoices: options.approvalChoices ?? ['approve'],
    maxStates: options.maxStates ?? 20_000,
    maxDepth: options.maxDepth ?? 40,
    name: facts.name,
  });
  const properties = [
    effectErrorPath(explored, new Set(options.failToSupervisor ?? [])),
    noMachineError(explored),
    progress(explored, stableKey(explored.nodes[0]?.snapshot.value)),
    hotStates(explored, options.hotWithin ?? 10),
    approvalBeforeTool(explored, facts),
    noRepeatedEffect(explored),
    messagesHandled(explored, facts, new Set(options.unhandledByDesign ?? [])),
    timeoutsNest(facts, options.taskMs),
    ...Object.entries(options.never ?? {}).map(([name, predicate]) =>
      never(explored, name, predicate),
    ),
  ];
  return {
    agent: facts.name,
    ok: properties.every((p) => p.ok),
    states: explored.nodes.length,
    transitions: explored.edges.length,
    bounded: explored.bounded,
    properties,
  };
}

function machineOf(
  agent: ActorTemplate | AnyStateMachine,
  options: CheckAgentOptions,
): { machine: AnyStateMachine; facts: AgentFacts } {
  if (isActorTemplate(agent)) {
    const template = agent as ActorTemplate & {
      name?: string;
      tools?: Readonly<Record<string, ToolDefinition>>;
      requiresApproval?: readonly string[];
      callMs?: number;
      stepMs?: number;
    };
    const name = template.name ?? 'agent';
    const logic = template.createLogic(verifyContext(name));
    if (!isMachine(logic)) {
      throw new RuntimeError(ErrorCode.InvalidOptions, `${name} is not an XState machine`, {
        details: { agent: name },
      });
    }
    return {
      machine: logic,
      facts: {
        name,
        accepts: template.accepts ?? options.accepts ?? {},
        tools: template.tools ?? options.tools ?? {},
        requiresApproval: template.requiresApproval ?? [],
        callMs: template.callMs,
        stepMs: template.stepMs,
      },
    };
  }
  if (!isMachine(agent)) {
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      'checkAgent takes a defineAgent template or an XState machine',
      { details: { got: typeof agent } },
    );
  }
  return {
    machine: agent,
    facts: {
      name: agent.id,
      accepts: options.accepts ?? {},
      tools: options.tools ?? {},
      requiresApproval: [],
      callMs: undefined,
      stepMs: undefined,
    },
  };
}

function isMachine(logic: unknown): logic is AnyStateMachine {
  return typeof logic === 'object' && logic !== null && 'root' in logic && 'transition' in logic;
}

/** The context an agent's machine is built with for a check: nothing in it may run. */
function verifyContext(name: string): ActorContext {
  const refuse = (what: string) => (): never => {
    throw new RuntimeError(
      ErrorCode.InvalidOptions,
      `${what} is not available while verifying ${name}`,
      {
        details: { agent: name, what },
      },
    );
  };
  return {
    name,
    incarnation: 1,
    logger: silentLogger(),
    clock: systemClock,
    metrics: createMetricsRegistry(),
    ledger: undefined,
    checkpoint: refuse('checkpoint'),
    tell: refuse('tell'),
    ask: refuse('ask'),
    fail: refuse('fail'),
    reply: refuse('reply'),
  };
}

/** The path from the initial state to `id`, then `last` when given. */
function pathTo(
  explored: Exploration,
  id: number,
  last?: { label: string; state: string },
): CounterexampleStep[] {
  const steps: CounterexampleStep[] = [];
  for (let node: ExploredNode | undefined = explored.nodes[id]; node?.via !== undefined;) {
    steps.push({ event: node.via.label, state: describeState(node.snapshot) });
    node = explored.nodes[node.via.from];
  }
  steps.reverse();
  if (last !== undefined) steps.push({ event: last.label, state: last.state });
  return steps;
}

function describeState(snapshot: AnyMachineSnapshot): string {
  const value = typeof snapshot.value === 'string' ? snapshot.value : stableKey(snapshot.value);
  return snapshot.status === 'active' ? value : `${value} (${snapshot.status})`;
}

function firstError(
  errors: Exploration['errors'],
  explored: Exploration,
  kinds: readonly string[],
): Exploration['errors'][number] | undefined {
  // BFS order: the first recorded error leaves the shallowest state.
  return errors
    .filter((e) => kinds.includes(e.kind))
    .sort((a, b) => depthOf(explored, a.from) - depthOf(explored, b.from))[0];
}

function effectErrorPath(explored: Exploration, supervised: ReadonlySet<string>): PropertyResult {
  const found = firstError(
    explored.errors.filter((e) => {
      const from = explored.nodes[e.from];
      return from === undefined || !supervised.has(describeState(from.snapshot));
    }),
    explored,
    ['error'],
  );
  if (found === undefined) return { property: 'effect-error-path', ok: true };
  return {
    property: 'effect-error-path',
    ok: false,
    detail: `an effect error is not handled (${found.label}): the agent fails`,
    counterexample: pathTo(explored, found.from, { label: found.label, state: 'error' }),
  };
}

function noMachineError(explored: Exploration): PropertyResult {
  const found = firstError(explored.errors, explored, ['message', 'done', 'after']);
  if (found === undefined) return { property: 'no-machine-error', ok: true };
  const message = found.error instanceof Error ? found.error.message : String(found.error);
  return {
    property: 'no-machine-error',
    ok: false,
    detail: `${found.label} puts the machine in error: ${message}`,
    counterexample: pathTo(explored, found.from, { label: found.label, state: 'error' }),
  };
}

/** Every explored state can reach rest (final, initial, `idle`) or a person's decision. */
function progress(explored: Exploration, initialKey: string): PropertyResult {
  const good = new Set<number>();
  const back = new Map<number, number[]>();
  for (const e of explored.edges) {
    const list = back.get(e.to) ?? [];
    list.push(e.from);
    back.set(e.to, list);
  }
  const queue: number[] = [];
  for (const node of explored.nodes) {
    const waitsForPerson = activeChildren(node.snapshot).some((c) => kindOf(c) === 'human');
    if (node.frontier || waitsForPerson || isRest(node.snapshot, initialKey)) {
      good.add(node.id);
      queue.push(node.id);
    }
  }
  while (queue.length > 0) {
    for (const from of back.get(queue.pop() ?? -1) ?? []) {
      if (!good.has(from)) {
        good.add(from);
        queue.push(from);
      }
    }
  }
  const stuck = explored.nodes.find((n) => !good.has(n.id));
  if (stuck === undefined) return { property: 'progress', ok: true };
  return {
    property: 'progress',
    ok: false,
    detail: `${describeState(stuck.snapshot)} can never reach rest, a final state or a person`,
    counterexample: pathTo(explored, stuck.id),
  };
}

function hotStates(explored: Exploration, within: number): PropertyResult {
  const out = new Map<number, number[]>();
  for (const e of explored.edges) {
    const list = out.get(e.from) ?? [];
    list.push(e.to);
    out.set(e.from, list);
  }
  for (const node of explored.nodes) {
    if (!node.snapshot.hasTag('hot') || node.frontier) continue;
    // Shortest way out of the hot region, up to `within` steps.
    let level = [node.id];
    const seen = new Set(level);
    let left = false;
    for (let step = 0; step < within && !left && level.length > 0; step++) {
      const next: number[] = [];
      for (const id of level) {
        for (const to of out.get(id) ?? []) {
          const target = explored.nodes[to];
          if (target === undefined) continue;
          if (!target.snapshot.hasTag('hot') || target.frontier) left = true;
          if (!seen.has(to)) {
            seen.add(to);
            next.push(to);
          }
        }
      }
      level = next;
    }
    if (!left) {
      return {
        property: 'hot-states',
        ok: false,
        detail: `${describeState(node.snapshot)} is hot and cannot be left within ${String(within)} steps`,
        counterexample: pathTo(explored, node.id),
      };
    }
  }
  return { property: 'hot-states', ok: true };
}

function approvalBeforeTool(explored: Exploration, facts: AgentFacts): PropertyResult {
  const needs = new Set(facts.requiresApproval);
  const found = explored.toolStarts
    .filter((s) => needs.has(s.tool) && !s.approved)
    .sort((a, b) => depthOf(explored, a.node) - depthOf(explored, b.node))[0];
  if (found === undefined) return { property: 'approval-before-tool', ok: true };
  return {
    property: 'approval-before-tool',
    ok: false,
    detail: `tool ${found.tool} runs without a person's approval earlier in the task`,
    counterexample: pathTo(explored, found.node, {
      label: found.label,
      state: `runs ${found.tool}`,
    }),
  };
}

function noRepeatedEffect(explored: Exploration): PropertyResult {
  const found = explored.toolStarts
    .filter((s) => s.repeated)
    .sort((a, b) => depthOf(explored, a.node) - depthOf(explored, b.node))[0];
  if (found === undefined) return { property: 'no-repeated-effect', ok: true };
  return {
    property: 'no-repeated-effect',
    ok: false,
    detail: `non-idempotent ${found.inputKey} runs twice in one task`,
    counterexample: pathTo(explored, found.node, {
      label: found.label,
      state: `runs ${found.tool} again`,
    }),
  };
}

/** In every stable state (no effect in flight), each accepted type has a transition. */
function messagesHandled(
  explored: Exploration,
  facts: AgentFacts,
  byDesign: ReadonlySet<string>,
): PropertyResult {
  for (const node of explored.nodes) {
    const { snapshot } = node;
    if (node.frontier || snapshot.status !== 'active' || activeChildren(snapshot).length > 0) {
      continue;
    }
    const state = describeState(snapshot);
    for (const type of Object.keys(facts.accepts)) {
      if (byDesign.has(type) || byDesign.has(`${state}:${type}`)) continue;
      const handled = explored.edges.some(
        (e) => e.from === node.id && e.kind === 'message' && e.type === type,
      );
      if (!handled) {
        return {
          property: 'messages-handled',
          ok: false,
          detail: `${type} is unhandled in ${state} (list it in unhandledByDesign if meant)`,
          counterexample: pathTo(explored, node.id),
        };
      }
    }
  }
  return { property: 'messages-handled', ok: true };
}

function timeoutsNest(facts: AgentFacts, taskMs: number | undefined): PropertyResult {
  const { callMs, stepMs } = facts;
  const bad =
    callMs !== undefined && stepMs !== undefined && callMs > stepMs
      ? `callMs ${String(callMs)} > stepMs ${String(stepMs)}`
      : stepMs !== undefined && taskMs !== undefined && stepMs > taskMs
        ? `stepMs ${String(stepMs)} > the task's ${String(taskMs)} ms`
        : undefined;
  return bad === undefined
    ? { property: 'timeouts-nest', ok: true }
    : { property: 'timeouts-nest', ok: false, detail: bad };
}

function never(
  explored: Exploration,
  name: string,
  predicate: NonNullable<CheckAgentOptions['never']>[string],
): PropertyResult {
  const property = `never:${name}` as const;
  const found = explored.nodes.find((n) =>
    predicate({ value: n.snapshot.value, context: n.snapshot.context, tags: [...n.snapshot.tags] }),
  );
  if (found === undefined) return { property, ok: true };
  return {
    property,
    ok: false,
    detail: `${name} holds in ${describeState(found.snapshot)}`,
    counterexample: pathTo(explored, found.id),
  };
}

function depthOf(explored: Exploration, id: number): number {
  return explored.nodes[id]?.depth ?? Number.POSITIVE_INFINITY;
}
