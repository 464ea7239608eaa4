import { isRuntimeError, type Clock } from 'agentvisor/internal';
import type { Chaos, FaultLayer, InjectedFault, LayerFaults } from './createChaos.js';
import type { FaultTarget } from './matchesTarget.js';

/** One entry of a fault schedule (Jepsen's nemesis): from `at` (ms after start) for `durationMs`. */
export type ScheduledFault = {
  [L in FaultLayer]: {
    readonly at: number;
    readonly layer: L;
    readonly fault: LayerFaults[L];
    readonly target?: FaultTarget;
    readonly durationMs: number;
  };
}[FaultLayer];

/** One request of a workload, sent at `at` ms after start. */
export interface WorkloadItem {
  readonly at: number;
  readonly id: string;
  readonly input: unknown;
}

/**
 * A request's outcome (Jepsen): `ok`, `fail` (definitely did not happen: refused before it ran)
 * or `info` (indeterminate: a timeout or a transient error; it may have happened).
 */
export interface RequestOutcome {
  readonly id: string;
  readonly outcome: 'ok' | 'fail' | 'info';
  readonly at: number;
  readonly value?: unknown;
  readonly error?: string;
}

/** What {@link runScenario} records. */
export interface ScenarioHistory {
  readonly outcomes: readonly RequestOutcome[];
  readonly injected: readonly InjectedFault[];
  /** What `chaos.stop()` found left at the end (must be 0). */
  readonly remainingFaults: number;
}

/** Options of {@link runScenario}. */
export interface ScenarioOptions {
  /** A clock that moves when told (TestClock). */
  readonly clock: Clock & { advance(ms: number): Promise<void> };
  readonly chaos: Chaos;
  readonly schedule: readonly ScheduledFault[];
  readonly workload: readonly WorkloadItem[];
  /** Sends one request to the system under test; resolves with its answer. */
  readonly send: (item: WorkloadItem) => Promise<unknown>;
  /** How long to run, ms on the clock. @default last request + 60,000 */
  readonly horizonMs?: number;
  /** Error codes that mean "definitely not done" (`fail`); others are `info`. */
  readonly definiteCodes?: readonly string[];
}

const DEFINITE = ['ERR_ACTOR_NOT_FOUND', 'ERR_INVALID_MESSAGE', 'ERR_UNKNOWN_MESSAGE_TYPE'];

/**
 * Runs a workload under a fault schedule on a TestClock: each scheduled fault is added to
 * `chaos` at its time for its duration, each request is sent at its time and its outcome
 * classified (ok / fail / info); at the horizon chaos stops and reports what was left. The same
 * inputs (and a seeded chaos) give the same history.
 */
export async function runScenario(options: ScenarioOptions): Promise<ScenarioHistory> {
  const { clock, chaos } = options;
  const start = clock.now();
  const injected: InjectedFault[] = [];
  const outcomes: RequestOutcome[] = [];
  const definite = options.definiteCodes ?? DEFINITE;
  const pending: Promise<void>[] = [];
  chaos.start();
  for (const entry of options.schedule) {
    clock.setTimeout(() => {
      chaos.add(
        entry.layer,
        { faults: [{ fault: entry.fault }], ...(entry.target ? { target: entry.target } : {}) },
        entry.durationMs,
      );
    }, entry.at);
  }
  for (const item of options.workload) {
    clock.setTimeout(() => {
      pending.push(
        options.send(item).then(
          (value) => {
            outcomes.push({ id: item.id, outcome: 'ok', at: clock.now() - start, value });
          },
          (err: unknown) => {
            const code = isRuntimeError(err) ? err.code : undefined;
            outcomes.push({
              id: item.id,
              outcome: code !== undefined && definite.includes(code) ? 'fail' : 'info',
              at: clock.now() - start,
              error: code ?? String(err),
            });
          },
        ),
      );
    }, item.at);
  }
  const last = Math.max(
    0,
    ...options.workload.map((w) => w.at),
    ...options.schedule.map((s) => s.at),
  );
  const horizon = options.horizonMs ?? last + 60_000;
  const unsubscribe = chaos.onInjected((f) => injected.push(f));
  await clock.advance(horizon);
  await Promise.all(pending);
  unsubscribe();
  const { remaining } = chaos.stop();
  outcomes.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { outcomes, injected, remainingFaults: remaining };
}
