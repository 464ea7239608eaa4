import type { ActorContext, Logger, RuntimeError } from 'agentvisor/internal';
import type { ChildCounts, ChildInfo } from './ChildInfo.js';
import type { FailureClass } from './failureClasses.js';
import { answerSupervisorMessage } from './internal/answerSupervisorMessage.js';
import {
  childInfo,
  countChildren,
  createChildRecord,
  type ChildRecord,
} from './internal/ChildRecord.js';
import { dynamicChildSpec } from './internal/dynamicChildSpec.js';
import { reparkChild } from './internal/parkChild.js';
import { spawnChild } from './internal/spawnChild.js';
import { stopAllChildren, stopChild } from './internal/stopChildren.js';
import { supervisorActor } from './internal/supervisorActor.js';
import { restoreSnapshot, takeSnapshot } from './internal/supervisorSnapshot.js';
import type { SupervisorCore, SupervisorEventInput } from './internal/SupervisorCore.js';
import {
  childIdTaken,
  childNotFound,
  notOnDynamic,
  notRunning,
  notTerminated,
} from './internal/supervisorErrors.js';
import { emitSupervisorEvent } from './internal/emitSupervisorEvent.js';
import { PoisonDetector } from './poisonDetector.js';
import type { ChildSpec, SupervisorSpec, WorkerSpec } from './policy/index.js';
import type { SupervisorDeps, SupervisorExit } from './SupervisorDeps.js';
import type { SupervisorOptions } from './SupervisorOptions.js';
import { parseSupervisorSnapshot, type SupervisorSnapshot } from './SupervisorSnapshot.js';

export type { ChildCounts, ChildInfo, ChildStatus } from './ChildInfo.js';
export type { SupervisorDeps, SupervisorExit } from './SupervisorDeps.js';
export type { SupervisorOptions } from './SupervisorOptions.js';

