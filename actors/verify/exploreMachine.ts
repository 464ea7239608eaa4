import {
  initialTransition,
  transition,
  type AnyMachineSnapshot,
  type AnyStateMachine,
} from 'xstate';
import type { FailureClass } from 'agentvisor/internal';
import type { ToolDefinition } from '../effects/index.js';
import { effectOutcomes } from './effectOutcomes.js';
import { samplesOf, stableKey } from './samplePayloads.js';
import type { z } from 'zod';

/** How a node was reached: the event from its parent. */
export interface Edge {
  readonly from: number;
  readonly to: number;
  readonly label: string;
  /** `message`, an effect's `done` or `error`, or a delayed (`after`) event. */
  readonly kind: 'message' | 'done' | 'error' | 'after';
  /** The message type (`message` edges). */
  readonly type?: string;
}

/** One explored state of the machine, with the path facts the properties need. */
export interface ExploredNode {
  readonly id: number;
  readonly snapshot: AnyMachineSnapshot;
  readonly depth: number;
  /** The edge that first reached it (BFS: on a shortest path); undefined for the initial node. */
  readonly via: Edge | undefined;
  /** A person approved earlier in this task. */
  readonly approved: boolean;
  /** Non-idempotent tool runs in this task, by tool and input. */
  readonly runs: ReadonlyMap<string, number>;
  /** Not expanded: the state or depth bound was hit. */
  frontier: boolean;
}

/** A tool run a transition started (from XState's `xstate.spawnChild` action). */
export interface ToolStart {
  /** The node the starting event left, and that event. */
  readonly node: number;
  readonly label: string;
  readonly tool: string;
  readonly inputKey: string;
  /** A person had approved earlier in the task (or with this very event). */
  readonly approved: boolean;
  /** The same tool with the same input already ran in this task. */
  readonly repeated: boolean;
}

/** The explored graph. */
export interface Exploration {
  readonly nodes: ExploredNode[];
  readonly edges: Edge[];
  /** Events that put the machine in XState's `error` status (a throw or an unhandled effect error). */
  readonly errors: {
    readonly from: number;
    readonly label: string;
    readonly kind: Edge['kind'];
    readonly error: unknown;
  }[];
  readonly toolStarts: ToolStart[];
  /** True when a bound stopped the search before every state was seen. */
  readonly bounded: boolean;
}

export interface ExploreOptions {
  readonly accepts: Readonly<Record<string, z.ZodType>>;
  readonly tools: Readonly<Record<string, ToolDefinition>>;
  readonly classes: readonly FailureClass[];
  readonly approvalChoices: readonly string[];
  readonly maxStates: number;
  readonly maxDepth: number;
  readonly name: string;
}

interface Child {
  readonly id: string;
  readonly src: unknown;
  readonly options?: { readonly input?: unknown };
}

/** Rest: a final state, the initial state value, or a state tagged `idle` (a task boundary). */
export function isRest(snapshot: AnyMachineSnapshot, initialKey: string): boolean {
  return (
    snapshot.status === 'done' ||
    snapshot.hasTag('idle') ||
    stableKey(snapshot.value) === initialKey
  );
}

/** The effects (invoked children) active in a snapshot. */
export function activeChildren(snapshot: AnyMachineSnapshot): Child[] {
  return Object.values(snapshot.children as Record<string, Child | undefined>).filter(
    (c): c is Child => c !== undefined,
  );
}

export function kindOf(child: Child): string {
  return typeof child.src === 'string' ? child.src : child.id;
}

/**
 * Breadth-first exploration of a machine with XState's own pure `transition`: from each state,
 * every accepted message type with sampled payloads, every outcome of each invoked effect and
 * every `after` delay of the active state nodes. States are told apart by value, context, the
 * effects in flight and the path facts (approval, non-idempotent runs in the task), so the first
 * path to each is a shortest one.
 */
