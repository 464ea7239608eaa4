import { z } from 'zod';
import { parseOptions, systemClock, type Clock } from 'agentvisor/internal';
import type { ToolDefinition } from '../effects/index.js';
import type { ModelClient } from '../models/index.js';
import type { ModelFault } from '../models/internal/modelFaults.js';
import { wrapModel } from './internal/wrapModel.js';
import { wrapTool } from './internal/wrapTool.js';
import {
  matchesArgs,
  matchesTarget,
  type CallScope,
  type FaultCondition,
  type FaultTarget,
} from './matchesTarget.js';
import type { StoreFault, ToolFault } from './ToolFault.js';
import type { TransportFault } from './TransportFault.js';

export type { StoreFault, ToolFault } from './ToolFault.js';

/** One weighted choice of a chaos rule (Polly's fault generator). */
export interface WeightedFault<TFault> {
  readonly fault: TFault;
  /** Relative weight among the rule's faults. @default 1 */
  readonly weight?: number;
}

/** A chaos rule: how often to inject, which fault, where, and on which calls. */
export interface ChaosRule<TFault> {
  /** Share of calls that get a fault, 0 to 1 (Polly's InjectionRate). @default 0 */
  readonly injectionRate?: number;
  /** Off switch of this rule alone. @default true */
  readonly enabled?: boolean;
  /** The faults to pick from; empty: this rule injects nothing (scheduled rules still apply). */
  readonly faults: readonly WeightedFault<TFault>[];
  /** Which calls it may touch. @default every call of the wrapped client */
  readonly target?: FaultTarget;
  /** Content conditions: first N calls, arguments matching. */
  readonly when?: FaultCondition;
}

/** The layers a fault lands on. */
export type FaultLayer = 'model' | 'tool' | 'store' | 'transport';

/** The fault type of each layer. */
export interface LayerFaults {
  readonly model: ModelFault;
  readonly tool: ToolFault;
  readonly store: StoreFault;
  readonly transport: TransportFault;
}

/** What {@link createChaos} reports for each injected fault. */
export interface InjectedFault {
  readonly target: string;
  readonly layer: FaultLayer;
  readonly fault: ModelFault | ToolFault | StoreFault | TransportFault;
  readonly at: number;
  /** The agent the call belonged to, when its wrapper named one. */
  readonly agent?: string;
}

/** A rule added while running ({@link Chaos.add}); `remove()` takes it out. */
export interface ActiveFault {
  readonly id: number;
  readonly layer: FaultLayer;
  /** Epoch ms at which it lapses by itself (Infinity: until removed or stopped). */
  readonly until: number;
  remove(): void;
}

/** What {@link Chaos.stop} removed, and what it found left (0 once verified). */
export interface ChaosStopReport {
  readonly removed: number;
  readonly released: number;
  readonly remaining: number;
}

/** Options of {@link createChaos}. */
export interface ChaosOptions {
  /** Master switch: nothing is injected while false (the kill switch sets it). @default false */
  readonly enabled?: boolean;
  /** Numbers in [0, 1): seed it for a schedule that replays. @default Math.random */
  readonly random?: () => number;
  readonly clock?: Clock;
  readonly onInjected?: (fault: InjectedFault) => void;
  /** Opt-in: when set, only calls whose scope's namespace (default `default`) is listed get faults. */
  readonly namespaces?: readonly string[];
  /**
   * Blast-radius cap: at most this share (0 to 1) of the agents the wrappers named can be under
   * fault in one experiment; a fault for one more agent is skipped. @default 1
   */
  readonly maxAgentShare?: number;
}

const RuleSchema = z.looseObject({
  injectionRate: z.number().min(0).max(1).optional(),
  enabled: z.boolean().optional(),
  faults: z
    .array(
      z.strictObject({
        fault: z.looseObject({ type: z.string() }),
        weight: z.number().positive().optional(),
      }),
    )
    .min(0),
  when: z.looseObject({ firstCalls: z.number().int().nonnegative().optional() }).optional(),
});
const OptionsSchema = z.looseObject({
  maxAgentShare: z.number().min(0).max(1).optional(),
  namespaces: z.array(z.string()).optional(),
});

