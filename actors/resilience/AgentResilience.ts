import {
  Deadline,
  ErrorCode,
  RuntimeError,
  createBreakerRegistry,
  isRuntimeError,
  type BreakerRegistry,
  type Budget,
  type CircuitBreaker,
  type Clock,
  type Disposable,
  type FallbackChain,
  type Logger,
  type MetricsRegistry,
  type ResiliencePipeline,
} from 'agentvisor/internal';
import type { OutputGuard } from '../guards/index.js';
import type { ModelClient, ModelRequest, ModelResponse, ModelTool } from '../models/index.js';

export type { ModelCallPlan, ModelOutput, ResilientTool } from './ModelCallPlan.js';
import type { AgentResilienceConfig, DegradeTrigger } from './AgentResilienceOptions.js';
import type { ModelCallPlan, ModelOutput, ResilientTool } from './ModelCallPlan.js';
import { ResilienceEvents, type ResilienceEvent } from './ResilienceEvent.js';
import { buildModelChain, type ChainContext } from './internal/buildModelChain.js';
import { buildToolPipeline } from './internal/buildToolPipeline.js';
import { abortable } from './internal/abortable.js';
import { AgentMetrics } from './internal/AgentMetrics.js';
import { CallMetrics } from './internal/CallMetrics.js';
import { runModel, withInstruction } from './internal/runModel.js';
import { degradeTrigger } from './internal/degradeTrigger.js';
import { watchBreaker, watchRetries } from './internal/watchResilience.js';
import { screenedEvent, screenRequest } from './screenRequest.js';
import { TaskBudgets } from './TaskBudgets.js';

/** One live model call as its steps see it: its step deadline, signal and metrics. */
interface LiveCall {
  readonly step: Deadline;
  readonly signal: AbortSignal;
  readonly call: CallMetrics | undefined;
}

/**
 * The resilience of one agent definition on one clock: a fallback chain of endpoint pipelines per
 * declared model (attempt timeout → breaker → bulkhead → retry per endpoint, chain with cool-down
 * across them), step and task deadlines, budgets per task, a pipeline per tool, and the degraded
 * strategy. Breakers, bulkheads and cool-downs outlive incarnations: a restart does not forget that
 * an endpoint is failing.
 */
export class AgentResilience {
  readonly #config: AgentResilienceConfig;
  readonly #clock: Clock;
  readonly #events = new ResilienceEvents();
  readonly #chains = new Map<string, FallbackChain<ModelClient>>();
  readonly #guards = new Map<string, OutputGuard<unknown>>();
  readonly #toolPipelines = new Map<string, ResiliencePipeline>();
  readonly #tasks: TaskBudgets;
  readonly #watched = new Set<CircuitBreaker>();
  /**
   * The call whose budget is being checked or charged, for the budget's listener: set only
   * around those synchronous calls (no other call runs meanwhile).
   */
  #budgetCall: CallMetrics | undefined;
  /** Breakers of every endpoint and tool; shared when the config passes a registry. */
  readonly breakers: BreakerRegistry;
  readonly #agent: string;
  /** The logger of the newest incarnation, for transitions that happen between calls. */
  logger: Logger | undefined;

