import type {
  CircuitBreaker,
  CircuitState,
  Counter,
  FailureClass,
  Gauge,
  Histogram,
  MetricsRegistry,
} from 'agentvisor/internal';
import type { ResilienceEvent } from '../ResilienceEvent.js';

/** The value of `agentvisor_breaker_state` for each breaker state. */
export const BREAKER_STATE_VALUE = {
  closed: 0,
  'half-open': 1,
  open: 2,
  isolated: 3,
} as const satisfies Record<CircuitState, number>;

/** What a model answer may carry for usage metrics (a ModelResponse, read defensively). */
export interface ModelAnswer {
  readonly usage?: { readonly inputTokens?: number; readonly outputTokens?: number };
  readonly cost?: number;
}

/** One set of metrics per registry: a breaker is watched once however many agents use it. */
const byRegistry = new WeakMap<MetricsRegistry, AgentMetrics>();

/**
 * The resilience metrics of agents on one registry (the `metrics` of the ActorSystem hosting
 * them). Labels are low-cardinality by construction: `agent` is the definition's name (not the
 * actor's: one definition may back many actors), `endpoint` a model client's name, `target` a
 * breaker or pipeline key (`model:<client>`, `tool:<name>`); never a message id or free text.
 *
 * - `agentvisor_model_calls_total{agent,endpoint,outcome}`: attempts on a model endpoint;
 *   `outcome` is `ok` or the attempt's failure class (`rate-limit`, `transient` for a timeout…).
 *   A call refused by an open breaker or a full bulkhead never reached the endpoint: not counted.
 * - `agentvisor_model_call_seconds{agent,endpoint}`: histogram of those attempts' latency, on
 *   the injected clock's monotonic time.
 * - `agentvisor_retries_total{agent,target,failure_class}`: attempts on a model endpoint or tool
 *   after one that failed (`failure_class` is that failure's); a retry refused by the breaker or
 *   bulkhead before it reached the target is not counted.
 * - `agentvisor_fallbacks_total{agent,from,to}`: the chain left endpoint `from`, which failed,
 *   for `to`, the next endpoint it called; `to` is `none` when none was left to call.
 * - `agentvisor_breaker_transitions_total{target,to}` and `agentvisor_breaker_state{target}`
 *   (0 closed, 1 half-open, 2 open, 3 isolated): per breaker, counted once per registry even when
 *   agents share it. Breakers of one name in two unshared registries share these series.
 * - `agentvisor_degradations_total{agent,trigger}`: tasks switched to the degraded strategy.
 * - `agentvisor_budget_exceeded_total{agent,dimension}`: calls refused or failed over a task
 *   budget (`dimension`: `tokens`, `cost`, `steps`).
 * - `agentvisor_tool_calls_total{agent,tool,outcome}`: attempts on a tool (`ok` or failure class).
 * - `agentvisor_tokens_total{agent,model,type}`: tokens of answered model calls (`type`:
 *   `input`, `output`, as OTel's `gen_ai.token.type`); `model` is the endpoint's name.
 * - `agentvisor_cost_usd_total{agent,model}`: the cost in USD answers reported (when the client knows prices).
 * - `agentvisor_output_repairs_total{agent,model}`: invalid outputs fixed by asking again.
 * - `agentvisor_screened_total{agent,source,action}`: untrusted messages screening did not simply
 *   allow (`action`: `sanitize`, `block`, `escalate`; `source`: `user`, `tool`).
 *
 * Only live calls count, each into its own system's registry (see CallMetrics): a recorded
 * outcome returned on replay repeats no call, so it repeats no count.
 */
export class AgentMetrics {
  readonly #modelCalls: Counter;
  readonly #modelCallSeconds: Histogram;
  readonly #retries: Counter;
  readonly #fallbacks: Counter;
  readonly #breakerTransitions: Counter;
  readonly #breakerState: Gauge;
  readonly #degradations: Counter;
  readonly #budgetExceeded: Counter;
  readonly #repairs: Counter;
  readonly #screened: Counter;
  readonly #toolCalls: Counter;
  readonly #tokens: Counter;
  readonly #cost: Counter;
  readonly #breakers = new WeakSet<CircuitBreaker>();

