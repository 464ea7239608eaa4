import { setup } from 'xstate';
import {
  ErrorCode,
  RuntimeError,
  type ActorContext,
  type ActorTemplate,
  type Envelope,
  type LifecycleEvent,
  type Logger,
} from 'agentvisor/internal';
import type { ChildCounts, ChildInfo } from './ChildInfo.js';
import type { Escalation, HumanDecision } from './escalation/index.js';
import type { FailureClass } from './failureClasses.js';
import { answerSupervisorMessage } from './internal/answerSupervisorMessage.js';
import { childFailureDirective, escalatedError, intensityError } from './internal/childFailure.js';
import {
  childInfo,
  countChildren,
  createChildRecord,
  type ChildRecord,
} from './internal/ChildRecord.js';
import { spawnWorker, stopChildProcess, type ChildStart } from './internal/childProcess.js';
import { decideParked, errorChain } from './internal/decideParked.js';
import { restartReach } from './internal/restartReach.js';
import { recordSupervisorMetrics } from './internal/supervisorMetrics.js';
import { PoisonDetector } from './poisonDetector.js';
import type { ChildSpec, SupervisorSpec, WorkerSpec } from './policy/index.js';
import { recordRestart } from './restartIntensity.js';
import type { SupervisorDeps, SupervisorExit } from './SupervisorDeps.js';
import type { SupervisorEvent } from './SupervisorEvent.js';

export type { ChildCounts, ChildInfo, ChildStatus } from './ChildInfo.js';
export type { SupervisorDeps, SupervisorExit } from './SupervisorDeps.js';

/**
 * An OTP supervisor hosted as an actor: it starts its children in order, watches them, and on a
 * child's exit applies its strategy (one-for-one, one-for-all, rest-for-one, dynamic), restart
 * types, restart intensity and, beyond OTP, backoff, failure classes with a decision table, and
 * escalation to a human. Operations are serialised, as in OTP's gen_server loop.
 *
 * Divergence from OTP, on purpose: a supervisor that gives up exits *abnormally* (it fails with
 * ERR_RESTART_INTENSITY), so a `transient` parent child still restarts it; OTP exits with
 * `shutdown` there and the escalation is silently lost (anchors-actors.md, "Gotcha").
 */
export class Supervisor {
  readonly id: string;
  readonly name: string;
  readonly #spec: SupervisorSpec;
  readonly #deps: SupervisorDeps;
  readonly #logger: Logger;
  readonly #children: ChildRecord[] = [];
  readonly #poison = new PoisonDetector();
  readonly #onExit: ((exit: SupervisorExit) => void) | undefined;
  #history: number[] = [];
  #ops: Promise<unknown> = Promise.resolve();
  #status: 'idle' | 'running' | 'stopping' | 'stopped' | 'failed' = 'idle';
  #context: ActorContext | undefined;
  #dynamicSeq = 0;

  constructor(
    spec: SupervisorSpec,
    deps: SupervisorDeps,
    options: { name?: string; onExit?: (exit: SupervisorExit) => void } = {},
  ) {
    this.id = spec.id;
    this.name = options.name ?? spec.id;
    this.#spec = spec;
    this.#deps = deps;
    this.#onExit = options.onExit;
    this.#logger = deps.logger.child({ supervisor: this.name });
    if (spec.strategy !== 'dynamic') {
      for (const child of spec.children) this.#children.push(this.#record(child, child.id));
    }
  }

  /** The spec this supervisor runs. */
  get spec(): SupervisorSpec {
    return this.#spec;
  }

  /** `running` while it supervises; `failed` after it gave up. */
  get status(): string {
    return this.#status;
  }

  // --- lifecycle ---

  /**
   * Spawns the supervisor's own actor and starts its children in list order (OTP). A child that
   * fails to start is handled like a child that failed.
   */
  start(): Promise<void> {
    return this.#serial(async () => {
      if (this.#status !== 'idle') return;
      this.#status = 'running';
      this.#deps.system.spawn(this.name, this.#template(), { mailbox: { capacity: 1_000 } });
      for (const child of this.#children) await this.#startChild(child, undefined);
    });
  }