  constructor(
    config: AgentResilienceConfig,
    tools: Readonly<Record<string, ResilientTool>>,
    deps: { clock: Clock; random?: (() => number) | undefined; agent: string },
  ) {
    this.#config = config;
    this.#clock = deps.clock;
    this.#agent = deps.agent;
    this.#tasks = new TaskBudgets(config.budget, (task, dimension) => {
      this.#emit({ type: 'budget-exceeded', agent: deps.agent, task, dimension }, this.#budgetCall);
    });
    this.breakers = config.breakers ?? createBreakerRegistry({}, { clock: deps.clock });
    const random = deps.random === undefined ? {} : { random: deps.random };
    const context: ChainContext = {
      config,
      clock: deps.clock,
      random,
      breakers: this.breakers,
      bulkheads: new Map(),
      watchBreaker: (breaker) => {
        this.#watch(breaker);
      },
      watchRetries: (pipeline) => {
        watchRetries(pipeline, deps.agent, (event) => {
          this.#emit(event);
        });
      },
    };
    for (const [name, declared] of Object.entries(config.models)) {
      const { chain, guard } = buildModelChain(name, declared, context);
      chain.onFallback((e) => {
        this.#emit({
          type: 'fallback',
          agent: deps.agent,
          model: name,
          from: e.from,
          failureClass: e.failureClass,
          ...(e.coolDownMs === undefined ? {} : { coolDownMs: e.coolDownMs }),
        });
      });
      this.#chains.set(name, chain);
      if (guard !== undefined) this.#guards.set(name, guard);
    }
    for (const [name, tool] of Object.entries(tools)) {
      this.#toolPipelines.set(name, buildToolPipeline(name, tool, context));
    }
  }

  /** Declared model names, in declaration order. */
  get models(): string[] {
    return [...this.#chains.keys()];
  }

  /**
   * Counts the transitions and keeps the state gauge of the breakers of this agent's models and
   * tools on `metrics` (each breaker once per registry, however many agents share it): called
   * for each incarnation with its system's registry.
   */
  watchBreakers(metrics: MetricsRegistry): void {
    const agentMetrics = AgentMetrics.of(metrics);
    for (const breaker of this.#watched) agentMetrics.watchBreaker(breaker);
  }

  /** Called on each {@link ResilienceEvent}. */
  onEvent(listener: (event: ResilienceEvent) => void): Disposable {
    return this.#events.add(listener);
  }

  /** The fallback chain of a declared model (endpoints, cool-downs). */
  chain(model: string): FallbackChain<ModelClient> | undefined {
    return this.#chains.get(model);
  }

  /** The pipeline of a declared tool (its breaker, its retries). */
  toolPipeline(tool: string): ResiliencePipeline | undefined {
    return this.#toolPipelines.get(tool);
  }

  /** The budget of a task, created on first use; undefined when the agent has none. */
  budget(task: string): Budget | undefined {
    return this.#tasks.get(task);
  }

  /**
   * The tools to offer a model: `requested` without those whose breaker is open or isolated
   * (anchors §7.11: stop advertising broken tools), each left out reported as `tool-withheld`.
   */
  offeredTools(
    agent: string,
    requested: readonly ModelTool[] | undefined,
  ): readonly ModelTool[] | undefined {
    if (requested === undefined) return undefined;
    return requested.filter((tool) => {
      const state = this.#toolPipelines.get(tool.name)?.breaker?.state;
      if (state !== 'open' && state !== 'isolated') return true;
      this.#emit({ type: 'tool-withheld', agent, tool: tool.name, state });
      return false;
    });
  }

  /**
   * Runs one model call (the live side of the `model` effect): budget check → degraded strategy
   * when triggered → the model's fallback chain within the step deadline (what is left of the
   * task's) → budget charge.
   *
   * With `metrics` (the hosting system's registry; names and labels in AgentMetrics), the call
   * counts its attempts, retries, fallbacks, degradation, budget overrun, repairs and screening
   * there. A replay never calls this, so it counts nothing again.
   *
   * @throws {RuntimeError} ERR_BUDGET_EXCEEDED (`budget`); ERR_FALLBACK_EXHAUSTED when every
   *   endpoint failed and no degraded path applies; ERR_TIMEOUT at the step or task deadline.
   */
  callModel(
    agent: string,
    planned: ModelCallPlan,
    signal: AbortSignal,
    metrics?: MetricsRegistry,
  ): Promise<ModelOutput> {
    return this.#callModel(agent, planned, signal, this.#callMetrics(metrics));
  }

  async #callModel(
    agent: string,
    planned: ModelCallPlan,
    signal: AbortSignal,
    call: CallMetrics | undefined,
  ): Promise<ModelOutput> {
    let plan = planned;
    this.#tasks.catchUp(plan.task, plan.spent);
    this.#budget(call, () => {
      this.#tasks.check(plan.task);
    });
    const degrade = this.#config.degrade;
    const task = Deadline.fromEnvelope({ deadline: plan.deadline }, { clock: this.#clock });
    const step = task.child(this.#config.timeouts.stepMs, { level: 'step' });
    try {
      plan = await this.#screen(agent, plan, signal, call);
      const trigger = this.#degradeTrigger(plan);
      if (trigger !== undefined && degrade !== undefined) {
        return await this.#degraded(agent, plan, trigger, { step, signal, call });
      }
      try {
        const answer = await this.#run(plan.model, plan.request, { step, signal, call });
        this.#budget(call, () => {
          this.#tasks.charge(plan.task, answer);
        });
        return this.#withSpent(plan.task, { ...answer, strategy: 'normal' });
      } catch (error) {
        if (
          degrade?.when.includes('chain-exhausted') === true &&
          plan.model !== degrade.model &&
          isRuntimeError(error, ErrorCode.FallbackExhausted)
        ) {
          return await this.#degraded(agent, plan, 'chain-exhausted', { step, signal, call });
        }
        throw error;
      }
    } finally {
      step.dispose();
      task.dispose();
    }
  }

  /**
   * Takes back what a recorded outcome says (a replay after a restart): its spend is charged to
   * the task's budget again, and a degraded answer marks the task degraded. Never throws.
   */
  replayed(plan: ModelCallPlan, output: ModelOutput): void {
    this.#tasks.catchUp(plan.task, output.budget ?? plan.spent);
    if (output.strategy === 'degraded') this.#tasks.markDegraded(plan.task);
  }

  /**
   * Runs one tool call through the tool's pipeline (breaker, retries when idempotent, call
   * timeout), within the step deadline and what is left of the task's. With `metrics`, its
   * retries are counted there.
   */
  runTool<T>(
    tool: string,
    deadline: number | undefined,
    signal: AbortSignal,
    run: (signal: AbortSignal) => Promise<T>,
    metrics?: MetricsRegistry,
  ): Promise<T> {
    return this.#runTool(tool, deadline, signal, run, this.#callMetrics(metrics));
  }

  async #runTool<T>(
    tool: string,
    deadline: number | undefined,
    signal: AbortSignal,
    run: (signal: AbortSignal) => Promise<T>,
    call: CallMetrics | undefined,
  ): Promise<T> {
    const pipeline = this.#toolPipelines.get(tool);
    if (pipeline === undefined) return run(signal);
    const task = Deadline.fromEnvelope({ deadline }, { clock: this.#clock });
    const step = task.child(this.#config.timeouts.stepMs, { level: 'step' });
    try {
      return await pipeline.execute(
        (ctx) => {
          const attempt = () => abortable(run(ctx.signal), ctx.signal);
          return call === undefined ? attempt() : call.measure('tool', tool, ctx.attempt, attempt);
        },
        { deadline: step, signal },
      );
    } finally {
      step.dispose();
      task.dispose();
    }
  }

  // --- internals ---

  /** What one live call counts into `metrics`; nothing without a registry. */
  #callMetrics(metrics: MetricsRegistry | undefined): CallMetrics | undefined {
    return metrics === undefined
      ? undefined
      : new CallMetrics(AgentMetrics.of(metrics), this.#agent, this.#clock);
  }

  /** Runs a budget check or charge whose overrun `call` counts. */
  #budget(call: CallMetrics | undefined, fn: () => void): void {
    this.#budgetCall = call;
    try {
      fn();
    } finally {
      this.#budgetCall = undefined;
    }
  }

  async #run(
    model: string,
    request: ModelRequest,
    { step, signal, call: metrics }: LiveCall,
  ): Promise<ModelResponse & { endpoint: string }> {
    const chain = this.#chains.get(model);
    if (chain === undefined) {
      throw new RuntimeError(ErrorCode.InvalidOptions, `No model named ${model}`, {
        details: { model, declared: this.models, failureClass: 'invalid-request' },
      });
    }
    return runModel(
      chain,
      this.#guards.get(model),
      model,
      request,
      { step, signal },
      metrics,
      (attempts) => {
        this.#emit({ type: 'repaired', agent: this.#agent, model, attempts }, metrics);
      },
    );
  }

  async #screen(
    agent: string,
    plan: ModelCallPlan,
    signal: AbortSignal,
    call: CallMetrics | undefined,
  ): Promise<ModelCallPlan> {
    const screen = this.#config.screen;
    if (screen === undefined) return plan;
    const request = await screenRequest(screen, plan.request, signal, ({ result }) => {
      this.#emit(screenedEvent(agent, result), call);
    });
    return request === plan.request ? plan : { ...plan, request };
  }

  async #degraded(
    agent: string,
    plan: ModelCallPlan,
    trigger: DegradeTrigger,
    live: LiveCall,
  ): Promise<ModelOutput> {
    const degrade = this.#config.degrade;
    if (degrade === undefined) throw new Error('unreachable: no degraded strategy declared');
    if (this.#tasks.markDegraded(plan.task)) {
      this.#emit(
        {
          type: 'degraded',
          agent,
          model: plan.model,
          trigger,
          task: plan.task,
          use: degrade.model,
        },
        live.call,
      );
    }
    const answer = await this.#run(degrade.model, withInstruction(plan.request, degrade), live);
    this.#budget(live.call, () => {
      this.#tasks.charge(plan.task, answer);
    });
    return this.#withSpent(plan.task, { ...answer, strategy: 'degraded', degradedBy: trigger });
  }

  #degradeTrigger(plan: ModelCallPlan): DegradeTrigger | undefined {
    const primary = this.#chains.get(plan.model)?.members[0]?.pipeline?.breaker?.state;
    return degradeTrigger(plan, this.#config.degrade, this.#tasks, primary);
  }

  /** The output with the task's spend after it, when there is a budget. */
  #withSpent(task: string, output: ModelOutput): ModelOutput {
    const spent = this.#tasks.spent(task);
    return spent === undefined ? output : { ...output, budget: spent };
  }

  #watch(breaker: CircuitBreaker): void {
    if (this.#watched.has(breaker)) return;
    this.#watched.add(breaker);
    watchBreaker(breaker, (event) => {
      this.#emit(event);
    });
  }

  /** Logs and reports `event`; `call` counts it when a live call caused it. */
  #emit(event: ResilienceEvent, call?: CallMetrics): void {
    this.logger?.info({ resilience: event }, `resilience: ${event.type}`);
    call?.record(event);
    this.#events.emit(event);
  }
}
