import {
  ErrorCode,
  backoffDelays,
  isActorTemplate,
  isRuntimeError,
  type LifecycleEvent,
  type BackoffConfig,
  type Placement,
} from 'agentvisor/internal';
import type { ClusterActorAgent } from '../ClusterNodeOptions.js';
import type { LocalUnit, NodeCore } from './NodeCore.js';

/** Back-off before this node claims again a unit whose start failed here: 250 ms doubling to 30 s. */
const START_BACKOFF: BackoffConfig = {
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 'none',
};

/**
 * The units running on one node: starting them (restored from checkpoint and journal, or a
 * subtree's own `start`), backing off after a start that failed, restarting one fenced by a stale
 * write, stopping a copy another node owns now (without writing), handing one over on drain and
 * releasing its placement.
 */
export class UnitHost {
  readonly #core: NodeCore;
  /** Units whose start failed here: how often in a row, and when this node may claim them again. */
  readonly #startFailures = new Map<
    string,
    { count: number; retryAt: number; delays: Generator<number, never, void> }
  >();
  /** Subtree units whose `start` is running (workers started meanwhile are theirs). */
  readonly #starting = new Set<string>();
  /** Worker actor → the subtree unit that started it. */
  readonly #workerUnits = new Map<string, string>();

  constructor(core: NodeCore) {
    this.#core = core;
  }

  /** True while a start of `unit` failed here and its back-off has not run out. */
  backingOff(unit: string, now: number): boolean {
    return (this.#startFailures.get(unit)?.retryAt ?? 0) > now;
  }

  /** Restores the unit from its checkpoint and journal and runs it here. */
  async startUnit(unit: string, epoch: number): Promise<void> {
    const core = this.#core;
    const spec = core.units.get(unit);
    const agent = spec === undefined ? undefined : core.agents[spec.agent];
    if (spec === undefined || agent === undefined) return;
    const previous = core.local.get(unit)?.handle;
    const local: LocalUnit = { epoch, status: 'starting' };
    core.local.set(unit, local);
    const began = core.clock.monotonic();
    // A copy left from before (failed, fenced) goes first; stopping writes nothing.
    if (core.system.describe(unit) !== undefined) core.system.stop(unit, 'shutdown');
    if (previous !== undefined) {
      try {
        await previous.stop();
      } catch (err) {
        core.logger.warn({ err, unit }, 'stopping the previous copy of a subtree failed');
      }
    }
    if ('start' in agent) {
      this.#starting.add(unit);
      try {
        local.handle = await agent.start({
          unit,
          system: core.system,
          store: core.store,
          journal: core.journal,
          input: spec.input,
          epoch,
        });
      } catch (error) {
        await this.#didNotStart(unit, local, error);
        return;
      } finally {
        this.#starting.delete(unit);
      }
      this.#started(unit, local, began);
      return;
    }
    try {
      await this.spawnActor(unit, spec.agent, agent, spec.input);
    } catch (error) {
      await this.#didNotStart(unit, local, error);
      return;
    }
    // Restored into a state that failed at once: a start that did not take.
    const info = core.system.describe(unit);
    if (info?.status === 'failed') {
      await this.#didNotStart(unit, local, info.error);
      return;
    }
    this.#started(unit, local, began);
  }

  /** Spawns a durable actor on the node's stores (a unit's own, or a mailbox shard's). */
  async spawnActor(
    name: string,
    agentName: string,
    agent: ClusterActorAgent,
    input: unknown,
  ): Promise<void> {
    const core = this.#core;
    const version =
      agent.machineVersion ?? (isActorTemplate(agent.logic) ? agent.logic.version : undefined) ?? 1;
    await core.system.spawnDurable(name, agent.logic, {
      ...(input === undefined ? {} : { input }),
      persistence: {
        store: core.store,
        journal: core.journal,
        machineId: agentName,
        machineVersion: version,
        ...(agent.policy === undefined ? {} : { policy: agent.policy }),
        ...(agent.migrate === undefined ? {} : { migrate: agent.migrate }),
      },
    });
  }

  /**
   * The system's lifecycle events: a worker started while a subtree unit starts is that unit's;
   * a unit's actor (or a subtree's worker refused as a stale writer) that failed is re-checked.
   */
  onLifecycle(event: LifecycleEvent): void {
    const core = this.#core;
    if (event.type === 'started' && !core.units.has(event.name) && this.#starting.size === 1)
      for (const unit of this.#starting) this.#workerUnits.set(event.name, unit);
    if (event.type !== 'failed') return;
    if (core.local.has(event.name)) {
      this.#onUnitFailed(event.name, event.error);
      return;
    }
    // A subtree's worker refused as a stale writer: its supervisor stops it (never restarts
    // it in place); the unit is re-checked, and restarted here while its placement is ours.
    const unit = this.#unitOfWorker(event.name);
    if (unit !== undefined && isRuntimeError(event.error, ErrorCode.PersistenceConflict))
      this.#onUnitFailed(unit, event.error);
  }

  /** Another node owns the unit now: stop the local copy (stopping writes nothing). */
  lose(unit: string, placement: Placement | undefined): void {
    const core = this.#core;
    const handle = core.local.get(unit)?.handle;
    core.local.delete(unit);
    if (handle !== undefined) {
      handle.stop().catch((err: unknown) => {
        core.logger.warn({ err, unit }, 'stopping a stale subtree failed');
      });
    } else if (core.system.describe(unit) !== undefined) {
      core.system.stop(unit, 'shutdown');
    }
    const owner = placement?.record?.node;
    const epoch = placement?.record?.epoch;
    core.logger.warn({ unit, owner, epoch }, 'unit owned elsewhere: local copy stopped');
    core.emit({
      type: 'lost',
      unit,
      ...(owner === undefined ? {} : { owner }),
      ...(epoch === undefined ? {} : { epoch }),
    });
  }

  /** Drain of one unit: finish the queue, checkpoint, stop, release. */
  async handOver(unit: string): Promise<void> {
    const core = this.#core;
    const handle = core.local.get(unit)?.handle;
    if (handle !== undefined) {
      // A subtree's workers journal every message before processing it: stopping loses nothing.
      try {
        await handle.stop();
      } catch (err) {
        core.logger.warn({ err, unit }, 'stopping a subtree failed');
      }
      await this.#release(unit);
      return;
    }
    const deadline = core.clock.monotonic() + core.config.drainTimeoutMs;
    for (;;) {
      const info = core.system.describe(unit);
      if (info?.status !== 'running' || info.mailboxSize === 0) break;
      if (core.clock.monotonic() >= deadline) {
        core.logger.warn({ unit, queued: info.mailboxSize }, 'drain timeout: messages left');
        break;
      }
      await new Promise<void>((resolve) => core.clock.setTimeout(resolve, 5));
    }
    try {
      if (core.system.describe(unit)?.status === 'running') await core.system.checkpoint(unit);
    } catch (err) {
      core.logger.warn({ err, unit }, 'final checkpoint failed');
    }
    if (core.system.describe(unit) !== undefined) core.system.stop(unit, 'shutdown');
    await this.#release(unit);
  }

  // --- internals ---

  /**
   * A start that failed, or a unit's actor that failed while running (not fenced), gives the
   * unit up (released: any node may try it) and keeps this node from claiming it again before a
   * back-off: 250 ms doubling to 30 s. A successful start resets the back-off.
   */
  async #didNotStart(
    unit: string,
    local: LocalUnit,
    error: unknown,
    what: 'start' | 'run' = 'start',
  ): Promise<void> {
    const core = this.#core;
    local.status = 'failed';
    const failures = this.#startFailures.get(unit) ?? {
      count: 0,
      retryAt: 0,
      delays: backoffDelays(START_BACKOFF, () => 0),
    };
    failures.count += 1;
    const backOffMs = failures.delays.next().value;
    failures.retryAt = core.clock.monotonic() + backOffMs;
    this.#startFailures.set(unit, failures);
    const count = failures.count;
    core.logger.error(
      { err: error, unit, failures: count, backOffMs },
      what === 'start'
        ? 'unit did not start'
        : 'unit failed: released, claimed again after a back-off',
    );
    core.emit({ type: 'unit-failed', unit, error });
    if (core.system.describe(unit) !== undefined) core.system.stop(unit, 'shutdown');
    if (core.local.get(unit) === local) await this.#release(unit);
  }

  #started(unit: string, local: LocalUnit, began: number): void {
    const core = this.#core;
    local.status = 'running';
    this.#startFailures.delete(unit);
    const recoveryMs = core.clock.monotonic() - began;
    core.logger.info({ unit, epoch: local.epoch, recoveryMs }, 'unit started');
    core.emit({ type: 'started', unit, epoch: local.epoch, recoveryMs });
    // Lost while starting (the watch saw a newer claim): the next pass stops it.
    core.requestReconcile();
  }