  /**
   * Stops the children in reverse start order, each within its shutdown time then forcibly, and
   * then the supervisor's actor. Held messages of its children go to dead letters.
   */
  shutdown(): Promise<void> {
    return this.#serial(async () => {
      if (this.#status === 'stopped' || this.#status === 'idle') return;
      await this.#stopAllChildren();
      this.#status = 'stopped';
      this.#stopOwnActor();
    });
  }

  // --- introspection (OTP which_children / count_children) ---

  /** The children, in start order, with their states and restart counts. */
  whichChildren(): ChildInfo[] {
    return this.#children.map(childInfo);
  }

  /** Counts of specs, active children, and children by type. */
  countChildren(): ChildCounts {
    return countChildren(this.#children);
  }

  /** The nested supervisor with `id` anywhere below this one, or this one. */
  find(id: string): Supervisor | undefined {
    if (this.id === id) return this;
    for (const c of this.#children) {
      const found = c.sub?.find(id);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  // --- dynamic API (OTP start_child, terminate_child, restart_child, delete_child) ---

  /**
   * Adds and starts a child. For a `dynamic` supervisor, starts a new instance of the template
   * (`id`, `name` and `input` optional); otherwise `spec` is a full child spec.
   *
   * @throws {RuntimeError} ERR_CHILD_CONFLICT when the id is taken.
   */
  startChild(spec: Partial<WorkerSpec> & { id?: string }): Promise<ChildInfo> {
    return this.#serial(async () => {
      this.#mustRun();
      let child: ChildSpec;
      if (this.#spec.strategy === 'dynamic') {
        const template = this.#spec.children[0] as ChildSpec;
        const id = spec.id ?? `${template.id}-${++this.#dynamicSeq}`;
        child = {
          ...template,
          id,
          ...(spec.input === undefined ? {} : { input: spec.input }),
        };
        if (spec.name !== undefined && child.type === 'worker')
          child = { ...child, name: spec.name };
      } else {
        child = spec as ChildSpec;
      }
      if (this.#children.some((c) => c.spec.id === child.id)) {
        throw new RuntimeError(
          ErrorCode.ChildConflict,
          `${this.name} already has a child ${child.id}`,
          {
            details: { supervisor: this.name, child: child.id },
          },
        );
      }
      const name = child.type === 'worker' ? (child.name ?? child.id) : child.id;
      const record = this.#record(child, name);
      this.#children.push(record);
      await this.#startChild(record, undefined);
      return this.#info(record);
    });
  }

  /**
   * Stops a child and keeps its spec (OTP terminate_child); a temporary child, or any child of a
   * dynamic supervisor, is removed.
   *
   * @throws {RuntimeError} ERR_CHILD_NOT_FOUND
   */
  terminateChild(id: string): Promise<void> {
    return this.#serial(async () => {
      const child = this.#child(id);
      await this.#stopChild(child, { hold: false, how: 'terminated' });
      child.status = 'terminated';
      if (child.spec.restart === 'temporary' || this.#spec.strategy === 'dynamic')
        this.#remove(child);
    });
  }

  /**
   * Starts a terminated child again (OTP restart_child).
   *
   * @throws {RuntimeError} ERR_CHILD_NOT_FOUND; ERR_CHILD_CONFLICT when it is running, or for a
   *   dynamic supervisor (OTP: `{error, simple_one_for_one}`).
   */
  restartChild(id: string): Promise<ChildInfo> {
    return this.#serial(async () => {
      this.#mustRun();
      this.#notDynamic('restart_child');
      const child = this.#child(id);
      if (child.status !== 'terminated') {
        throw new RuntimeError(
          ErrorCode.ChildConflict,
          `${id} is ${child.status}; only a terminated child can be restarted`,
          {
            details: { child: id, status: child.status },
          },
        );
      }
      await this.#startChild(child, undefined);
      return this.#info(child);
    });
  }

  /**
   * Removes a terminated child's spec (OTP delete_child).
   *
   * @throws {RuntimeError} ERR_CHILD_NOT_FOUND; ERR_CHILD_CONFLICT when it is not terminated, or
   *   for a dynamic supervisor.
   */
  deleteChild(id: string): Promise<void> {
    return this.#serial(() => {
      this.#notDynamic('delete_child');
      const child = this.#child(id);
      if (child.status !== 'terminated') {
        throw new RuntimeError(
          ErrorCode.ChildConflict,
          `${id} is ${child.status}; terminate it before deleting it`,
          {
            details: { child: id, status: child.status },
          },
        );
      }
      this.#remove(child);
      return Promise.resolve();
    });
  }

  // --- the supervisor's own actor ---

  /** The supervisor as an actor: answers the message API and can exit normally or fail. */
  #template(): ActorTemplate {
    return {
      version: 1,
      createLogic: (context) => {
        this.#context = context;
        return setup({}).createMachine({
          id: `supervisor:${this.name}`,
          initial: 'running',
          states: {
            running: {
              on: {
                '*': {
                  actions: ({ event }) => {
                    this.#onMessage(event as unknown as Envelope);
                  },
                },
              },
            },
          },
        });
      },
    };
  }

  #onMessage(envelope: Envelope): void {
    answerSupervisorMessage(this, this.#context, envelope);
  }

  /** OTP: a supervisor stopped by its parent, or shutting itself down, exits `shutdown`. */
  #stopOwnActor(): void {
    const info = this.#deps.system.describe(this.name);
    if (info !== undefined) this.#deps.system.stop(this.name, 'shutdown');
  }

  // --- starting and stopping children ---

  #record(spec: ChildSpec, name: string): ChildRecord {
    return createChildRecord(spec, name, this.#spec.backoff);
  }

  /** Starts one child; `from` restores a snapshot (resume, retry) and may prepend messages. */
  async #startChild(child: ChildRecord, from: ChildStart | undefined): Promise<void> {
    const { system } = this.#deps;
    child.stopping = false;
    child.timer = undefined;
    child.watch?.dispose();
    child.watch = system.watch(child.name, (event) => {
      this.#onLifecycle(child, event);
    });
    try {
      if (child.spec.type === 'supervisor') {
        const sub = new Supervisor(child.spec, this.#deps, { name: child.name });
        child.sub = sub;
        child.status = 'running';
        await sub.start();
        child.incarnation = system.describe(child.name)?.incarnation ?? child.incarnation + 1;
      } else {
        await spawnWorker(this.#deps, this.#spec.holdCapacity, child, child.spec, from);
      }
      child.backoff?.started(this.#deps.clock.monotonic());
      this.#emit({ type: 'child-started', child: child.spec.id, incarnation: child.incarnation });
    } catch (err) {
      // A start that throws (unknown agent, name taken) is a failure of the child like any other.
      this.#logger.error({ err, child: child.spec.id }, 'child failed to start');
      child.status = 'running';
      this.#onLifecycle(child, {
        type: 'failed',
        name: child.name,
        incarnation: child.incarnation,
        error: err,
        at: this.#deps.clock.now(),
      });
    }
  }

  /** Stops one child within its shutdown time, then forcibly; `hold` keeps its messages for a restart. */
  async #stopChild(child: ChildRecord, options: { hold: boolean; how: string }): Promise<void> {
    const how = await stopChildProcess(this.#deps, this.#spec.holdCapacity, child, options);
    if (how === undefined) return;
    this.#emit({
      type: 'child-stopped',
      child: child.spec.id,
      incarnation: child.incarnation,
      how,
    });
  }

  /**
   * OTP: stop children in reverse start order; a dynamic supervisor's instances all at once,
   * under their shared shutdown time (simple_one_for_one).
   */
  async #stopAllChildren(): Promise<void> {
    if (this.#spec.strategy === 'dynamic') {
      await Promise.all(
        [...this.#children].reverse().map(async (child) => {
          await this.#stopChild(child, { hold: false, how: 'shutdown' });
          child.watch?.dispose();
        }),
      );
      return;
    }
    for (const child of [...this.#children].reverse()) {
      await this.#stopChild(child, { hold: false, how: 'shutdown' });
      child.watch?.dispose();
    }
  }

  // --- reacting to children ---

  #onLifecycle(child: ChildRecord, event: LifecycleEvent): void {
    if (event.type === 'started') return;
    void this.#serial(async () => {
      if (this.#status !== 'running') return;
      if (!this.#children.includes(child) || child.status !== 'running' || child.stopping) return;
      if (event.incarnation !== child.incarnation && event.incarnation !== 0) return;
      switch (event.type) {
        case 'failed':
          await this.#onFailed(child, event.error, 'message' in event ? event.message : undefined);
          return;
        case 'done':
          await this.#onExited(child, 'normal');
          return;
        case 'stopped':
          await this.#onExited(child, 'shutdown');
          return;
      }
    });
  }

  /** A child ended without failing: `normal` (final state) or `shutdown` (stopped by someone else). */
  async #onExited(child: ChildRecord, reason: 'normal' | 'shutdown'): Promise<void> {
    this.#emit({
      type: 'child-exited',
      child: child.spec.id,
      incarnation: child.incarnation,
      reason,
    });
    // OTP: permanent always restarts; transient and temporary do not on a normal/shutdown exit.
    if (child.spec.restart === 'permanent') {
      await this.#restart(child, undefined, undefined);
      return;
    }
    await this.#ended(child);
  }

  /**
   * The child ended for good: no process, its held messages released. OTP: a temporary child's
   * spec goes away, and so does any finished instance of a dynamic supervisor (so its id can be
   * started again and the child list does not grow).
   */
  async #ended(child: ChildRecord): Promise<void> {
    child.status = 'terminated';
    this.#deps.system.release(child.name);
    if (child.spec.restart === 'temporary' || this.#spec.strategy === 'dynamic')
      this.#remove(child);
    await this.#significantEnded(child);
  }

  async #onFailed(
    child: ChildRecord,
    error: unknown,
    message: Envelope | undefined,
  ): Promise<void> {
    const { clock } = this.#deps;
    // Poison is the same input failing the same way for the same child (not for a sibling).
    const poison = this.#poison.record(message, error, clock.monotonic(), child.spec.id);
    const { failureClass, directive } = childFailureDirective(
      error,
      poison,
      this.#deps.classify,
      this.#spec.onFailure,
    );
    this.#emit({
      type: 'child-failed',
      child: child.spec.id,
      incarnation: child.incarnation,
      failureClass,
      directive,
      error: error instanceof Error ? error.message : String(error),
    });
    switch (directive) {
      case 'restart':
        if (child.spec.restart === 'temporary') {
          // OTP: a temporary child is never restarted; its spec goes away.
          await this.#ended(child);
          return;
        }
        await this.#restart(child, failureClass, error);
        return;
      case 'resume': {
        // Keep the state it had before the failing message; that message is dropped.
        if (await this.#exceeded(child, failureClass, error)) return;
        const snapshot = this.#deps.system.lastGoodSnapshot(child.name);
        child.restarts++;
        await this.#startChild(child, snapshot === undefined ? undefined : { snapshot });
        return;
      }
      case 'stop':
        await this.#ended(child);
        return;
      case 'escalate':
        await this.#giveUp(
          escalatedError(this.name, child.spec.id, failureClass, error),
          child,
          failureClass,
        );
        return;
      case 'human':
        await this.#park(child, failureClass, error, message);
        return;
    }
  }

  /** Counts a restart; when the intensity is exceeded, gives up and returns true. */
  async #exceeded(
    child: ChildRecord,
    failureClass: FailureClass | undefined,
    error: unknown,
  ): Promise<boolean> {
    const { history, exceeded } = recordRestart(
      this.#history,
      this.#deps.clock.monotonic(),
      this.#spec,
    );
    this.#history = history;
    if (!exceeded) return false;
    await this.#giveUp(
      intensityError(this.name, child.spec.id, this.#spec, failureClass, error),
      child,
      failureClass,
    );
    return true;
  }

  /** Restarts `child` and, per the strategy, its siblings, after the child's backoff delay. */
  async #restart(
    child: ChildRecord,
    failureClass: FailureClass | undefined,
    error: unknown,
  ): Promise<void> {
    if (await this.#exceeded(child, failureClass, error)) return;
    const { clock } = this.#deps;
    const { stop, targets, dropped } = restartReach(
      this.#spec.strategy,
      this.#children,
      child,
      (c) => c.spec.restart === 'temporary',
    );
    // Siblings in reach stop in reverse start order, their messages held for their restart.
    for (const sibling of stop) {
      await this.#stopChild(sibling, {
        hold: sibling.spec.restart !== 'temporary',
        how: `restart of ${child.spec.id}`,
      });
    }
    // OTP: temporary siblings are never restarted, even when a sibling's failure took them down.
    for (const sibling of dropped) {
      this.#deps.system.release(sibling.name);
      this.#remove(sibling);
    }
    for (const target of targets) target.status = 'restarting';
    child.restarts++;
    const delayMs =
      child.backoff === undefined
        ? 0
        : child.backoff.nextDelay(clock.monotonic(), this.#deps.random);
    this.#emit({
      type: 'restart-scheduled',
      child: child.spec.id,
      incarnation: child.incarnation,
      targets: targets.map((t) => t.spec.id),
      delayMs,
      failureClass,
    });
    const run = () =>
      this.#serial(async () => {
        if (this.#status !== 'running') return;
        for (const target of targets) {
          if (target.status !== 'restarting' || !this.#children.includes(target)) continue;
          await this.#startChild(target, undefined);
        }
      });
    if (delayMs <= 0) {
      void run();
      return;
    }
    child.timer = clock.setTimeout(() => {
      child.timer = undefined;
      void run();
    }, delayMs);
  }

  /** The child waits for a person: not restarted, its messages held, an escalation opened. */
  async #park(
    child: ChildRecord,
    failureClass: FailureClass,
    error: unknown,
    message: Envelope | undefined,
  ): Promise<void> {
    const { system, escalations } = this.#deps;
    child.status = 'parked';
    const info = system.describe(child.name);
    const lastGood = info === undefined ? undefined : system.lastGoodSnapshot(child.name);
    const record = await escalations.open(
      {
        supervisor: this.name,
        child: {
          id: child.spec.id,
          name: child.name,
          incarnation: child.incarnation,
          spec: child.spec,
        },
        failureClass,
        errorChain: errorChain(error),
        restartHistory: [...this.#history],
        lastCheckpoint:
          lastGood === undefined ? undefined : { kind: 'last-good-snapshot', snapshot: lastGood },
        lastMessages: info === undefined ? [] : system.recentMessages(child.name),
        ...(message === undefined ? {} : { failedMessage: message }),
        defaultDecision: this.#spec.human.default,
        deadlineMs: this.#spec.human.deadlineMs,
      },
      (escalation, decision) => this.#serial(() => this.#decide(child, escalation, decision)),
    );
    this.#emit({
      type: 'child-parked',
      child: child.spec.id,
      incarnation: child.incarnation,
      escalation: record.id,
    });
  }

  /** Acts on a person's (or the deadline's) decision about a parked child. */
  async #decide(
    child: ChildRecord,
    escalation: Escalation,
    decision: HumanDecision,
  ): Promise<void> {
    this.#emit({
      type: 'escalation-decided',
      child: child.spec.id,
      escalation: escalation.id,
      decision: decision.type,
      decidedBy: escalation.resolution?.decidedBy ?? 'human',
    });
    if (this.#status !== 'running' || child.status !== 'parked' || !this.#children.includes(child))
      return;
    const action = decideParked(escalation, decision);
    if (action.type === 'stop') {
      await this.#ended(child);
      return;
    }
    await this.#startChild(child, action.from);
    if (action.reply !== undefined)
      this.#context?.reply(action.reply.to, { payload: action.reply.payload });
  }

  /** OTP auto_shutdown: a significant child ended by itself. */
  async #significantEnded(child: ChildRecord): Promise<void> {
    if (!child.spec.significant || this.#spec.autoShutdown === 'never') return;
    const significant = this.#children.filter((c) => c.spec.significant);
    const allEnded = significant.every((c) => c.status === 'terminated');
    if (this.#spec.autoShutdown === 'any-significant' || allEnded) {
      this.#emit({ type: 'auto-shutdown', child: child.spec.id });
      await this.#stopAllChildren();
      this.#status = 'stopped';
      // OTP: auto_shutdown exits `shutdown`; a transient parent child is not restarted.
      this.#stopOwnActor();
      this.#onExit?.({ type: 'shutdown' });
    }
  }

  /** Restart intensity exceeded (or an escalate directive): stop everything, then fail. */
  async #giveUp(
    error: RuntimeError,
    child: ChildRecord,
    failureClass: FailureClass | undefined,
  ): Promise<void> {
    if (this.#status !== 'running') return;
    this.#status = 'failed';
    this.#emit({
      type: 'gave-up',
      child: child.spec.id,
      failureClass,
      restarts: this.#history.length,
    });
    this.#logger.error({ err: error, child: child.spec.id, failureClass }, `${this.name} gave up`);
    await this.#stopAllChildren();
    this.#onExit?.({ type: 'failed', error });
    // The parent sees an abnormal exit (never `shutdown`: see the class comment).
    this.#context?.fail(error);
  }

  // --- helpers ---

  #serial<T>(work: () => Promise<T> | T): Promise<T> {
    const next = this.#ops.then(work);
    this.#ops = next.catch((err: unknown) => {
      this.#logger.debug({ err }, 'supervisor operation failed');
    });
    return next;
  }

  #emit(event: DistributiveOmit<SupervisorEvent, 'supervisor' | 'at'>): void {
    const full = { ...event, supervisor: this.name, at: this.#deps.clock.now() } as SupervisorEvent;
    recordSupervisorMetrics(this.#deps.system.metrics, full, () =>
      this.#deps.escalations.openCount(),
    );
    this.#logger.info(
      { supervisorEvent: full },
      `${full.type} ${'child' in full ? full.child : ''}`,
    );
    this.#deps.emit(full);
  }

  #child(id: string): ChildRecord {
    const child = this.#children.find((c) => c.spec.id === id);
    if (child === undefined) {
      throw new RuntimeError(ErrorCode.ChildNotFound, `${this.name} has no child ${id}`, {
        details: { supervisor: this.name, child: id },
      });
    }
    return child;
  }

  #remove(child: ChildRecord): void {
    const i = this.#children.indexOf(child);
    if (i >= 0) this.#children.splice(i, 1);
    child.watch?.dispose();
  }

  #info(child: ChildRecord): ChildInfo {
    return this.whichChildren().find((c) => c.id === child.spec.id) as ChildInfo;
  }

  #mustRun(): void {
    if (this.#status !== 'running') {
      throw new RuntimeError(ErrorCode.Closed, `${this.name} is ${this.#status}`, {
        details: { supervisor: this.name },
      });
    }
  }

  #notDynamic(operation: string): void {
    if (this.#spec.strategy === 'dynamic') {
      throw new RuntimeError(
        ErrorCode.ChildConflict,
        `${operation} is not available on a dynamic supervisor (OTP simple_one_for_one)`,
        {
          details: { supervisor: this.name, operation },
        },
      );
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
