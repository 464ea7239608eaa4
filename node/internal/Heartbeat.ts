import type { TimerHandle } from 'agentvisor/internal';
import { StuckWatch } from '../StuckWatch.js';
import type { NodeCore } from './NodeCore.js';
import type { UnitHost } from './UnitHost.js';

/**
 * A node's loop, every `heartbeatMs`: heartbeat into the membership bucket, notice a stall (this
 * process's timers far behind, or its own heartbeats failing: others may have declared it dead
 * and taken its units, so every placement it holds is re-read), sweep dead members, check for
 * stuck actors and run a reconcile pass.
 */
export class Heartbeat {
  readonly #core: NodeCore;
  readonly #host: UnitHost;
  readonly #stuckWatch: StuckWatch;
  #timer: TimerHandle = undefined;
  #lastTick: number;
  #beating = false;

  constructor(core: NodeCore, host: UnitHost) {
    this.#core = core;
    this.#host = host;
    this.#lastTick = core.clock.monotonic();
    this.#stuckWatch = new StuckWatch(core.system, { clock: core.clock });
  }

  /** One turn of the loop; schedules the next one until the node closes. */
  tick(): void {
    const core = this.#core;
    if (core.state === 'closed') return;
    const now = core.clock.monotonic();
    const gap = now - this.#lastTick;
    this.#lastTick = now;
    // Timers far behind: this process was stalled (paused, swapped out) and may have been
    // declared dead meanwhile.
    if (gap > core.config.deadAfterMs) this.#stalled('process stalled', gap);
    void this.#beat();
    core.membership.sweep();
    this.#checkStuck();
    core.requestReconcile();
    this.#timer = core.clock.setTimeout(() => {
      this.tick();
    }, core.config.heartbeatMs);
  }

  /** Stops the loop and the stuck watch. */
  stop(): void {
    this.#core.clock.clearTimeout(this.#timer);
    this.#stuckWatch.dispose();
  }

  // --- internals ---

  async #beat(): Promise<void> {
    const core = this.#core;
    if (this.#beating || core.state !== 'running') return;
    this.#beating = true;
    try {
      const silence = core.membership.ownSilenceMs;
      const ok = await core.membership.beat(core.local.size);
      if (ok && silence > core.config.deadAfterMs) this.#stalled('heartbeats failed', silence);
    } finally {
      this.#beating = false;
    }
  }

  /** After a stall this node could not observe others, and others may have taken its units. */
  #stalled(reason: string, ms: number): void {
    const core = this.#core;
    core.logger.warn({ reason, ms }, 'stalled: re-checking every placement held');
    core.membership.forgive();
    for (const unit of [...core.local.keys()]) {
      void core.placements.read(unit).then(
        (placement) => {
          if (core.local.has(unit) && !core.isMine(placement) && !core.busy.has(unit))
            this.#host.lose(unit, placement);
        },
        (err: unknown) => {
          core.logger.warn({ err, unit }, 'could not re-check a placement');
        },
      );
    }
  }

  /** The `stuck` signal: actors owing work with no transition past their step deadline. */
  #checkStuck(): void {
    const core = this.#core;
    const actors: { name: string; stepMs: number; unit: string }[] = [];
    for (const [unit, local] of core.local) {
      if (local.status !== 'running') continue;
      if (local.handle === undefined) {
        actors.push({ name: unit, stepMs: this.#stepMsOf(unit), unit });
        continue;
      }
      for (const child of core.describeUnit(unit, local.handle)?.children ?? []) {
        if (child.type === 'worker')
          actors.push({ name: child.name, stepMs: core.config.stuckAfterMs, unit });
      }
    }
    const unitOf = new Map(actors.map((a) => [a.name, a.unit]));
    let found;
    try {
      found = this.#stuckWatch.check(actors);
    } catch (err) {
      core.logger.warn({ err }, 'stuck check failed');
      return;
    }
    core.stuck = new Set(found.map((s) => s.name));
    for (const s of found) {
      if (!s.newly) continue;
      const unit = unitOf.get(s.name) ?? s.name;
      core.logger.warn(
        { unit, actor: s.name, sinceMs: s.sinceMs, owed: s.owed },
        'stuck: work owed and no transition past its step deadline',
      );
      core.emit({ type: 'stuck', unit, actor: s.name, sinceMs: s.sinceMs, owed: s.owed });
    }
  }

  #stepMsOf(unit: string): number {
    const core = this.#core;
    const spec = core.units.get(unit);
    const agent = spec === undefined ? undefined : core.agents[spec.agent];
    if (agent === undefined || !('logic' in agent)) return core.config.stuckAfterMs;
    const fromTemplate = (agent.logic as { stepMs?: unknown }).stepMs;
    return (
      agent.stuckAfterMs ??
      (typeof fromTemplate === 'number' ? fromTemplate : core.config.stuckAfterMs)
    );
  }
}