  #onUnitFailed(unit: string, error: unknown): void {
    const core = this.#core;
    const local = core.local.get(unit);
    // A failure while it starts is the start's (startUnit sees the failed actor).
    if (local === undefined || local.status === 'starting') return;
    if (!isRuntimeError(error, ErrorCode.PersistenceConflict)) {
      // Any other failure of a unit's actor: restarted like a start that failed (released, and
      // claimed again after a back-off, here or on another node), never left failed in place
      // answering ERR_ACTOR_FAILED. The failed message is marked, so the restore skips it.
      if (local.handle === undefined && !core.busy.has(unit))
        core.track(unit, this.#didNotStart(unit, local, error, 'run'));
      else {
        local.status = 'failed';
        core.emit({ type: 'unit-failed', unit, error });
      }
      return;
    }
    local.status = 'failed';
    core.emit({ type: 'unit-failed', unit, error });
    // A fenced write: another writer moved the journal or checkpoint. If the placement is still
    // ours, that was a stale owner's last write before it stopped: restore again from what is
    // stored. Otherwise the unit is someone else's now.
    if (core.busy.has(unit)) return;
    core.track(
      unit,
      (async () => {
        try {
          const placement = await core.placements.read(unit);
          if (!core.isMine(placement)) this.lose(unit, placement);
          else if (core.state === 'running') await this.startUnit(unit, local.epoch);
        } catch (err) {
          core.logger.warn({ err, unit }, 'could not re-check a fenced unit');
        }
      })(),
    );
  }

  #unitOfWorker(name: string): string | undefined {
    const core = this.#core;
    for (const [unit, local] of core.local) {
      const children = core.describeUnit(unit, local.handle)?.children ?? [];
      if (children.some((c) => c.name === name)) return unit;
    }
    const unit = this.#workerUnits.get(name);
    return unit !== undefined && core.local.get(unit)?.handle !== undefined ? unit : undefined;
  }

  async #release(unit: string): Promise<void> {
    const core = this.#core;
    core.local.delete(unit);
    try {
      const placement = await core.placements.read(unit);
      if (placement === undefined || !core.isMine(placement)) return;
      const outcome = await core.placements.release(unit, placement);
      if (outcome.ok) core.emit({ type: 'released', unit, epoch: placement.record?.epoch ?? 0 });
    } catch (err) {
      core.logger.warn({ err, unit }, 'release failed; the unit moves when this node is dead');
    }
  }
}