interface Registered {
  readonly id: number;
  readonly layer: FaultLayer;
  readonly rule: ChaosRule<unknown>;
  readonly until: number;
}

/**
 * In-process chaos for agents (Polly Simmy semantics): wrap a model client, a tool, a store or a
 * transport so a share of its calls (`injectionRate`, 0 unless set) gets a fault picked by weight.
 * Rules select their calls (agent, actor, subject, tool, model, node; first N calls, arguments
 * matching); rules can also be added while running ({@link Chaos.add}: a fault schedule). Guard
 * rails: namespaces opt in, a blast-radius cap, and `stop()`, the kill switch, which removes every
 * fault, releases whatever a fault holds, and reports what is left (0).
 *
 * @throws {RuntimeError} ERR_INVALID_OPTIONS for a rule or an option out of range.
 */
export function createChaos(options: ChaosOptions = {}) {
  parseOptions(OptionsSchema, options, 'chaos options');
  const random = options.random ?? Math.random;
  const clock = options.clock ?? systemClock;
  const maxShare = options.maxAgentShare ?? 1;
  let enabled = options.enabled ?? false;
  let injected = 0;
  let nextId = 1;
  const registry: Registered[] = [];
  const matched = new WeakMap<object, number>();
  const agents = new Set<string>();
  const faulted = new Set<string>();
  const holders = new Set<{ release(): number; held(): number }>();
  const listeners = new Set<(fault: InjectedFault) => void>();

  const pick = <TFault>(rule: ChaosRule<TFault>, scope: CallScope, args: unknown) => {
    if (rule.enabled === false || rule.faults.length === 0) return undefined;
    if (!matchesTarget(rule.target, scope)) return undefined;
    if (!matchesArgs(rule.when, args)) return undefined;
    const count = (matched.get(rule) ?? 0) + 1;
    matched.set(rule, count);
    if (rule.when?.firstCalls !== undefined && count > rule.when.firstCalls) return undefined;
    const rate = rule.injectionRate ?? 0;
    if (rate <= 0 || random() >= rate) return undefined;
    const total = rule.faults.reduce((sum, f) => sum + (f.weight ?? 1), 0);
    let point = random() * total;
    for (const f of rule.faults) {
      point -= f.weight ?? 1;
      if (point < 0) return f.fault;
    }
    return rule.faults.at(-1)?.fault;
  };
  const allowed = (scope: CallScope): boolean => {
    if (!enabled) return false;
    const ns = scope.namespace ?? 'default';
    if (options.namespaces !== undefined && !options.namespaces.includes(ns)) return false;
    const agent = scope.agent;
    if (agent === undefined || faulted.has(agent)) return true;
    return faulted.size + 1 <= Math.floor(maxShare * Math.max(agents.size, 1) + 1e-9);
  };
  const expire = (): void => {
    const now = clock.now();
    const kept = registry.filter((r) => r.until > now);
    registry.splice(0, registry.length, ...kept);
  };

  const chaos = {
    /** Starts injecting. */
    start(): void {
      enabled = true;
    },
    /**
     * The kill switch: no fault is injected from now on, every added rule is removed, whatever
     * a transport fault holds is released; the report's `remaining` is what is still in place
     * (0: verified gone). Calls already inside a fault's delay finish it.
     */
    stop(): ChaosStopReport {
      enabled = false;
      const removed = registry.length;
      registry.length = 0;
      faulted.clear();
      let released = 0;
      for (const holder of holders) released += holder.release();
      let remaining = registry.length;
      for (const holder of holders) remaining += holder.held();
      return { removed, released, remaining };
    },
    get enabled(): boolean {
      return enabled;
    },
    /** Faults injected so far. */
    get injected(): number {
      return injected;
    },
    /** Rules added with {@link Chaos.add} still in force. */
    get active(): readonly ActiveFault[] {
      expire();
      return registry.map((r) => ({
        ...r,
        remove: () => {
          remove(r.id);
        },
      }));
    },
    /** Agents under fault in this experiment (for the blast-radius cap). */
    get agentsUnderFault(): readonly string[] {
      return [...faulted];
    },

    /**
     * Adds a rule for every wrapper of `layer` (default rate 1: a scheduled fault hits every call
     * it targets) until `durationMs` passes on the clock, it is removed, or chaos stops.
     */
    add<TLayer extends FaultLayer>(
      layer: TLayer,
      rule: ChaosRule<LayerFaults[TLayer]>,
      durationMs = Number.POSITIVE_INFINITY,
    ): ActiveFault {
      parseOptions(RuleSchema, rule, `chaos rule on ${layer}`);
      const entry: Registered = {
        id: nextId++,
        layer,
        rule: { injectionRate: 1, ...rule },
        until: clock.now() + durationMs,
      };
      registry.push(entry);
      return {
        id: entry.id,
        layer,
        until: entry.until,
        remove: () => {
          remove(entry.id);
        },
      };
    },

    /**
     * The fault for one call of `layer` in `scope`, from the wrapper's own rule or an added
     * one, or undefined; counts and reports it. Wrappers call it; so can custom wrappers.
     */
    decide<TLayer extends FaultLayer>(
      layer: TLayer,
      scope: CallScope,
      args: unknown,
      own?: ChaosRule<LayerFaults[TLayer]>,
    ): LayerFaults[TLayer] | undefined {
      if (!allowed(scope)) return undefined;
      expire();
      let fault = own === undefined ? undefined : pick(own, scope, args);
      for (const r of registry) {
        if (fault !== undefined) break;
        if (r.layer === layer) fault = pick(r.rule as ChaosRule<LayerFaults[TLayer]>, scope, args);
      }
      if (fault === undefined) return undefined;
      injected += 1;
      if (scope.agent !== undefined) faulted.add(scope.agent);
      const name =
        scope.tool ?? scope.model ?? scope.subject ?? scope.actor ?? scope.agent ?? layer;
      const report: InjectedFault = {
        target: name,
        layer,
        fault,
        at: clock.now(),
        ...(scope.agent === undefined ? {} : { agent: scope.agent }),
      };
      options.onInjected?.(report);
      for (const listener of listeners) listener(report);
      return fault;
    },

    /** Calls `listener` with each injected fault; returns its unsubscribe. */
    onInjected(listener: (fault: InjectedFault) => void): () => void {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    /** Counts an agent for the blast-radius cap (wrappers naming an agent do it). */
    register(scope: CallScope): void {
      if (scope.agent !== undefined) agents.add(scope.agent);
    },

    /** Something holding messages for a fault; `stop()` releases it and counts what it holds. */
    hold(holder: { release(): number; held(): number }): () => void {
      holders.add(holder);
      return () => {
        holders.delete(holder);
      };
    },

    /** `client` with chaos: a share of its calls gets one of the rule's model faults. */
    model(client: ModelClient, rule: ChaosRule<ModelFault>, scope: CallScope = {}): ModelClient {
      parseOptions(RuleSchema, rule, `chaos rule of model ${client.name}`);
      const callScope = { ...scope, model: client.name };
      chaos.register(callScope);
      return wrapModel(
        client,
        clock,
        (request) => chaos.decide('model', callScope, request, rule),
        () => injected,
      );
    },

    /** `tool` with chaos: a share of its runs gets one of the rule's tool faults. */
    tool<TInput, TOutput>(
      name: string,
      tool: ToolDefinition<TInput, TOutput>,
      rule: ChaosRule<ToolFault>,
      scope: CallScope = {},
    ): ToolDefinition<TInput> {
      parseOptions(RuleSchema, rule, `chaos rule of tool ${name}`);
      const callScope = { ...scope, tool: name };
      chaos.register(callScope);
      return wrapTool(name, tool, clock, (input) => chaos.decide('tool', callScope, input, rule));
    },
    /** The chaos clock (wrappers wait on it). */
    get clock(): Clock {
      return clock;
    },
  };
  const remove = (id: number): void => {
    const at = registry.findIndex((r) => r.id === id);
    if (at >= 0) registry.splice(at, 1);
  };
  return chaos;
}

/** What {@link createChaos} returns. */
export type Chaos = ReturnType<typeof createChaos>;