export function exploreMachine(machine: AnyStateMachine, options: ExploreOptions): Exploration {
  const [initial] = initialTransition(machine, undefined);
  const initialKey = stableKey(initial.value);
  const nodes: ExploredNode[] = [];
  const edges: Edge[] = [];
  const errors: Exploration['errors'] = [];
  const toolStarts: ToolStart[] = [];
  const byKey = new Map<string, number>();
  const payloads = Object.entries(options.accepts).map(
    ([type, schema]) => [type, samplesOf(schema)] as const,
  );
  let bounded = false;

  const keyOf = (s: AnyMachineSnapshot, approved: boolean, runs: ReadonlyMap<string, number>) =>
    stableKey({
      v: s.value as unknown,
      c: s.context as unknown,
      s: s.status,
      ch: activeChildren(s).map((c) => [c.id, kindOf(c), c.options?.input]),
      a: approved,
      r: [...runs].sort(),
    });

  const add = (
    snapshot: AnyMachineSnapshot,
    depth: number,
    via: Edge | undefined,
    approved: boolean,
    runs: ReadonlyMap<string, number>,
  ): number => {
    const key = keyOf(snapshot, approved, runs);
    const known = byKey.get(key);
    if (known !== undefined) return known;
    const id = nodes.length;
    nodes.push({
      id,
      snapshot,
      depth,
      via: via && { ...via, to: id },
      approved,
      runs,
      frontier: false,
    });
    byKey.set(key, id);
    return id;
  };

  add(initial, 0, undefined, false, new Map());
  for (const node of nodes) {
    const { snapshot } = node;
    if (snapshot.status !== 'active') continue;
    if (node.depth >= options.maxDepth || nodes.length >= options.maxStates) {
      node.frontier = true;
      bounded = true;
      continue;
    }
    const moves: { label: string; kind: Edge['kind']; event: { type: string }; choice?: string }[] =
      [];
    for (const [type, samples] of payloads) {
      for (const [index, payload] of samples.entries()) {
        // One id per sample, not per send: an id kept in context (a reply address) must not
        // make every resend a new state.
        const event = {
          v: 1,
          id: `verify-${type}-${String(index)}`,
          type,
          to: options.name,
          from: 'verify',
          replyTo: '_INBOX.verify',
          payload,
        };
        moves.push({
          label: `${type}${payload === undefined ? '' : ` ${stableKey(payload)}`}`,
          kind: 'message',
          event,
        });
      }
    }
    for (const child of activeChildren(snapshot)) {
      for (const outcome of effectOutcomes(
        child.id,
        kindOf(child),
        child.options?.input,
        options,
      )) {
        moves.push({
          label: outcome.label,
          kind: outcome.event.type.startsWith('xstate.done') ? 'done' : 'error',
          event: outcome.event,
          ...(outcome.choice === undefined ? {} : { choice: outcome.choice }),
        });
      }
    }
    for (const stateNode of snapshot._nodes) {
      for (const delayed of stateNode.after) {
        moves.push({
          label: `after ${String(delayed.delay)} (${stateNode.id})`,
          kind: 'after',
          event: { type: String(delayed.eventType) },
        });
      }
    }
    for (const move of moves) {
      // A message no transition takes is refused (ERR_UNHANDLED), not an edge.
      if (move.kind === 'message' && !canTake(snapshot, move.event)) continue;
      let next: AnyMachineSnapshot;
      let actions: readonly { type: string; params?: unknown }[];
      try {
        [next, actions] = transition(machine, snapshot, move.event);
      } catch (error) {
        errors.push({ from: node.id, label: move.label, kind: move.kind, error });
        continue;
      }
      if (next.status === 'error') {
        errors.push({ from: node.id, label: move.label, kind: move.kind, error: next.error });
        continue;
      }
      const rest = isRest(next, initialKey);
      const approvedNow =
        node.approved ||
        (move.choice !== undefined && options.approvalChoices.includes(move.choice));
      const runs = new Map(rest ? [] : node.runs);
      for (const action of actions) {
        if (action.type !== 'xstate.spawnChild') continue;
        const params = action.params as {
          src?: unknown;
          input?: { tool?: unknown; input?: unknown };
        };
        if (params.src !== 'tool' || typeof params.input?.tool !== 'string') continue;
        const tool = params.input.tool;
        if (options.tools[tool]?.idempotent === true) continue;
        const inputKey = `${tool} ${stableKey(params.input.input)}`;
        const repeated = (node.runs.get(inputKey) ?? 0) >= 1;
        toolStarts.push({
          node: node.id,
          label: move.label,
          tool,
          inputKey,
          approved: approvedNow,
          repeated,
        });
        if (!rest) runs.set(inputKey, Math.min(2, (runs.get(inputKey) ?? 0) + 1));
      }
      const edge: Edge = {
        from: node.id,
        to: -1,
        label: move.label,
        kind: move.kind,
        ...(move.kind === 'message' ? { type: move.event.type } : {}),
      };
      const to = add(next, node.depth + 1, edge, rest ? false : approvedNow, runs);
      edges.push({ ...edge, to });
    }
  }
  return { nodes, edges, errors, toolStarts, bounded };
}

/** Whether a transition takes `event` here; a guard that throws counts as taking it (the throw is then recorded). */
function canTake(snapshot: AnyMachineSnapshot, event: { type: string }): boolean {
  try {
    return snapshot.can(event);
  } catch {
    return true;
  }
}
