import {
  ErrorCode,
  RuntimeError,
  disposable,
  messageOf,
  type Clock,
  type Disposable,
  type MetricsRegistry,
  type TimerHandle,
} from 'agentvisor/internal';
import { judgeCanary, type CanaryJudgement, type RunOutcome } from './judgeCanary.js';
import { parseRolloutSpec, type RolloutCatalog } from './parseRolloutSpec.js';
import { RolloutRouter, type RolloutRole, type RouteDecision } from './RolloutRouter.js';
import { stepTraffic, type RolloutSpec } from './RolloutSpec.js';
import type { RolloutEvent, RolloutState, RolloutStore } from './RolloutStore.js';

/** What an inconclusive interval asks a person (open it with the EscalationService). */
export interface RolloutEscalationRequest {
  readonly rolloutId: string;
  readonly agent: string;
  readonly reason: string;
  readonly judgement: CanaryJudgement;
  /** The decisions {@link RolloutController.decide} takes. */
  readonly options: readonly ('promote' | 'abort' | 'extend')[];
}

/** What a controller runs on. */
export interface RolloutControllerDeps {
  readonly clock: Clock;
  readonly store: RolloutStore;
  /** Where an inconclusive interval goes (an adapter over the EscalationService). */
  readonly escalations?: { open(request: RolloutEscalationRequest): unknown };
  /** The checkpoint machine version of a durable conversation (kept, never migrated mid-task). */
  readonly versionOf?: (key: string) => RolloutState['config']['stable'] | undefined;
  readonly metrics?: MetricsRegistry;
}

const MAX_EVENTS = 100;

/**
 * Drives one rollout on an injected clock: each `intervalMs` it judges the runs recorded in the
 * current step (stable against candidate) and passes to the next step, pauses and escalates
 * (inconclusive), or rolls back (fail): new conversations go to stable at once, in-flight
 * candidate conversations finish there or are parked (`inFlightOnRollback`), nothing is killed.
 * Every change is written to the store before it takes effect elsewhere, so another node can
 * {@link RolloutController.resume} the rollout from its step.
 */
export class RolloutController {
  readonly router: RolloutRouter;
  readonly #deps: RolloutControllerDeps;
  #state: RolloutState;
  #revision: number | undefined;
  #timer: TimerHandle;
  #runs: { stable: RunOutcome[]; candidate: RunOutcome[] } = { stable: [], candidate: [] };
  readonly #listeners = new Set<(event: RolloutEvent) => void>();
  #writes: Promise<unknown> = Promise.resolve();

  private constructor(
    state: RolloutState,
    revision: number | undefined,
    deps: RolloutControllerDeps,
  ) {
    const { config } = state;
    this.#deps = deps;
    this.#state = state;
    this.#revision = revision;
    this.router = new RolloutRouter({
      rolloutId: config.id,
      agent: config.agent,
      stable: config.stable,
      candidate: config.candidate,
      ...(deps.versionOf === undefined ? {} : { versionOf: deps.versionOf }),
      ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
    });
    this.#applyTraffic();
  }

  /**
   * Validates `spec` against `catalog` and the stored active rollouts, stores it and starts its
   * first step. @throws {RuntimeError} what `parseRolloutSpec` throws; nothing is routed then.
   */
  static async start(
    spec: RolloutSpec,
    catalog: RolloutCatalog,
    deps: RolloutControllerDeps,
  ): Promise<RolloutController> {
    const stored = await deps.store.list();
    const active = stored
      .filter((s) => s.status === 'running' || s.status === 'paused')
      .map((s) => ({ id: s.config.id, agent: s.config.agent }));
    const config = parseRolloutSpec(spec, {
      ...catalog,
      active: [...(catalog.active ?? []), ...active],
    });
    const now = deps.clock.now();
    const state: RolloutState = {
      config,
      status: 'running',
      stepIndex: 0,
      passedInStep: 0,
      intervals: 0,
      nextIntervalAt: now + config.intervalMs,
      events: [],
    };
    const controller = new RolloutController(state, undefined, deps);
    await controller.#enterStep(0);
    return controller;
  }