  /** The metrics on `registry`, registered on first use. */
  static of(registry: MetricsRegistry): AgentMetrics {
    let metrics = byRegistry.get(registry);
    if (metrics === undefined) {
      metrics = new AgentMetrics(registry);
      byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(registry: MetricsRegistry) {
    this.#modelCalls = registry.counter(
      'agentvisor_model_calls_total',
      'Attempts on model endpoints, by outcome (ok or failure class)',
    );
    this.#modelCallSeconds = registry.histogram(
      'agentvisor_model_call_seconds',
      'Latency of attempts on model endpoints, in seconds',
    );
    this.#retries = registry.counter(
      'agentvisor_retries_total',
      'Retries of model endpoints and tools, by failure class',
    );
    this.#fallbacks = registry.counter(
      'agentvisor_fallbacks_total',
      'Fallbacks from one model endpoint to the next (to="none": none was left)',
    );
    this.#breakerTransitions = registry.counter(
      'agentvisor_breaker_transitions_total',
      'Circuit breaker state changes, by new state',
    );
    this.#breakerState = registry.gauge(
      'agentvisor_breaker_state',
      'Circuit breaker state: 0 closed, 1 half-open, 2 open, 3 isolated',
    );
    this.#degradations = registry.counter(
      'agentvisor_degradations_total',
      'Tasks switched to the degraded strategy, by trigger',
    );
    this.#budgetExceeded = registry.counter(
      'agentvisor_budget_exceeded_total',
      'Model calls refused or failed over a task budget, by dimension',
    );
    this.#repairs = registry.counter(
      'agentvisor_output_repairs_total',
      'Invalid model outputs repaired by asking again',
    );
    this.#screened = registry.counter(
      'agentvisor_screened_total',
      'Untrusted messages sanitised, blocked or escalated by input screening',
    );
    this.#toolCalls = registry.counter('agentvisor_tool_calls_total', 'Tool attempts, by outcome', {
      labelNames: ['agent', 'tool', 'outcome'],
    });
    this.#tokens = registry.counter(
      'agentvisor_tokens_total',
      'Tokens of answered model calls, by type (input, output)',
      { labelNames: ['agent', 'model', 'type'] },
    );
    this.#cost = registry.counter(
      'agentvisor_cost_usd_total',
      'Cost in USD reported by model answers',
      {
        labelNames: ['agent', 'model'],
      },
    );
  }

  /** Counts one attempt on a tool. */
  toolCall(agent: string, tool: string, outcome: 'ok' | FailureClass): void {
    this.#toolCalls.inc({ agent, tool, outcome });
  }

  /** Counts the tokens and cost of one answered model call. */
  usage(agent: string, model: string, answer: ModelAnswer | undefined): void {
    const input = answer?.usage?.inputTokens ?? 0;
    const output = answer?.usage?.outputTokens ?? 0;
    this.#tokens.inc({ agent, model, type: 'input' }, input);
    this.#tokens.inc({ agent, model, type: 'output' }, output);
    if (answer?.cost !== undefined && answer.cost > 0)
      this.#cost.inc({ agent, model }, answer.cost);
  }

  /** Counts one attempt on a model endpoint and observes its latency. */
  modelCall(agent: string, endpoint: string, outcome: 'ok' | FailureClass, seconds: number): void {
    this.#modelCalls.inc({ agent, endpoint, outcome });
    this.#modelCallSeconds.observe(seconds, { agent, endpoint });
  }

  /** Counts one retry of `target` (`model:<endpoint>`, `tool:<name>`). */
  retry(agent: string, target: string, failureClass: FailureClass): void {
    this.#retries.inc({ agent, target, failure_class: failureClass });
  }

  /** Counts one fallback from endpoint `from` to `to` (`none` when none was left). */
  fallback(agent: string, from: string, to: string): void {
    this.#fallbacks.inc({ agent, from, to });
  }

  /**
   * Counts an event of a live call. Retries and fallbacks are counted from the call's attempts
   * ({@link retry}, {@link fallback}), breakers through {@link watchBreaker}; a withheld tool is
   * not a call and is not counted.
   */
  record(agent: string, event: ResilienceEvent): void {
    switch (event.type) {
      case 'degraded':
        this.#degradations.inc({ agent, trigger: event.trigger });
        return;
      case 'budget-exceeded':
        this.#budgetExceeded.inc({ agent, dimension: event.dimension });
        return;
      case 'repaired':
        this.#repairs.inc({ agent, model: event.model });
        return;
      case 'screened':
        this.#screened.inc({ agent, source: event.source, action: event.action });
        return;
      case 'retry':
      case 'fallback':
      case 'breaker':
      case 'tool-withheld':
        return;
    }
  }

  /**
   * Counts the transitions of `breaker` and keeps its state gauge, from now on; a breaker
   * already watched on this registry (shared by agents or incarnations) is not watched twice.
   */
  watchBreaker(breaker: CircuitBreaker): void {
    if (this.#breakers.has(breaker)) return;
    this.#breakers.add(breaker);
    const target = breaker.name;
    this.#breakerState.set(BREAKER_STATE_VALUE[breaker.state], { target });
    breaker.onStateChange((change) => {
      this.#breakerTransitions.inc({ target, to: change.to });
      this.#breakerState.set(BREAKER_STATE_VALUE[change.to], { target });
    });
  }
}