/**
 * An OTP supervisor hosted as an actor: it starts its children in order, watches them, and on a
 * child's exit applies its strategy (one-for-one, one-for-all, rest-for-one, dynamic), restart
 * types, restart intensity and, beyond OTP, backoff, failure classes with a decision table, and
 * escalation to a human. Operations are serialised, as in OTP's gen_server loop.
 *
 * This file is the loop and the OTP API; what happens when a child exits (directive, restart
 * reach, backoff, intensity, parking) lives in `internal/`, reached through {@link SupervisorCore}.
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
  readonly #onExit: ((exit: SupervisorExit) => void) | undefined;
  readonly #core: SupervisorCore;
  #history: number[] = [];
  #ops: Promise<unknown> = Promise.resolve();
  #status: 'idle' | 'running' | 'stopping' | 'stopped' | 'failed' = 'idle';
  #context: ActorContext | undefined;
  #dynamicSeq = 0;

  constructor(spec: SupervisorSpec, deps: SupervisorDeps, options: SupervisorOptions = {}) {
    // Validated before anything happens: a bad snapshot is refused and changes nothing.
    const snapshot =
      options.snapshot === undefined
        ? undefined
        : parseSupervisorSnapshot(options.snapshot, spec.id);
    this.id = spec.id;
    this.name = options.name ?? spec.id;
    this.#spec = spec;
    this.#deps = deps;
    this.#onExit = options.onExit;
    this.#logger = deps.logger.child({ supervisor: this.name });
    this.#core = this.#createCore();
    if (spec.strategy !== 'dynamic') {
      for (const child of spec.children) this.#children.push(this.#record(child, child.id));
    }
    if (snapshot !== undefined) restoreSnapshot(this.#core, snapshot);
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
      const actor = supervisorActor(
        this.name,
        (context) => {
          this.#context = context;
        },
        (envelope) => {
          answerSupervisorMessage(this, this.#context, envelope);
        },
      );
      this.#deps.system.spawn(this.name, actor, { mailbox: { capacity: 1_000 } });
      for (const child of this.#children) {
        // A child parked when the snapshot was taken waits for its escalation again.
        if (await reparkChild(this.#core, child)) continue;
        await spawnChild(this.#core, child, undefined);
      }
    });
  }

  /**
   * Stops the children in reverse start order, each within its shutdown time then forcibly, and
   * then the supervisor's actor. Held messages of its children go to dead letters.
   */
  shutdown(): Promise<void> {
    return this.#serial(async () => {
      if (this.#status === 'stopped' || this.#status === 'idle') return;
      await stopAllChildren(this.#core);
      this.#status = 'stopped';
      this.#stopOwnActor();
    });
  }

  // --- snapshot (STYLE §7) ---

  /**
   * The supervisor's restart history and per-child backoff (nested supervisors included) as
   * JSON-safe data; give it back as `snapshot` when creating the supervisor (or the tree) in a
   * new process, and the restored one continues the same intensity window and backoff.
   */
  toSnapshot(): SupervisorSnapshot {
    return takeSnapshot(this.#core);
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
      const child =
        this.#spec.strategy === 'dynamic'
          ? dynamicChildSpec(this.#spec.children[0] as ChildSpec, spec, () => ++this.#dynamicSeq)
          : (spec as ChildSpec);
      if (this.#children.some((c) => c.spec.id === child.id))
        throw childIdTaken(this.name, child.id);
      const name = child.type === 'worker' ? (child.name ?? child.id) : child.id;
      const record = this.#record(child, name);
      this.#children.push(record);
      await spawnChild(this.#core, record, undefined);
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
      await stopChild(this.#core, child, { hold: false, how: 'terminated' });
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
      if (child.status !== 'terminated')
        throw notTerminated(id, child.status, 'only a terminated child can be restarted');
      await spawnChild(this.#core, child, undefined);
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
      if (child.status !== 'terminated')
        throw notTerminated(id, child.status, 'terminate it before deleting it');
      this.#remove(child);
      return Promise.resolve();
    });
  }

  // --- starting and stopping children ---

  #record(spec: ChildSpec, name: string): ChildRecord {
    return createChildRecord(spec, name, this.#spec.backoff);
  }

  /** OTP: a supervisor stopped by its parent, or shutting itself down, exits `shutdown`. */
  #stopOwnActor(): void {
    const info = this.#deps.system.describe(this.name);
    if (info !== undefined) this.#deps.system.stop(this.name, 'shutdown');
  }

  // --- ending by itself ---

  /** OTP auto_shutdown: a significant child ended, so the supervisor ends, exiting `shutdown`. */
  async #autoShutdown(child: ChildRecord): Promise<void> {
    this.#emit({ type: 'auto-shutdown', child: child.spec.id });
    await stopAllChildren(this.#core);
    this.#status = 'stopped';
    // OTP: auto_shutdown exits `shutdown`; a transient parent child is not restarted.
    this.#stopOwnActor();
    this.#onExit?.({ type: 'shutdown' });
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
    await stopAllChildren(this.#core);
    this.#onExit?.({ type: 'failed', error });
    // The parent sees an abnormal exit (never `shutdown`: see the class comment).
    this.#context?.fail(error);
  }

  // --- internals ---

  /** The state and operations the pieces in `internal/` share (see {@link SupervisorCore}). */
  #createCore(): SupervisorCore {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- accessors below need the instance
    const self = this;
    return {
      name: this.name,
      spec: this.#spec,
      deps: this.#deps,
      logger: this.#logger,
      children: this.#children,
      poison: new PoisonDetector(),
      get history() {
        return self.#history;
      },
      set history(history: number[]) {
        self.#history = history;
      },
      isRunning: () => this.#status === 'running',
      serial: (work) => this.#serial(work),
      emit: (event) => {
        this.#emit(event);
      },
      startChild: (child, from) => spawnChild(this.#core, child, from),
      createSub: (spec, name, snapshot) =>
        new Supervisor(spec, this.#deps, { name, ...(snapshot === undefined ? {} : { snapshot }) }),
      stopChild: (child, options) => stopChild(this.#core, child, options),
      remove: (child) => {
        this.#remove(child);
      },
      giveUp: (error, child, failureClass) => this.#giveUp(error, child, failureClass),
      autoShutdown: (child) => this.#autoShutdown(child),
      reply: (to, payload) => {
        this.#context?.reply(to, { payload });
      },
    };
  }

  #serial<T>(work: () => Promise<T> | T): Promise<T> {
    const next = this.#ops.then(work);
    this.#ops = next.catch((err: unknown) => {
      this.#logger.debug({ err }, 'supervisor operation failed');
    });
    return next;
  }

  #emit(event: SupervisorEventInput): void {
    emitSupervisorEvent(this.#deps, this.#logger, this.name, event);
  }

  #child(id: string): ChildRecord {
    const child = this.#children.find((c) => c.spec.id === id);
    if (child === undefined) throw childNotFound(this.name, id);
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
    if (this.#status !== 'running') throw notRunning(this.name, this.#status);
  }

  #notDynamic(operation: string): void {
    if (this.#spec.strategy === 'dynamic') throw notOnDynamic(this.name, operation);
  }
}