  /**
   * Continues a stored rollout on this node (after the node that ran it failed): same step,
   * next analysis at its stored time. @throws {RuntimeError} ERR_ROLLOUT_NOT_FOUND.
   */
  static async resume(id: string, deps: RolloutControllerDeps): Promise<RolloutController> {
    const stored = await deps.store.load(id);
    if (stored === undefined) {
      throw new RuntimeError(ErrorCode.RolloutNotFound, `No rollout ${id}`, { details: { id } });
    }
    const controller = new RolloutController(stored.state, stored.revision, deps);
    controller.#arm();
    return controller;
  }

  /** The state now (as last written). */
  get state(): RolloutState {
    return this.#state;
  }

  /** Places a message of conversation `key`. */
  route(key: string): RouteDecision {
    return this.router.route(key);
  }

  /** Records a finished run of one side (a shadow run counts for the candidate). */
  record(role: RolloutRole, outcome: RunOutcome): void {
    this.#runs[role].push(outcome);
  }

  /** Listens to the rollout's events. */
  onEvent(listener: (event: RolloutEvent) => void): Disposable {
    this.#listeners.add(listener);
    return disposable(() => {
      this.#listeners.delete(listener);
    });
  }

  /** Judges the current interval now (the timer calls it each `intervalMs`). */
  async analyze(): Promise<CanaryJudgement | undefined> {
    if (this.#state.status !== 'running') return undefined;
    const { config } = this.#state;
    const judgement = judgeCanary(config.analysis, this.#runs.stable, this.#runs.candidate);
    const intervals = this.#state.intervals + 1;
    await this.#write(
      {
        intervals,
        nextIntervalAt: this.#deps.clock.now() + config.intervalMs,
        passedInStep: this.#state.passedInStep + (judgement.verdict === 'pass' ? 1 : 0),
      },
      {
        type: 'rollout.analysis',
        at: this.#deps.clock.now(),
        step: this.#state.stepIndex,
        interval: intervals,
        verdict: judgement.verdict,
        score: judgement.score,
        metrics: judgement.metrics.map((m) => ({
          name: m.name,
          classification: m.classification,
          pValue: m.pValue,
        })),
      },
    );
    if (judgement.verdict === 'fail') {
      const failed = judgement.metrics.filter((m) => m.failed);
      await this.rollback(
        `judge: score ${judgement.score.toFixed(0)}; failed ${failed.map((m) => `${m.name} (${m.classification}${m.critical ? ', critical' : ''})`).join(', ')}`,
      );
    } else if (judgement.verdict === 'marginal') {
      const reason = `judge: inconclusive, score ${judgement.score.toFixed(0)}`;
      await this.pause(reason);
      await this.#deps.escalations?.open({
        rolloutId: config.id,
        agent: config.agent,
        reason,
        judgement,
        options: ['promote', 'abort', 'extend'],
      });
    } else if (
      judgement.verdict === 'pass' &&
      this.#state.passedInStep >= config.analysis.intervalsPerStep
    ) {
      await this.#enterStep(this.#state.stepIndex + 1);
    } else {
      this.#arm();
    }
    return judgement;
  }

  /** Stops stepping (traffic stays as it is). */
  async pause(reason: string): Promise<void> {
    this.#disarm();
    await this.#write(
      { status: 'paused' },
      { type: 'rollout.paused', at: this.#deps.clock.now(), reason },
    );
  }

  /** Continues a paused rollout in its step with a fresh interval (`extend`). */
  async resumeStepping(): Promise<void> {
    if (this.#state.status !== 'paused') return;
    this.#runs = { stable: [], candidate: [] };
    const now = this.#deps.clock.now();
    await this.#write(
      { status: 'running', nextIntervalAt: now + this.#state.config.intervalMs },
      { type: 'rollout.resumed', at: now },
    );
    this.#arm();
  }

  /** Applies a person's decision on an inconclusive interval. */
  async decide(decision: 'promote' | 'abort' | 'extend'): Promise<void> {
    if (decision === 'promote') await this.promote();
    else if (decision === 'abort') await this.abort('operator: abort');
    else await this.resumeStepping();
  }

  /** Gives the candidate all traffic now, skipping the remaining steps. */
  async promote(): Promise<void> {
    await this.#enterStep(this.#state.config.steps.length);
  }

  /** Stops the rollout; stable keeps (or gets back) all new conversations. */
  async abort(reason: string): Promise<void> {
    this.#disarm();
    await this.#write(
      { status: 'aborted' },
      { type: 'rollout.aborted', at: this.#deps.clock.now(), reason },
    );
    this.#applyTraffic();
  }

  /**
   * Sends new conversations to stable at once. After promotion only within `rollbackWindowMs`
   * (no analysis). @throws {RuntimeError} ERR_INVALID_DECISION outside the window or when ended.
   */
  async rollback(reason: string): Promise<void> {
    const { status, promotedAt, config } = this.#state;
    const now = this.#deps.clock.now();
    const inWindow = status === 'promoted' && now - (promotedAt ?? 0) <= config.rollbackWindowMs;
    if (status !== 'running' && status !== 'paused' && !inWindow) {
      throw new RuntimeError(
        ErrorCode.InvalidDecision,
        `Rollout ${config.id} cannot roll back: it is ${status}${status === 'promoted' ? ` and its rollbackWindowMs (${config.rollbackWindowMs}) has passed` : ''}`,
        { details: { id: config.id, status } },
      );
    }
    this.#disarm();
    await this.#write(
      { status: 'rolledBack' },
      { type: 'rollout.rolledBack', at: now, from: config.candidate, to: config.stable, reason },
    );
    this.#applyTraffic();
  }

  /** Stops the timer (the state stays stored; another controller may resume it). */
  dispose(): void {
    this.#disarm();
  }

  async #enterStep(index: number): Promise<void> {
    const { config } = this.#state;
    const now = this.#deps.clock.now();
    this.#runs = { stable: [], candidate: [] };
    const last = index >= config.steps.length || 'full' in (config.steps[index] ?? {});
    const stepIndex = Math.min(index, config.steps.length - 1);
    const traffic = last
      ? { weight: 1, shadowSample: 0 }
      : stepTraffic(config.steps[stepIndex] ?? { full: true });
    const stepEvent: RolloutEvent = { type: 'rollout.step', at: now, step: stepIndex, ...traffic };
    await this.#write(
      { stepIndex, passedInStep: 0, nextIntervalAt: now + config.intervalMs, status: 'running' },
      stepEvent,
    );
    if (last) {
      await this.#write(
        { status: 'promoted', promotedAt: now },
        { type: 'rollout.promoted', at: now, version: config.candidate },
      );
    }
    this.#applyTraffic();
    this.#arm();
  }

  #applyTraffic(): void {
    const { status, stepIndex, config } = this.#state;
    if (status === 'promoted')
      this.router.setTraffic({ weight: 1, shadowSample: 0, parkCandidate: false });
    else if (status === 'rolledBack' || status === 'aborted') {
      this.router.setTraffic({
        weight: 0,
        shadowSample: 0,
        parkCandidate: config.inFlightOnRollback === 'park',
      });
    } else {
      const step = config.steps[stepIndex] ?? { full: true };
      this.router.setTraffic({ ...stepTraffic(step), parkCandidate: false });
    }
  }

  #arm(): void {
    this.#disarm();
    if (this.#state.status !== 'running') return;
    const delay = Math.max(0, this.#state.nextIntervalAt - this.#deps.clock.now());
    this.#timer = this.#deps.clock.setTimeout(() => {
      this.#timer = undefined;
      this.analyze().catch((err: unknown) => {
        this.#emit({
          type: 'rollout.paused',
          at: this.#deps.clock.now(),
          reason: `analysis failed: ${messageOf(err)}`,
        });
      });
    }, delay);
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #write(patch: Partial<RolloutState>, event: RolloutEvent): Promise<void> {
    const events = [...this.#state.events, event].slice(-MAX_EVENTS);
    const next: RolloutState = { ...this.#state, ...patch, events };
    const write = this.#writes.then(async () => {
      this.#revision = await this.#deps.store.save(next, this.#revision);
    });
    this.#writes = write.catch(() => undefined);
    await write;
    this.#state = next;
    this.#emit(event);
  }

  #emit(event: RolloutEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
