import type { Counter, Gauge, Histogram, MetricsRegistry } from 'agentvisor/internal';
import { QualityWindow, type EvaluationResult } from './QualityWindow.js';

/** How a task ended: answered, answered with an error, handed to a person, or on the degraded path. */
export type TaskOutcome = 'succeeded' | 'failed' | 'escalated' | 'degraded';

/** Buckets of `agentvisor_task_steps`: 1, 2, 4 … 256 transitions. */
const STEP_BUCKETS = Object.freeze(Array.from({ length: 9 }, (_, i) => 2 ** i));
/** Buckets of `agentvisor_task_seconds`: 0.05 s … ~27 min (×2). */
const TASK_SECONDS_BUCKETS = Object.freeze(
  Array.from({ length: 16 }, (_, i) => Math.round(0.05 * 2 ** i * 100) / 100),
);
/** Evaluations kept per (agent, evaluation) for the rolling quality gauges. */
export const QUALITY_WINDOW = 100;

const byRegistry = new WeakMap<MetricsRegistry, TaskMetrics>();

/**
 * The task metrics of agents on one registry. Labels are the definition's name and
 * closed sets; never a task or message id.
 *
 * - `agentvisor_task_steps{agent,outcome}`: histogram of the transitions one task took (the
 *   message that began it, then each effect outcome or timer that reached the machine for it).
 * - `agentvisor_tasks_total{agent,outcome}`: finished tasks (`succeeded|failed|escalated|degraded`).
 * - `agentvisor_task_seconds{agent,outcome}`: histogram of a task's duration on the injected clock.
 * - `agentvisor_quality_score{agent,evaluation}`: mean `score` of the last 100 evaluations.
 * - `agentvisor_quality_accuracy_ratio`, `agentvisor_quality_precision_ratio`,
 *   `agentvisor_quality_recall_ratio`, `agentvisor_quality_f1_ratio` `{agent,evaluation}`: over
 *   the labelled ones among them (macro averages over the classes seen); absent until one is.
 */
export class TaskMetrics {
  readonly #steps: Histogram;
  readonly #tasks: Counter;
  readonly #seconds: Histogram;
  readonly #score: Gauge;
  readonly #accuracy: Gauge;
  readonly #precision: Gauge;
  readonly #recall: Gauge;
  readonly #f1: Gauge;
  readonly #windows = new Map<string, QualityWindow>();

  /** The metrics on `registry`, registered on first use. */
  static of(registry: MetricsRegistry): TaskMetrics {
    let metrics = byRegistry.get(registry);
    if (metrics === undefined) {
      metrics = new TaskMetrics(registry);
      byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(registry: MetricsRegistry) {
    const labelNames = ['agent', 'outcome'];
    this.#steps = registry.histogram('agentvisor_task_steps', 'Transitions per agent task', {
      labelNames,
      buckets: STEP_BUCKETS,
    });
    this.#tasks = registry.counter('agentvisor_tasks_total', 'Finished agent tasks, by outcome', {
      labelNames,
    });
    this.#seconds = registry.histogram(
      'agentvisor_task_seconds',
      'Duration of agent tasks, in seconds',
      { labelNames, buckets: TASK_SECONDS_BUCKETS },
    );
    const quality = { labelNames: ['agent', 'evaluation'] };
    this.#score = registry.gauge(
      'agentvisor_quality_score',
      'Mean evaluation score over the last 100 evaluated tasks',
      quality,
    );
    this.#accuracy = registry.gauge(
      'agentvisor_quality_accuracy_ratio',
      'Share of labelled evaluations whose label was the expected one (rolling)',
      quality,
    );
    this.#precision = registry.gauge(
      'agentvisor_quality_precision_ratio',
      'Macro-averaged precision of labelled evaluations (rolling)',
      quality,
    );
    this.#recall = registry.gauge(
      'agentvisor_quality_recall_ratio',
      'Macro-averaged recall of labelled evaluations (rolling)',
      quality,
    );
    this.#f1 = registry.gauge(
      'agentvisor_quality_f1_ratio',
      'Macro-averaged F1 of labelled evaluations (rolling)',
      quality,
    );
  }

  /** Counts one finished task. */
  finished(agent: string, outcome: TaskOutcome, steps: number, seconds: number): void {
    const labels = { agent, outcome };
    this.#tasks.inc(labels);
    this.#steps.observe(steps, labels);
    this.#seconds.observe(seconds, labels);
  }

  /** Adds one evaluation to its rolling window and updates the quality gauges. */
  evaluated(agent: string, result: EvaluationResult): void {
    const key = `${agent}\u0000${result.name}`;
    let window = this.#windows.get(key);
    if (window === undefined) {
      window = new QualityWindow(QUALITY_WINDOW);
      this.#windows.set(key, window);
    }
    const figures = window.add(result);
    const labels = { agent, evaluation: result.name };
    this.#score.set(figures.score, labels);
    if (figures.accuracy === undefined) return;
    this.#accuracy.set(figures.accuracy, labels);
    this.#precision.set(figures.precision ?? 0, labels);
    this.#recall.set(figures.recall ?? 0, labels);
    this.#f1.set(figures.f1 ?? 0, labels);
  }
}
